//! Installed snapshots: a node whose snapshot point jumps past what it applied itself has
//! installed a leader's snapshot, so that point — (last included index, term) — must be one
//! some node took. A follower that takes a snapshot as covering more (or less) than it does
//! ends up at a point no node ever had, with a state that misses entries it acknowledged.
use crate::check::CheckResult;
use faultline_systems::raft::{NodeId, Observation};
use std::collections::BTreeSet;

/// Check name: every installed snapshot is one a node took.
pub const SNAPSHOT_INSTALL: &str = "snapshot-install";
/// Problems remembered in full; beyond this only counted.
const PROBLEMS_KEPT_MAX: usize = 8;

/// The snapshot points nodes took and the installs judged against them.
#[derive(Default)]
pub struct SnapshotPoints {
    /// (index, term) of every snapshot a node took from its own applied state.
    taken: BTreeSet<(u64, u64)>,
    installs: u64,
    bad: u64,
    problems: Vec<String>,
}

impl SnapshotPoints {
    /// Judges `o` against `prev` of the same incarnation; `applied` is the highest index the
    /// node applied itself in this incarnation. `prev` None (a first or rebooted sighting)
    /// records the point it recovered without judging it.
    pub fn observe(&mut self, now_us: u64, prev: Option<&Observation>, o: &Observation, applied: Option<u64>) {
        if o.snapshot_index == 0 {
            return;
        }
        let point = (o.snapshot_index, o.snapshot_term);
        let Some(p) = prev.filter(|p| p.snapshot_index < o.snapshot_index) else {
            if prev.is_none() {
                self.taken.insert(point);
            }
            return;
        };
        if applied.is_some_and(|a| a >= o.snapshot_index) {
            self.taken.insert(point);
            return;
        }
        self.installs += 1;
        if !self.taken.contains(&point) {
            self.bad += 1;
            if self.problems.len() < PROBLEMS_KEPT_MAX {
                self.problems.push(install_problem(now_us, p, o, &self.taken));
            }
        }
    }

    /// The verdict over the run.
    pub fn result(&self) -> CheckResult {
        if self.bad > 0 {
            let first = self.problems.first().cloned().unwrap_or_default();
            return CheckResult::fail(
                SNAPSHOT_INSTALL,
                format!(
                    "{} of {} installed snapshots were at a point no node took; first: {first}",
                    self.bad, self.installs
                ),
            );
        }
        if self.installs == 0 {
            return CheckResult::pass(
                SNAPSHOT_INSTALL,
                format!("no snapshot was installed: nothing to judge ({} snapshot points taken)", self.taken.len()),
            );
        }
        CheckResult::pass(
            SNAPSHOT_INSTALL,
            format!(
                "{} installed snapshots each at a point a node took ({} points taken)",
                self.installs,
                self.taken.len()
            ),
        )
    }
}

fn install_problem(now_us: u64, p: &Observation, o: &Observation, taken: &BTreeSet<(u64, u64)>) -> String {
    let near: Vec<String> = taken
        .range((o.snapshot_index.saturating_sub(1), 0)..=(o.snapshot_index.saturating_add(1), u64::MAX))
        .map(|(i, t)| format!("{i}/t{t}"))
        .collect();
    let near = if near.is_empty() { "none".to_string() } else { near.join(", ") };
    format!(
        "n{id} installed a snapshot ending at {}/t{} at {} (it had applied to {}; points taken nearby: {near})",
        o.snapshot_index,
        o.snapshot_term,
        super::fmt_us(now_us),
        p.last_applied,
        id = o.id as NodeId
    )
}
