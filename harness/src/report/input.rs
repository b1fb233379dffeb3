//! What a report is made from, and what writing it produced.
use std::path::PathBuf;

use crate::check::CheckResult;
use crate::history::Event;
use crate::nemesis::FaultWindow;

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
    /// Extra (section title, trusted HTML fragment) pairs, e.g. a linearizability timeline.
    pub extra_html: &'a [(String, String)],
    /// CRDT replica divergence over time; `None` when the run had no CRDT replicas.
    pub divergence: Option<&'a Divergence>,
    /// LogSync reads' staleness over time; `None` when the run had no LogSync replicas.
    pub staleness: Option<&'a StalenessPoints>,
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
    /// history.jsonl, faults.json, latency-raw.png, latency-quantiles.png, index.html.
    pub paths: Vec<PathBuf>,
}
