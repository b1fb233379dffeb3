//! Run reports: history.jsonl, fault timeline, latency charts and a self-contained index.html.
//!
//! `write_report` is the entry point; `latencies` and `latency_quantiles` are public so that
//! results.json can carry the same numbers the charts show.
pub(crate) mod charts;
mod font;
mod html;
mod input;
mod latency;
mod palette;
mod quantiles;
mod spans;
pub mod sweep;
mod write;

#[cfg(test)]
mod tests;

pub use crate::escape::esc;
pub use charts::{draw_convergence, draw_dots, draw_staleness, ChartData, DrawResult};
pub use input::{
    DataFile, Divergence, DotChart, DrawFn, Figure, ReportFiles, ReportInput, ReportSection, StalenessPoints, WriteFn,
};
pub use latency::{latencies, OpLatency};
pub use quantiles::{latency_quantiles, quantile_window_us, QuantileRow};
pub use write::{write_report, FAULTS_FILE, HISTORY_FILE, INDEX_FILE, QUANTILES_PNG, RAW_PNG};
