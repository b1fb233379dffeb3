//! A legend drawn in its own column, in pixel coordinates, so it can hold many entries.
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::font::FAMILY;

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    /// Filled circle: an `ok` op, or a series colour.
    Dot(RGBColor),
    /// Cross: a `fail` op.
    Cross(RGBColor),
    /// Hollow circle: an `info` op.
    Ring(RGBColor),
    /// Solid line with a dot.
    Line(RGBColor),
    /// Dashed line.
    Dashed(RGBColor),
    /// Translucent band: a fault window.
    Band(RGBColor),
}

/// One legend line.
#[derive(Clone, Debug)]
pub(super) enum Row {
    /// A section heading, e.g. "Faults".
    Heading(&'static str),
    /// Plain text, e.g. a count.
    Note(String),
    /// A swatch and its label.
    Item(Swatch, String),
}

const ROW_H: i32 = 20;
const LABEL_CHARS: usize = 26;

/// Draws `rows` top-down; if they do not fit, the last line says how many were left out.
pub(super) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[Row],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (_, h) = area.dim_in_pixel();
    let fit = ((h as i32 - 24) / ROW_H).max(1) as usize;
    let text = (FAMILY, 14).into_font().color(&RGBColor(40, 40, 40));
    let text = text.pos(Pos::new(HPos::Left, VPos::Center));
    let heading = (FAMILY, 15).into_font().color(&RGBColor(100, 100, 100));
    let heading = heading.pos(Pos::new(HPos::Left, VPos::Center));
    let shown = if rows.len() > fit { fit - 1 } else { rows.len() };
    for (i, row) in rows.iter().take(shown).enumerate() {
        // Start below the plot's top margin so the first entry lines up with the plot.
        let y = 24 + i as i32 * ROW_H;
        match row {
            Row::Heading(t) => area.draw(&Text::new(t.to_string(), (8, y), heading.clone()))?,
            Row::Note(t) => area.draw(&Text::new(shorten(t), (8, y), text.clone()))?,
            Row::Item(sw, label) => {
                draw_swatch(area, *sw, 22, y)?;
                area.draw(&Text::new(shorten(label), (42, y), text.clone()))?;
            }
        }
    }
    if shown < rows.len() {
        let y = 24 + shown as i32 * ROW_H;
        let more = format!("… {} more", rows.len() - shown);
        area.draw(&Text::new(more, (8, y), heading.clone()))?;
    }
    Ok(())
}

/// Draws one swatch centred at (x, y).
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    sw: Swatch,
    x: i32,
    y: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    match sw {
        Swatch::Dot(c) => area.draw(&Circle::new((x, y), 5, c.filled())),
        Swatch::Cross(c) => area.draw(&Cross::new((x, y), 5, c.stroke_width(2))),
        Swatch::Ring(c) => area.draw(&Circle::new((x, y), 5, c.stroke_width(2))),
        Swatch::Line(c) => {
            area.draw(&PathElement::new(vec![(x - 12, y), (x + 12, y)], c.stroke_width(2)))?;
            area.draw(&Circle::new((x, y), 3, c.filled()))
        }
        Swatch::Dashed(c) => {
            for dx in [-12, -3, 6] {
                area.draw(&PathElement::new(vec![(x + dx, y), (x + dx + 6, y)], c.stroke_width(2)))?;
            }
            Ok(())
        }
        Swatch::Band(c) => {
            area.draw(&Rectangle::new([(x - 12, y - 7), (x + 12, y + 7)], c.mix(0.22).filled()))?;
            area.draw(&Rectangle::new([(x - 12, y - 7), (x + 12, y + 7)], c.mix(0.7)))
        }
    }
}

/// Cuts long labels so they stay inside the legend column.
fn shorten(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(LABEL_CHARS - 1).collect();
        t.push('…');
        t
    }
}
