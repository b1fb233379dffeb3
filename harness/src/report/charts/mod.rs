//! PNG charts: raw latencies and latency quantiles over simulated time, faults shaded.
mod axis;
mod convergence;
mod dots;
mod frame;
mod legend;
mod quantiles;
mod raw;
mod shading;
mod staleness;

use std::io;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::latency::OpLatency;
use super::quantiles::QuantileRow;
use super::spans::Span;

pub use convergence::draw_convergence;
pub use dots::draw_dots;
pub(crate) use quantiles::{draw_quantiles, window_label};
pub(crate) use raw::draw_raw;
pub use staleness::draw_staleness;

/// Everything a run's charts draw from, computed once by the report writer.
pub struct ChartData<'a> {
    /// Run title, prefixed to each chart's caption.
    pub(crate) title: &'a str,
    /// Completed operations.
    pub(crate) ops: &'a [OpLatency],
    /// Quantiles of `ops` per window.
    pub(crate) rows: &'a [QuantileRow],
    /// Width of a quantile window, µs.
    pub(crate) window_us: u64,
    /// Fault windows with definite ends.
    pub(crate) spans: &'a [Span<'a>],
    /// Sorted distinct fault kinds (colour order).
    pub(crate) kinds: &'a [&'a str],
    /// Right edge of the time axis, µs.
    pub(crate) run_end_us: u64,
}

/// Size of the charts in the report: legible on a laptop screen, small enough to load fast.
pub(crate) const FULL_SIZE: (u32, u32) = (1200, 600);

/// Result of drawing on a plotters backend.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Renders `draw` into a PNG at `path`, turning plotters errors into `io::Error`.
pub(crate) fn render_png<F>(path: &Path, size: (u32, u32), draw: F) -> io::Result<()>
where
    F: for<'a> FnOnce(&DrawingArea<BitMapBackend<'a>, Shift>) -> DrawResult<BitMapBackend<'a>>,
{
    super::font::ensure_registered()?;
    crate::atomic_file::write_via(path, |temp| {
        let root = BitMapBackend::new(temp, size).into_drawing_area();
        let to_io = |e: DrawingAreaErrorKind<_>| io::Error::other(format!("{}: {e}", path.display()));
        draw(&root).map_err(to_io)?;
        root.present().map_err(to_io)
    })
}
