//! The `kafka` model: histories of Jepsen's Kafka workload (`jepsen.tests.kafka`), judged for
//! the anomalies its checker names, with the same definitions (jepsen-io/jepsen,
//! `jepsen/src/jepsen/tests/kafka.clj`): `inconsistent-offsets`, `duplicate`, `lost-write`,
//! `poll-skip`, `nonmonotonic-poll`, `nonmonotonic-send` and `G1a`.
//!
//! Not judged: Elle's dependency cycles, `precommitted-read` and the `int-*` in-transaction
//! variants. `unseen` (acknowledged sends no ok poll saw) is reported but does not fail, unlike
//! Jepsen: a history without Jepsen's final catch-up polls always has some, and the ingestion
//! ledger judges delivery with its own liveness bound. As in Jepsen with `:sub-via
//! #{:subscribe}`, `poll-skip` and `nonmonotonic-poll` are allowed once any `:subscribe`
//! succeeded: rebalancing may move a consumer between partitions.
mod monotonic;
mod ops;
mod orders;
mod reads;

use std::collections::{BTreeMap, BTreeSet};

pub use ops::{parse_ops, KafkaF, KafkaOp, Mop};
use orders::Analysis;

use super::atom::Atom;
use crate::check::{CheckResult, PROBLEMS_SHOWN_MAX};
use crate::history::{EventKind, HistoryFile, InputError};

/// Check name.
pub const KAFKA: &str = "kafka";

/// One anomaly: its Jepsen name, the key, what was seen, and the operations involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    /// Jepsen's name, e.g. "lost-write".
    pub name: &'static str,
    /// The key (topic-partition) it happened on.
    pub key: Atom,
    /// What was seen, for a human.
    pub what: String,
    /// Positions in the history's event list of the operations involved.
    pub events: Vec<usize>,
}

impl Anomaly {
    fn new(name: &'static str, key: &Atom, what: String, op_indices: Vec<usize>) -> Self {
        // Built with op indices; `analyze` maps them to event positions before returning.
        Self { name, key: key.clone(), what, events: op_indices }
    }
}

/// The outcome of analysing a Kafka history.
#[derive(Clone, Debug)]
pub struct KafkaReport {
    /// Every anomaly found, grouped by name in the order of `ANOMALY_NAMES`.
    pub anomalies: Vec<Anomaly>,
    /// Anomaly names this history allows (see the module docs).
    pub allowed: BTreeSet<&'static str>,
    /// Per key, acknowledged sent values no ok poll saw.
    pub unseen: BTreeMap<Atom, BTreeSet<Atom>>,
    /// How many Kafka operations (invocations and completions) were read.
    pub ops: usize,
}

/// The anomaly names this checker can report, in report order.
pub const ANOMALY_NAMES: [&str; 7] =
    ["inconsistent-offsets", "duplicate", "lost-write", "G1a", "poll-skip", "nonmonotonic-poll", "nonmonotonic-send"];

impl KafkaReport {
    /// Valid when every anomaly found is an allowed one.
    pub fn valid(&self) -> bool {
        self.anomalies.iter().all(|a| self.allowed.contains(a.name))
    }
}

/// Analyse a Kafka-shaped history (a file's, or the ingestion run's log history wrapped with
/// `HistoryFile::from_history`). `Err` names the file, line and field of a malformed op.
pub fn analyze(hf: &HistoryFile) -> Result<KafkaReport, InputError> {
    let ops = parse_ops(hf)?;
    let a = Analysis::new(&ops);
    let mut anomalies = a.inconsistent_offsets();
    anomalies.extend(a.duplicates());
    anomalies.extend(a.lost_writes());
    anomalies.extend(a.g1a());
    anomalies.extend(a.poll_skips_and_nonmonotonic());
    anomalies.extend(a.nonmonotonic_sends());
    anomalies.sort_by_key(|x| ANOMALY_NAMES.iter().position(|n| *n == x.name));
    for x in &mut anomalies {
        x.events = x.events.iter().map(|&i| ops[i].pos).collect();
    }
    let subscribed = ops.iter().any(|op| op.f == KafkaF::Subscribe && op.kind == EventKind::Ok);
    let allowed = if subscribed { BTreeSet::from(["poll-skip", "nonmonotonic-poll"]) } else { BTreeSet::new() };
    Ok(KafkaReport { anomalies, allowed, unseen: unseen(&ops), ops: ops.len() })
}

