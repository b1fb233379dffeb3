//! staleness.png: how far behind the committed log every LogSync replica read was, against
//! simulated time, one colour per replica, faults shaded, the declared bound drawn.
use plotters::coord::Shift;
use plotters::prelude::*;

use super::dots::draw_dots;
use super::{ChartData, DrawResult};
use crate::history::node_name;
use crate::report::{DotChart, StalenessPoints};

/// Draws one dot per read at (answer time, ms behind).
pub fn draw_staleness<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &ChartData<'_>,
    s: &StalenessPoints,
) -> DrawResult<DB> {
    let series_of = |node: usize| s.replicas.iter().position(|&r| r == node).unwrap_or(0);
    let chart = DotChart {
        title: "staleness of every replica read".into(),
        y_desc: "behind the committed log (ms)",
        heading: "Replicas",
        unit: "reads",
        series: s.replicas.iter().map(|&r| node_name(r)).collect(),
        points: s.reads.iter().map(|&(node, t, ms)| (series_of(node), t, ms)).collect(),
        bound: Some((s.bound_ms as f64, format!("bound {} ms", s.bound_ms))),
        empty: "no replica read was answered",
    };
    draw_dots(root, d, &chart)
}
