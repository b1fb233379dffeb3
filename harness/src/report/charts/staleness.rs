//! staleness.png: how far behind the committed log every LogSync replica read was, against
//! simulated time, one colour per replica, faults shaded, the declared bound drawn.
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{secs, x_range};
use super::frame::{frame_linear, note_empty, Axes};
use super::legend::{draw_legend, Row, Swatch};
use super::shading::{fault_legend, shade_faults};
use super::{ChartData, DrawResult};
use crate::history::node_name;
use crate::report::palette::op_colour;
use crate::report::StalenessPoints;

const BOUND: RGBColor = RGBColor(200, 30, 30);

/// Draws one dot per read at (answer time, ms behind).
pub fn draw_staleness<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &ChartData<'_>,
    s: &StalenessPoints,
) -> DrawResult<DB> {
    let top = s.reads.iter().map(|r| r.2).fold(s.bound_ms as f64 * 1.2, f64::max) * 1.05;
    let y = -0.02 * top..top;
    let axes = Axes { x_desc: "simulated time (s)", y_desc: "behind the committed log (ms)" };
    let title = format!("{} — staleness of every replica read", d.title);
    let label = |v: &f64| format!("{v:.0}");
    let mut fr = frame_linear(root, &title, axes, x_range(d.run_end_us), y.clone(), &label)?;
    shade_faults(&mut fr.chart, d.spans, &y)?;
    let colour = |node: usize| op_colour(s.replicas.iter().position(|&r| r == node).unwrap_or(0));
    fr.chart.draw_series(
        s.reads.iter().map(|&(node, t, ms)| Circle::new((secs(t), ms), 2, colour(node).mix(0.7).filled())),
    )?;
    let bound = s.bound_ms as f64;
    fr.chart.draw_series(DashedLineSeries::new(
        vec![(0.0, bound), (secs(d.run_end_us), bound)],
        6,
        4,
        BOUND.stroke_width(2),
    ))?;
    if s.reads.is_empty() {
        note_empty(&fr.chart, "no replica read was answered")?;
    }
    let mut rows = vec![Row::Heading("Replicas")];
    for (i, &r) in s.replicas.iter().enumerate() {
        let n = s.reads.iter().filter(|p| p.0 == r).count();
        rows.push(Row::Item(Swatch::Dot(op_colour(i)), format!("{}: {n} reads", node_name(r))));
    }
    rows.push(Row::Item(Swatch::Dashed(BOUND), format!("bound {} ms", s.bound_ms)));
    rows.extend(fault_legend(d.kinds));
    draw_legend(&fr.legend, &rows)
}
