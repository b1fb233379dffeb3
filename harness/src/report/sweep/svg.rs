//! Inline SVG charts across the seeds of a sweep: one point per seed, failing seeds ringed in
//! red, a dashed median, a tooltip per point, so an outlier seed shows at a glance. SVG rather
//! than PNG: a sweep page is one self-contained file and thousands of points stay sharp.
use crate::report::esc;
use crate::report::palette::op_colour;
use std::fmt::Write;

const WIDTH: f64 = 1180.0;
const HEIGHT: f64 = 230.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 30.0;
const GRID_LINES: u32 = 4;

/// One named series of per-seed values (`None`: not measured for that seed).
pub(super) struct Series<'a> {
    /// Legend name.
    pub name: &'a str,
    /// (seed, value) per seed.
    pub points: Vec<(u64, Option<f64>)>,
}

/// A chart: title, unit of the y axis, its series and which seeds failed.
pub(super) struct Chart<'a> {
    /// Heading drawn in the chart.
    pub title: &'a str,
    /// Unit shown in tooltips and on the axis, e.g. "ms".
    pub unit: &'a str,
    /// Series drawn in palette order.
    pub series: Vec<Series<'a>>,
}

/// The chart as an `<svg>` element; says so in text when no seed had a value.
pub(super) fn render(chart: &Chart<'_>, failed: &dyn Fn(u64) -> bool) -> String {
    let values: Vec<f64> = chart.series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).collect();
    let seeds: Vec<u64> = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    let (Some(&seed_min), Some(&seed_max)) = (seeds.iter().min(), seeds.iter().max()) else {
        return format!("<p class=\"muted\">{}: no seeds.</p>", esc(chart.title));
    };
    if values.is_empty() {
        return format!("<p class=\"muted\">{}: not measured in any seed.</p>", esc(chart.title));
    }
    let y_max = nice_ceiling(values.iter().cloned().fold(0.0, f64::max));
    let frame = Frame { seed_min, seed_max, y_max };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        esc(chart.title)
    );
    let _ = write!(svg, "<text x=\"{LEFT}\" y=\"18\" font-weight=\"600\">{}</text>", esc(chart.title));
    frame.axes(&mut svg, chart.unit);
    for (i, series) in chart.series.iter().enumerate() {
        frame.series(&mut svg, i, series, chart.unit, failed);
    }
    svg.push_str("</svg>");
    svg
}

/// Maps seeds and values to SVG coordinates.
struct Frame {
    seed_min: u64,
    seed_max: u64,
    y_max: f64,
}

impl Frame {
    fn x(&self, seed: u64) -> f64 {
        let span = (self.seed_max - self.seed_min).max(1) as f64;
        LEFT + (seed - self.seed_min) as f64 / span * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        HEIGHT - BOTTOM - (value / self.y_max).clamp(0.0, 1.0) * (HEIGHT - TOP - BOTTOM)
    }

    fn axes(&self, svg: &mut String, unit: &str) {
        for i in 0..=GRID_LINES {
            let value = self.y_max * f64::from(i) / f64::from(GRID_LINES);
            let y = self.y(value);
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d0d7de\"/>\
                 <text class=\"tick\" x=\"{}\" y=\"{:.1}\" style=\"text-anchor:end\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                esc(&format!("{}{}", short(value), if i == GRID_LINES { unit } else { "" })),
            );
        }
        // Inline styles: the page's `.tick` rule centres text, and CSS beats SVG attributes.
        let y = HEIGHT - 8.0;
        for (seed, anchor) in [(self.seed_min, "start"), (self.seed_max, "end")] {
            let _ = write!(
                svg,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{y}\" style=\"text-anchor:{anchor}\">seed {seed}</text>",
                self.x(seed)
            );
        }
    }

    fn series(&self, svg: &mut String, i: usize, s: &Series<'_>, unit: &str, failed: &dyn Fn(u64) -> bool) {
        let c = op_colour(i);
        let colour = format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2);
        let mut measured: Vec<f64> = s.points.iter().filter_map(|p| p.1).collect();
        measured.sort_by(f64::total_cmp);
        if let Some(median) = measured.get(measured.len() / 2) {
            let y = self.y(*median);
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-dasharray=\"4 4\" \
                 opacity=\"0.6\"><title>median {} {}</title></line>",
                WIDTH - RIGHT,
                esc(s.name),
                short(*median)
            );
        }
        let legend_x = WIDTH - RIGHT - 140.0 * (i as f64 + 1.0);
        let _ = write!(
            svg,
            "<circle cx=\"{legend_x}\" cy=\"14\" r=\"4\" fill=\"{colour}\"/><text x=\"{}\" y=\"18\">{}</text>",
            legend_x + 8.0,
            esc(s.name)
        );
        for &(seed, value) in &s.points {
            let Some(value) = value else { continue };
            let (x, y) = (self.x(seed), self.y(value));
            let ring = if failed(seed) { " stroke=\"#cf222e\" stroke-width=\"2\"" } else { "" };
            let _ = write!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{colour}\"{ring}><title>seed {seed}: {} {}{}</title></circle>",
                esc(s.name),
                short(value),
                esc(unit)
            );
        }
    }
}

/// The next "round" number at or above `v` (1, 2, 5 times a power of ten), so axes read well.
fn nice_ceiling(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|c| *c >= v).unwrap_or(10.0 * magnitude)
}

/// A compact number: integers as such, others with up to three significant decimals.
fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(170.0), 200.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
    }

    #[test]
    fn every_measured_seed_is_a_point_and_failures_are_ringed() {
        let chart = Chart {
            title: "ops <per seed>",
            unit: "",
            series: vec![Series { name: "ops", points: vec![(0, Some(5.0)), (1, None), (2, Some(50.0))] }],
        };
        let svg = render(&chart, &|seed| seed == 2);
        assert_eq!(svg.matches("<title>seed ").count(), 2, "{svg}");
        assert_eq!(svg.matches("stroke=\"#cf222e\"").count(), 1);
        assert!(svg.contains("ops &lt;per seed&gt;") && !svg.contains("<per seed>"));
        let empty = Chart { title: "t", unit: "s", series: vec![Series { name: "c", points: vec![(0, None)] }] };
        assert!(render(&empty, &|_| false).contains("not measured"));
    }
}
