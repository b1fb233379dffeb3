//! Fault windows drawn as translucent bands behind the data.
use std::ops::Range;

use plotters::prelude::*;

use super::axis::secs;
use super::legend::{Row, Swatch};
use crate::report::palette::fault_colour;
use crate::report::spans::Span;
use plotters::coord::types::RangedCoordf64;

/// Shades every span across the full height `y`; zero-length faults become a thin line.
pub(super) fn shade_faults<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    spans: &[Span<'_>],
    y: &Range<f64>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for s in spans {
        let c = fault_colour(s.kind_index);
        let (x0, x1) = (secs(s.start_us), secs(s.end_us));
        if s.end_us > s.start_us {
            chart.draw_series(std::iter::once(Rectangle::new([(x0, y.start), (x1, y.end)], c.mix(0.16).filled())))?;
        } else {
            let line = vec![(x0, y.start), (x0, y.end)];
            chart.draw_series(std::iter::once(PathElement::new(line, c.mix(0.6).stroke_width(2))))?;
        }
    }
    Ok(())
}

/// Legend rows for the fault kinds (sorted, as the colours are).
pub(super) fn fault_legend(kinds: &[&str]) -> Vec<Row> {
    if kinds.is_empty() {
        return vec![Row::Heading("Faults: none")];
    }
    let mut rows = vec![Row::Heading("Faults")];
    for (i, k) in kinds.iter().enumerate() {
        rows.push(Row::Item(Swatch::Band(fault_colour(i)), (*k).to_string()));
    }
    rows
}
