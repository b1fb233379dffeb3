//! Colours: one per operation name and one per fault kind, assigned in sorted-name order.
use std::collections::BTreeSet;

use plotters::style::RGBColor;

/// Strong colours for operation markers and quantile lines (Tableau 10, colour-blind aware).
const STRONG: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(127, 127, 127),
    RGBColor(214, 39, 40),
];

/// Colours for fault shading; drawn translucent, so they are picked to stay distinct when light.
const FAULT: [RGBColor; 8] = [
    RGBColor(230, 85, 13),
    RGBColor(49, 130, 189),
    RGBColor(117, 107, 177),
    RGBColor(49, 163, 84),
    RGBColor(214, 39, 40),
    RGBColor(140, 109, 49),
    RGBColor(222, 45, 138),
    RGBColor(99, 99, 99),
];

/// Colour for the `i`-th operation name (wraps around after ten).
pub(crate) fn op_colour(i: usize) -> RGBColor {
    STRONG[i % STRONG.len()]
}

/// Colour for the `i`-th fault kind (wraps around after eight).
pub(crate) fn fault_colour(i: usize) -> RGBColor {
    FAULT[i % FAULT.len()]
}

/// CSS `rgb(...)` form of a colour, for the HTML/SVG side.
pub(crate) fn css(c: RGBColor) -> String {
    format!("rgb({},{},{})", c.0, c.1, c.2)
}

/// Distinct names in sorted order; a name's position is its colour index, so every chart and
/// the HTML timeline agree on colours regardless of input order.
pub(crate) fn sorted_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    names.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}
