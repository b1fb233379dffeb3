//! Staleness: how far behind the committed log each replica read was, in entries and in
//! simulated ms (since the first entry it missed committed), and whether reads at replicas
//! no fault came near stayed within the declared bound.
use super::observer::{CommittedEntry, ReplicaReadRecord};
use crate::check::{nearest_rank, CheckResult};
use crate::history::node_name;
use crate::history::FaultWindow;
use serde::{Deserialize, Serialize};

/// A read is judged against the bound only if no fault was in force within this long
/// before it (a replica cut off or restarted a moment ago may rightly still be catching up).
pub const FAULT_SETTLE_US: u64 = 1_000_000;

/// How stale one read was.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadStaleness {
    /// Host index of the replica.
    pub node: usize,
    /// When the answer arrived, µs.
    pub time_us: u64,
    /// Committed entries the read did not reflect.
    pub entries: u64,
    /// Simulated ms since the first of them committed (0 if none).
    pub ms: f64,
    /// Whether no fault was in force near it.
    pub clean: bool,
}

/// Staleness quantiles for results.json.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StalenessSummary {
    /// Reads measured.
    pub reads: usize,
    /// Of which judged against the bound.
    pub clean_reads: usize,
    /// Entries behind: median, 99th percentile, largest.
    pub entries_p50: u64,
    /// 99th percentile of entries behind.
    pub entries_p99: u64,
    /// Most entries behind.
    pub entries_max: u64,
    /// Milliseconds behind: median.
    pub ms_p50: f64,
    /// 95th percentile.
    pub ms_p95: f64,
    /// 99th percentile.
    pub ms_p99: f64,
    /// Largest.
    pub ms_max: f64,
    /// The declared bound, ms.
    pub bound_ms: u64,
}

/// Staleness of each read.
pub fn read_staleness(
    reads: &[ReplicaReadRecord],
    committed: &[CommittedEntry],
    faults: &[FaultWindow],
) -> Vec<ReadStaleness> {
    reads
        .iter()
        .map(|r| {
            let known = committed.partition_point(|c| c.commit_us <= r.complete_us) as u64;
            let entries = known.saturating_sub(r.index);
            let ms = if entries > 0 {
                let first_missed = &committed[r.index as usize];
                r.complete_us.saturating_sub(first_missed.commit_us) as f64 / 1000.0
            } else {
                0.0
            };
            let from = r.invoke_us.saturating_sub(FAULT_SETTLE_US);
            let clean = !faults.iter().any(|f| f.start_us <= r.complete_us && f.end_us.is_none_or(|e| e >= from));
            ReadStaleness { node: r.node, time_us: r.complete_us, entries, ms, clean }
        })
        .collect()
}

/// The bound on clean reads, and the quantiles over all reads.
pub fn check_staleness(stale: &[ReadStaleness], bound_ms: u64) -> (CheckResult, StalenessSummary) {
    let mut entries: Vec<u64> = stale.iter().map(|s| s.entries).collect();
    entries.sort_unstable();
    let mut ms: Vec<f64> = stale.iter().map(|s| s.ms).collect();
    ms.sort_by(f64::total_cmp);
    let clean: Vec<&ReadStaleness> = stale.iter().filter(|s| s.clean).collect();
    let summary = StalenessSummary {
        reads: stale.len(),
        clean_reads: clean.len(),
        entries_p50: nearest_rank(&entries, 0.5).unwrap_or(0),
        entries_p99: nearest_rank(&entries, 0.99).unwrap_or(0),
        entries_max: nearest_rank(&entries, 1.0).unwrap_or(0),
        ms_p50: nearest_rank(&ms, 0.5).unwrap_or(0.0),
        ms_p95: nearest_rank(&ms, 0.95).unwrap_or(0.0),
        ms_p99: nearest_rank(&ms, 0.99).unwrap_or(0.0),
        ms_max: nearest_rank(&ms, 1.0).unwrap_or(0.0),
        bound_ms,
    };
    let problems: Vec<String> = clean
        .iter()
        .filter(|s| s.ms > bound_ms as f64)
        .map(|s| {
            format!(
                "{} answered at {} µs {:.1} ms ({} entries) behind, with no fault near it (bound {bound_ms} ms)",
                node_name(s.node),
                s.time_us,
                s.ms,
                s.entries
            )
        })
        .collect();
    let pass = format!(
        "{} of {} reads had no fault near them and were at most {:.1} ms behind (bound {bound_ms} ms); all reads: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        clean.len(),
        stale.len(),
        clean.iter().map(|s| s.ms).fold(0.0, f64::max),
        summary.ms_p50,
        summary.ms_p99,
        summary.ms_max
    );
    (CheckResult::from_problems("logsync-staleness", problems, pass), summary)
}
