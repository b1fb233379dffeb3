//! latency-raw.png: every completed operation's latency against its invocation time.
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{ms, secs, x_range, y_range};
use super::frame::{frame, note_empty, Axes};
use super::legend::{draw_legend, Row, Swatch};
use super::shading::{fault_legend, shade_faults};
use super::{ChartData, DrawResult};
use crate::history::EventKind;
use crate::report::latency::OpLatency;
use crate::report::palette::{op_colour, sorted_names};

/// Grey used for outcome swatches in the legend (colour there means the operation name).
const NEUTRAL: RGBColor = RGBColor(70, 70, 70);

/// Draws the raw-latency scatter: colour = operation name, shape = outcome, faults shaded.
///
/// Shapes follow Jepsen: ok is a filled dot, fail a cross, info (unknown outcome, usually a
/// timeout) a hollow ring; fail and info are drawn last so the rare interesting points sit on
/// top of the crowd of oks.
pub(crate) fn draw_raw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData<'_>) -> DrawResult<DB> {
    let y = y_range(d.ops.iter().map(|o| o.latency_us));
    let axes = Axes { x_desc: "invocation time (simulated s)", y_desc: "latency (ms, log scale)" };
    let title = format!("{} — latency of every operation", d.title);
    let mut fr = frame(root, &title, axes, x_range(d.run_end_us), y.clone())?;
    shade_faults(&mut fr.chart, d.spans, &y)?;

    let names = sorted_names(d.ops.iter().map(|o| o.f.as_str()));
    let colour = |o: &OpLatency| op_colour(names.binary_search(&o.f.as_str()).unwrap_or(0));
    let at = |o: &OpLatency| (secs(o.invoke_us), ms(o.latency_us));
    let of = |k: EventKind| d.ops.iter().filter(move |o| o.kind == k);
    fr.chart.draw_series(of(EventKind::Ok).map(|o| Circle::new(at(o), 3, colour(o).mix(0.8).filled())))?;
    fr.chart.draw_series(of(EventKind::Fail).map(|o| Cross::new(at(o), 4, colour(o).stroke_width(2))))?;
    fr.chart.draw_series(of(EventKind::Info).map(|o| Circle::new(at(o), 5, colour(o).stroke_width(2))))?;
    if d.ops.is_empty() {
        note_empty(&fr.chart, "no completed operations")?;
    }

    let heading = if names.is_empty() { "Operations: none" } else { "Operations" };
    let mut rows = vec![Row::Heading(heading)];
    for (i, n) in names.iter().enumerate() {
        rows.push(Row::Item(Swatch::Dot(op_colour(i)), (*n).to_string()));
    }
    rows.push(Row::Heading("Outcome"));
    for (k, sw, label) in [
        (EventKind::Ok, Swatch::Dot(NEUTRAL), "ok"),
        (EventKind::Fail, Swatch::Cross(NEUTRAL), "fail"),
        (EventKind::Info, Swatch::Ring(NEUTRAL), "info (unknown)"),
    ] {
        let n = d.ops.iter().filter(|o| o.kind == k).count();
        rows.push(Row::Item(sw, format!("{label}: {n}")));
    }
    rows.extend(fault_legend(d.kinds));
    draw_legend(&fr.legend, &rows)
}
