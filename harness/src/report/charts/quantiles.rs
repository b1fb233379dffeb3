//! latency-quantiles.png: p50/p95/p99/max per time window, faults shaded.
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{ms, secs, x_range, y_range};
use super::frame::{frame, note_empty, Axes};
use super::legend::{draw_legend, Row, Swatch};
use super::shading::{fault_legend, shade_faults};
use super::{ChartData, DrawResult};
use crate::report::quantiles::QuantileRow;

/// One quantile line: label, how to read its value from a row, colour, dashed.
type Line = (&'static str, fn(&QuantileRow) -> u64, RGBColor, bool);

/// The four lines, fastest first.
const LINES: [Line; 4] = [
    ("p50", |r| r.p50_us, RGBColor(31, 119, 180), false),
    ("p95", |r| r.p95_us, RGBColor(44, 160, 44), false),
    ("p99", |r| r.p99_us, RGBColor(255, 127, 14), false),
    ("max", |r| r.us_max, RGBColor(214, 39, 40), true),
];

/// Draws one line per quantile, each point at the middle of its window.
pub(crate) fn draw_quantiles<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData<'_>) -> DrawResult<DB> {
    let y = y_range(d.rows.iter().flat_map(|r| [r.p50_us, r.us_max]));
    let axes = Axes { x_desc: "invocation time (simulated s)", y_desc: "latency (ms, log scale)" };
    let title = format!("{} — latency quantiles per {} window", d.title, window_label(d.window_us));
    let mut fr = frame(root, &title, axes, x_range(d.run_end_us), y.clone())?;
    shade_faults(&mut fr.chart, d.spans, &y)?;

    // Midpoint, but never past the run end, so the last (partial) window stays on the chart.
    let mid = |r: &QuantileRow| secs((r.start_us / 2 + r.end_us / 2).min(d.run_end_us));
    let mut rows = vec![Row::Heading("Quantiles")];
    for (label, get, c, dashed) in LINES {
        let pts: Vec<(f64, f64)> = d.rows.iter().map(|r| (mid(r), ms(get(r)))).collect();
        if dashed {
            fr.chart.draw_series(DashedLineSeries::new(pts.clone(), 6, 4, c.stroke_width(2)))?;
        } else {
            fr.chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
        }
        fr.chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, c.filled())))?;
        let sw = if dashed { Swatch::Dashed(c) } else { Swatch::Line(c) };
        rows.push(Row::Item(sw, label.to_string()));
    }
    if d.rows.is_empty() {
        note_empty(&fr.chart, "no completed operations")?;
    }
    let ops: usize = d.rows.iter().map(|r| r.count).sum();
    rows.push(Row::Note(format!("{ops} ops, all outcomes")));
    rows.extend(fault_legend(d.kinds));
    draw_legend(&fr.legend, &rows)
}

/// "1 s", "250 ms", "20 µs": the window width as a reader wants it.
// `%` rather than `is_multiple_of`: the workspace MSRV (1.85) predates it.
#[allow(clippy::manual_is_multiple_of)]
pub(crate) fn window_label(us: u64) -> String {
    if us >= 1_000_000 && us % 100_000 == 0 {
        trim(us as f64 / 1e6, "s")
    } else if us >= 1000 && us % 100 == 0 {
        trim(us as f64 / 1e3, "ms")
    } else {
        format!("{us} µs")
    }
}

/// Formats with at most one decimal, dropping a trailing ".0".
fn trim(v: f64, unit: &str) -> String {
    let s = format!("{v:.1}");
    format!("{} {unit}", s.strip_suffix(".0").unwrap_or(&s))
}

#[cfg(test)]
mod tests {
    use super::window_label;

    #[test]
    fn window_labels() {
        assert_eq!(window_label(1_000_000), "1 s");
        assert_eq!(window_label(2_500_000), "2.5 s");
        assert_eq!(window_label(250_000), "250 ms");
        assert_eq!(window_label(2_500), "2.5 ms");
        assert_eq!(window_label(3), "3 µs");
    }
}
