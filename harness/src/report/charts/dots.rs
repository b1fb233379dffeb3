//! A dot chart over simulated time: one dot per sample, one colour per series, faults shaded,
//! an optional bound drawn dashed. Staleness of replica reads and ingestion's ack-to-sink
//! latency are both drawn with it.
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{secs, x_range};
use super::frame::{frame_linear, note_empty, Axes};
use super::legend::{draw_legend, Row, Swatch};
use super::shading::{fault_legend, shade_faults};
use super::{ChartData, DrawResult};
use crate::report::palette::op_colour;
use crate::report::DotChart;

const BOUND: RGBColor = RGBColor(200, 30, 30);

/// Draws one dot per point at (time, value).
pub fn draw_dots<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData<'_>, c: &DotChart) -> DrawResult<DB> {
    let floor = c.bound.as_ref().map_or(1.0, |b| b.0 * 1.2);
    let top = c.points.iter().map(|p| p.2).fold(floor, f64::max) * 1.05;
    let y = -0.02 * top..top;
    let axes = Axes { x_desc: "simulated time (s)", y_desc: c.y_desc };
    let title = format!("{} — {}", d.title, c.title);
    let label = |v: &f64| format!("{v:.0}");
    let mut fr = frame_linear(root, &title, axes, x_range(d.run_end_us), y.clone(), &label)?;
    shade_faults(&mut fr.chart, d.spans, &y)?;
    fr.chart
        .draw_series(c.points.iter().map(|&(s, t, v)| Circle::new((secs(t), v), 2, op_colour(s).mix(0.7).filled())))?;
    if let Some((bound, _)) = &c.bound {
        let line = vec![(0.0, *bound), (secs(d.run_end_us), *bound)];
        fr.chart.draw_series(DashedLineSeries::new(line, 6, 4, BOUND.stroke_width(2)))?;
    }
    if c.points.is_empty() {
        note_empty(&fr.chart, c.empty)?;
    }
    let mut rows = vec![Row::Heading(c.heading)];
    for (i, name) in c.series.iter().enumerate() {
        let n = c.points.iter().filter(|p| p.0 == i).count();
        rows.push(Row::Item(Swatch::Dot(op_colour(i)), format!("{name}: {n} {}", c.unit)));
    }
    if let Some((_, text)) = &c.bound {
        rows.push(Row::Item(Swatch::Dashed(BOUND), text.clone()));
    }
    rows.extend(fault_legend(d.kinds));
    draw_legend(&fr.legend, &rows)
}
