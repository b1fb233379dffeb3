//! convergence.png: how many CRDT replica pairs disagree over simulated time, faults shaded,
//! with the heal marked: the curve must fall to zero after it and stay there.
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{secs, x_range};
use super::frame::{frame_linear, note_empty, Axes};
use super::legend::{draw_legend, Row, Swatch};
use super::shading::{fault_legend, shade_faults};
use super::{ChartData, DrawResult};
use crate::report::Divergence;

const CURVE: RGBColor = RGBColor(31, 119, 180);
const HEAL: RGBColor = RGBColor(60, 60, 60);

/// Draws differing replica pairs as a step curve (a value holds until the next change).
pub fn draw_convergence<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &ChartData<'_>,
    div: &Divergence,
) -> DrawResult<DB> {
    let y = -0.05 * div.pairs.max(1) as f64..div.pairs.max(1) as f64 * 1.1;
    let axes = Axes { x_desc: "simulated time (s)", y_desc: "replica pairs with differing state" };
    let title = format!("{} — CRDT replica divergence", d.title);
    let count = |v: &f64| if v.fract().abs() < 1e-9 && *v >= 0.0 { format!("{v:.0}") } else { String::new() };
    let mut fr = frame_linear(root, &title, axes, x_range(d.run_end_us), y.clone(), &count)?;
    shade_faults(&mut fr.chart, d.spans, &y)?;

    let mut steps: Vec<(f64, f64)> = Vec::with_capacity(div.points.len() * 2 + 1);
    for &(t, n) in &div.points {
        if let Some(&(_, prev)) = steps.last() {
            steps.push((secs(t), prev));
        }
        steps.push((secs(t), n as f64));
    }
    if let Some(&(_, last)) = steps.last() {
        steps.push((secs(d.run_end_us), last));
    }
    fr.chart.draw_series(LineSeries::new(steps, CURVE.stroke_width(2)))?;
    let heal = secs(div.heal_us);
    fr.chart.draw_series(DashedLineSeries::new(vec![(heal, y.start), (heal, y.end)], 6, 4, HEAL.stroke_width(2)))?;
    if div.points.is_empty() {
        note_empty(&fr.chart, "no replica reported its state")?;
    }

    let mut rows = vec![
        Row::Heading("Divergence"),
        Row::Item(Swatch::Line(CURVE), format!("differing pairs (of {})", div.pairs)),
        Row::Item(Swatch::Dashed(HEAL), "heal (writes stop)".to_string()),
        Row::Note(match div.converged_after_heal_s {
            Some(s) => format!("equal {s:.3} s after heal"),
            None => "never converged".to_string(),
        }),
    ];
    rows.extend(fault_legend(d.kinds));
    draw_legend(&fr.legend, &rows)
}
