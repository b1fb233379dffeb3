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
}

/// The files `write_report` wrote, in a fixed order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportFiles {
    /// history.jsonl, faults.json, latency-raw.png, latency-quantiles.png, index.html.
    pub paths: Vec<PathBuf>,
}