/// Jepsen's final `unseen`: values ok ops sent minus values ok ops polled, per key.
fn unseen(ops: &[KafkaOp]) -> BTreeMap<Atom, BTreeSet<Atom>> {
    let (mut sent, mut polled): (BTreeMap<Atom, BTreeSet<Atom>>, BTreeMap<Atom, BTreeSet<Atom>>) = Default::default();
    for op in ops.iter().filter(|op| op.kind == EventKind::Ok) {
        op.writes().into_iter().for_each(|(k, ps)| sent.entry(k).or_default().extend(ps.into_iter().map(|p| p.1)));
        op.reads().into_iter().for_each(|(k, ps)| polled.entry(k).or_default().extend(ps.into_iter().map(|p| p.1)));
    }
    sent.into_iter()
        .filter_map(|(k, vs)| {
            let none = BTreeSet::new();
            let left: BTreeSet<Atom> = vs.difference(polled.get(&k).unwrap_or(&none)).cloned().collect();
            (!left.is_empty()).then_some((k, left))
        })
        .collect()
}

/// Describe an event for a report: its history index, source line, process and what it was.
pub fn describe_event(hf: &HistoryFile, pos: usize) -> String {
    match hf.events.get(pos) {
        Some(ev) => {
            let kind = format!("{:?}", ev.kind).to_lowercase();
            format!("op {} (line {}, process {}, {kind} {})", ev.index, hf.line_of(pos), ev.process, ev.f)
        }
        None => format!("event {pos}"),
    }
}

/// One line per anomaly: `name key k: what; ops: ...` (what the CLI prints).
pub fn anomaly_lines(hf: &HistoryFile, report: &KafkaReport) -> Vec<String> {
    report
        .anomalies
        .iter()
        .map(|x| {
            let ops: Vec<String> = x.events.iter().map(|&p| describe_event(hf, p)).collect();
            let allowed = if report.allowed.contains(x.name) { " (allowed: subscribed)" } else { "" };
            format!("{}{allowed} on key {}: {}; ops: {}", x.name, x.key, x.what, ops.join(", "))
        })
        .collect()
}

/// The verdict as a `CheckResult` named `name` (`kafka` for files, `ingest-log` in runs).
pub fn to_check_result(name: &str, hf: &HistoryFile, report: &KafkaReport) -> CheckResult {
    let unseen: usize = report.unseen.values().map(BTreeSet::len).sum();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    report.anomalies.iter().for_each(|x| *counts.entry(x.name).or_insert(0) += 1);
    let summary: Vec<String> = counts.iter().map(|(n, c)| format!("{n} {c}")).collect();
    if report.ops == 0 {
        return CheckResult::pass(name, "nothing to judge: no send, poll or txn operations");
    }
    let tail = format!("{} ops, {unseen} acknowledged sends unseen", report.ops);
    if report.valid() {
        let found = if summary.is_empty() { "no anomalies".to_string() } else { summary.join(", ") };
        return CheckResult::pass(name, format!("{found}; {tail}"));
    }
    let bad: Vec<String> = anomaly_lines(hf, report)
        .into_iter()
        .zip(&report.anomalies)
        .filter(|(_, x)| !report.allowed.contains(x.name))
        .map(|(l, _)| l)
        .take(PROBLEMS_SHOWN_MAX)
        .collect();
    CheckResult::fail(name, format!("{}; {tail}; {}", summary.join(", "), bad.join("; ")))
}

#[cfg(test)]
mod tests;
