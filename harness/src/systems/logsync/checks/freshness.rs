//! `logsync-freshness`: a read that asked for at most X ms of staleness and got an answer
//! must not lack an entry that committed more than X ms (plus what the network and a deposed
//! leader can add) before the answer.
//!
//! A replica judges freshness on its own clock: it answers only if it heard from the leader
//! within X and has applied everything that leader said was committed. What it can rightly
//! miss is bounded by the scenario: X stretched by the clock's rate error, the one-way delay
//! of the leader's message and of the reply, and the time a leader cut off from its quorum
//! keeps shipping before CheckQuorum deposes it. A replica whose clock jumped (bump, strobe)
//! near the read cannot measure X at all, so those reads are counted but not judged.
use super::observer::ReplicaReadRecord;
use super::staleness::{ReadStaleness, FAULT_SETTLE_US};
use crate::check::CheckResult;
use crate::history::{client_name, node_name, FaultWindow};

/// The check's name in results.json.
pub const NAME: &str = "logsync-freshness";

/// Fault kinds that make a replica's clock jump, so elapsed time on it means nothing.
const CLOCK_JUMPS: [&str; 2] = ["clock-bump", "clock-strobe"];

/// What a correct replica may add to the X ms a read asked for, from the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// Largest clock-rate error, ppm (a replica's X ms may be this much longer in real time).
    pub drift_ppm_max: u64,
    /// Largest one-way delay of a datagram, faults included, ms.
    pub one_way_ms_max: u64,
    /// Longest a leader cut off from its quorum may keep shipping, ms.
    pub deposed_leader_ms_max: u64,
}

impl Allowance {
    /// The most a read that asked for `asked_ms` may be behind, ms.
    pub fn limit_ms(&self, asked_ms: u64) -> f64 {
        let stretched = asked_ms as f64 * (1.0 + self.drift_ppm_max as f64 / 1e6);
        stretched + 2.0 * self.one_way_ms_max as f64 + self.deposed_leader_ms_max as f64
    }
}

/// Judges every answered read that asked for a staleness bound (`stale` is aligned with `reads`).
pub fn check_freshness(
    reads: &[ReplicaReadRecord],
    stale: &[ReadStaleness],
    faults: &[FaultWindow],
    allowance: Allowance,
) -> CheckResult {
    let mut judged = 0usize;
    let mut clock_jumped = 0usize;
    let mut worst_ms = 0.0f64;
    let mut problems = Vec::new();
    for (r, s) in reads.iter().zip(stale) {
        let Some(asked_ms) = r.staleness_ms_max else { continue };
        if clock_jumped_near(r, faults) {
            clock_jumped += 1;
            continue;
        }
        judged += 1;
        worst_ms = worst_ms.max(s.ms);
        let limit_ms = allowance.limit_ms(asked_ms);
        if s.ms > limit_ms {
            problems.push(format!(
                "{} answered {} at {} µs {:.1} ms ({} entries) behind; it asked for at most {asked_ms} ms (allowed {limit_ms:.1} ms)",
                node_name(r.node),
                client_name(r.client),
                s.time_us,
                s.ms,
                s.entries
            ));
        }
    }
    let skipped = if clock_jumped > 0 {
        format!("; {clock_jumped} more at a replica whose clock jumped near the read were not judged")
    } else {
        String::new()
    };
    let pass = if judged == 0 && clock_jumped == 0 {
        "no answered read asked for a staleness bound: nothing to judge".to_string()
    } else {
        format!(
            "{judged} answered reads that asked for a staleness bound were at most {worst_ms:.1} ms behind{skipped}"
        )
    };
    CheckResult::from_problems(NAME, problems, pass)
}

/// Whether a clock jump on the answering replica was in force near the read.
fn clock_jumped_near(r: &ReplicaReadRecord, faults: &[FaultWindow]) -> bool {
    let node = node_name(r.node);
    let from = r.invoke_us.saturating_sub(FAULT_SETTLE_US);
    faults.iter().any(|f| {
        CLOCK_JUMPS.contains(&f.kind.as_str())
            && f.nodes.iter().any(|n| *n == node)
            && f.start_us <= r.complete_us
            && f.end_us.is_none_or(|e| e >= from)
    })
}
