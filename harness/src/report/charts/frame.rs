//! The common chart frame: title, plot with seconds × log-ms axes, legend column on the right.
use std::ops::Range;

use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{log_ticks, ms_label, secs_label};
use crate::report::font::FAMILY;

/// The coordinate system of the latency charts: linear seconds by log milliseconds.
pub(super) type Coords = Cartesian2d<RangedCoordf64, WithKeyPoints<LogCoord<f64>>>;
/// Linear seconds by a linear count (the convergence chart).
pub(super) type LinearCoords = Cartesian2d<RangedCoordf64, RangedCoordf64>;

/// What building a frame returns.
type FrameResult<'a, DB, C> = Result<Frame<'a, DB, C>, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A drawn, empty chart and the column reserved for its legend.
pub(super) struct Frame<'a, DB: DrawingBackend, C: CoordTranslate = Coords> {
    /// The plot, mesh and axis labels already drawn.
    pub chart: ChartContext<'a, DB, C>,
    /// Area right of the plot for `legend::draw_legend`.
    pub legend: DrawingArea<DB, Shift>,
}

/// Axis titles for a frame.
pub(super) struct Axes<'s> {
    /// x-axis title, with unit.
    pub x_desc: &'s str,
    /// y-axis title, with unit.
    pub y_desc: &'s str,
}

/// Fills the background, draws the title and mesh, and returns the plot and legend areas.
///
/// The legend lives outside the plot so it never hides points, however many series there are.
pub(super) fn frame<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    axes: Axes<'_>,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Frame<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (bold, light) = log_ticks(&y);
    let y_axis = y.log_scale().with_key_points(bold).with_light_points(light);
    frame_with(root, title, axes, x, y_axis, &ms_label)
}

/// `frame` with a linear y axis labelled by `y_fmt`.
pub(super) fn frame_linear<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    axes: Axes<'_>,
    x: Range<f64>,
    y: Range<f64>,
    y_fmt: &dyn Fn(&f64) -> String,
) -> Result<Frame<'a, DB, LinearCoords>, DrawingAreaErrorKind<DB::ErrorType>> {
    frame_with(root, title, axes, x, y, y_fmt)
}

fn frame_with<'a, DB: DrawingBackend, Y>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    axes: Axes<'_>,
    x: Range<f64>,
    y_axis: Y,
    y_fmt: &dyn Fn(&f64) -> String,
) -> FrameResult<'a, DB, Cartesian2d<RangedCoordf64, Y::CoordDescType>>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    root.fill(&WHITE)?;
    // A little air above the title; plotters puts it flush with the top edge otherwise.
    let body = root.margin(8, 0, 0, 0).titled(title, (FAMILY, 24).into_font().color(&RGBColor(30, 30, 30)))?;
    let (w, _) = body.dim_in_pixel();
    let legend_w = (w / 5).clamp(100, 230);
    let (plot_area, legend) = body.split_horizontally(w.saturating_sub(legend_w));
    let span = x.end - x.start;
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y_axis)?;
    let x_fmt = move |v: &f64| secs_label(v, span);
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_labels(12)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(y_fmt)
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(RGBColor(210, 210, 210))
        .light_line_style(RGBColor(238, 238, 238))
        .axis_style(RGBColor(90, 90, 90))
        .draw()?;
    Ok(Frame { chart, legend })
}

/// Writes `msg` centred in the plot: an empty chart should say why it is empty.
pub(super) fn note_empty<DB: DrawingBackend, C: CoordTranslate>(
    chart: &ChartContext<'_, DB, C>,
    msg: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let area = chart.plotting_area().strip_coord_spec();
    let (w, h) = area.dim_in_pixel();
    let style = (FAMILY, 20).into_font().color(&RGBColor(120, 120, 120));
    let style = style.pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(msg.to_string(), ((w / 2) as i32, (h / 2) as i32), style))
}
