//! What a report is made from, and what writing it produced.
use std::path::PathBuf;

use super::charts::{ChartData, DrawResult};
use crate::check::CheckResult;
use crate::history::Event;
use crate::history::FaultWindow;
use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea};

/// Everything a run report shows; borrowed so the caller keeps ownership.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    /// Page and chart title, e.g. "social seed 42 (madsim)".
    pub title: &'a str,
    /// Overall verdict: true means every check passed.
    pub verdict_ok: bool,
    /// Checker results, shown in this order.
    pub checks: &'a [CheckResult],
    /// Invoke/completion events, paired by `process` (see [`super::latencies`]).
    pub history: &'a [Event],
    /// Fault windows; `end_us: None` extends to the end of the run.
    pub faults: &'a [FaultWindow],
    /// Simulated time the run ended, µs.
    pub sim_end_us: u64,
    /// The command line that replays this run.
    pub repro: &'a str,
    /// Pretty JSON of the results, shown collapsed in the page.
    pub results_json: &'a str,
    /// The systems' own sections (charts, timelines), in order.
    pub sections: &'a [ReportSection],
}

/// A chart a system draws with the report's toolkit onto a PNG of the report's size.
pub type DrawFn = Box<
    dyn for<'a, 'b> Fn(&DrawingArea<BitMapBackend<'a>, Shift>, &ChartData<'b>) -> DrawResult<BitMapBackend<'a>>
        + Send
        + Sync,
>;

/// A chart in a report section.
pub struct Figure {
    /// File name in the report directory, e.g. "convergence.png".
    pub file: &'static str,
    /// The image's alt text.
    pub alt: &'static str,
    /// What a reader should see in it.
    pub caption: String,
    /// Draws it.
    pub draw: DrawFn,
}

/// Writes a data file's contents; called only when a report is written.
pub type WriteFn = Box<dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()> + Send + Sync>;

/// A data file a section ships in the report directory (e.g. a history in another tool's shape).
pub struct DataFile {
    /// File name in the report directory, e.g. "ingest-log.edn".
    pub file: &'static str,
    /// Writes it.
    pub write: WriteFn,
}

/// One section of a run report that a system adds.
pub struct ReportSection {
    /// Heading.
    pub title: String,
    /// Trusted HTML from our own code (a timeline, a table); empty for a figure alone.
    pub html: String,
    /// A chart, if any.
    pub figure: Option<Figure>,
    /// Data files written beside the report, written atomically.
    pub files: Vec<DataFile>,
}

impl std::fmt::Debug for ReportSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportSection")
            .field("title", &self.title)
            .field("figure", &self.figure.as_ref().map(|g| g.file))
            .field("files", &self.files.iter().map(|f| f.file).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ReportSection {
    /// A section of HTML.
    pub fn html(title: &str, html: String) -> Self {
        ReportSection { title: title.to_string(), html, figure: None, files: Vec::new() }
    }

    /// A section holding one chart.
    pub fn figure(title: &str, figure: Figure) -> Self {
        ReportSection { title: title.to_string(), html: String::new(), figure: Some(figure), files: Vec::new() }
    }

    /// This section with a data file written beside the report.
    pub fn with_file(mut self, file: &'static str, write: WriteFn) -> Self {
        self.files.push(DataFile { file, write });
        self
    }
}

/// How stale each LogSync replica read was, for staleness.png.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StalenessPoints {
    /// (replica host index, answer time µs, ms behind the committed log) per read.
    pub reads: Vec<(usize, u64, f64)>,
    /// Host indices of every replica (legend and colour order).
    pub replicas: Vec<usize>,
    /// The declared bound, ms (drawn as a line).
    pub bound_ms: u64,
}

/// A dot chart over simulated time (see `draw_dots`): one colour per series, faults shaded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DotChart {
    /// What it shows, after the run title, e.g. "ack-to-sink latency of every event".
    pub title: String,
    /// The y axis, with its unit.
    pub y_desc: &'static str,
    /// Legend heading of the series, e.g. "Replicas".
    pub heading: &'static str,
    /// What one point is, in the legend's counts, e.g. "reads".
    pub unit: &'static str,
    /// Series names, in colour order.
    pub series: Vec<String>,
    /// (series index, simulated µs, value) per point.
    pub points: Vec<(usize, u64, f64)>,
    /// A bound drawn dashed, and its legend text.
    pub bound: Option<(f64, String)>,
    /// What an empty chart says.
    pub empty: &'static str,
}

/// How far CRDT replicas were apart over a run: differing replica pairs after each change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Divergence {
    /// (simulated µs, replica pairs whose digests differ from then on).
    pub points: Vec<(u64, usize)>,
    /// Replica pairs in all (the y-axis maximum).
    pub pairs: usize,
    /// When faults stopped and clients stopped writing, µs.
    pub heal_us: u64,
    /// Seconds from the heal until the digests were equal for good, if they became so.
    pub converged_after_heal_s: Option<f64>,
}

/// The files `write_report` wrote, in a fixed order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportFiles {
    /// history.jsonl, faults.json, latency-raw.png, latency-quantiles.png, section figures and
    /// data files, index.html.
    pub paths: Vec<PathBuf>,
}
