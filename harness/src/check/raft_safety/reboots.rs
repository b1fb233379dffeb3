//! Durability claims, judged across reboots: our Raft syncs everything a step wrote before it
//! releases the step's outputs, so each observation is a claim that its term, vote and log are
//! on disk. A crash keeps only what the disk synced (`SimDisk`), so the first observation after
//! a reboot, recovered from that disk, must hold everything the last one before it claimed.
use super::{entry_at, fmt_entry, fmt_us, last_index};
use crate::check::CheckResult;
use crate::history::{storage_failure_between, FaultWindow};
use faultline_systems::raft::{NodeId, Observation};

/// Check name: a node never claims durable what its disk did not keep.
pub const DURABILITY: &str = "durability";
/// One reboot: the node's last claim before it and what came back from its disk.
#[derive(Clone, Debug)]
pub struct Reboot {
    /// The node.
    pub node: NodeId,
    /// Last observation of the old incarnation, µs.
    pub before_us: u64,
    /// First observation of the new one, µs.
    pub after_us: u64,
    /// What the old incarnation claimed that the new one lacks (None: nothing).
    pub lost: Option<String>,
}

/// Every reboot of a run, compared.
#[derive(Default)]
pub struct Reboots {
    all: Vec<Reboot>,
}

impl Reboots {
    /// Compares `node`'s last observation before a reboot with its first after it.
    pub fn compare(&mut self, node: NodeId, before_us: u64, before: &Observation, after_us: u64, after: &Observation) {
        let lost = lost(before, after);
        self.all.push(Reboot { node, before_us, after_us, lost });
    }

    /// Every reboot compared so far.
    pub fn all(&self) -> &[Reboot] {
        &self.all
    }

    /// The verdict: reboots after a disk failure are not judged (the failing step's writes
    /// were never claimed); a run without reboots says it had nothing to judge.
    pub fn result(&self, faults: &[FaultWindow]) -> CheckResult {
        let (failed, judged): (Vec<&Reboot>, Vec<&Reboot>) =
            self.all.iter().partition(|r| after_disk_failure(r, faults));
        if judged.is_empty() {
            let why = if failed.is_empty() { "no node rebooted" } else { "every reboot followed a disk failure" };
            return CheckResult::pass(DURABILITY, format!("{why}: nothing to judge ({} reboots)", self.all.len()));
        }
        let problems: Vec<String> = judged
            .iter()
            .filter_map(|r| {
                r.lost.as_ref().map(|lost| {
                    format!(
                        "n{} claimed at {} what its disk did not keep (rebooted at {}): {lost}",
                        r.node,
                        fmt_us(r.before_us),
                        fmt_us(r.after_us)
                    )
                })
            })
            .collect();
        let pass = format!(
            "{} reboots: every term, vote and log entry observed before the crash came back from disk \
             ({} reboots after a disk failure not judged)",
            judged.len(),
            failed.len()
        );
        CheckResult::from_problems(DURABILITY, problems, pass)
    }
}

/// A disk error fail-stopped the node between its last claim and the reboot: that step
/// stopped half-way, so its last observation was not followed by a synced step.
fn after_disk_failure(r: &Reboot, faults: &[FaultWindow]) -> bool {
    storage_failure_between(faults, r.node, r.before_us, r.after_us)
}

/// What `before` claimed that `after` (recovered from disk) lacks, described.
fn lost(before: &Observation, after: &Observation) -> Option<String> {
    if after.term < before.term {
        return Some(format!("term {} came back as term {}", before.term, after.term));
    }
    if after.term == before.term && before.voted_for.is_some() && after.voted_for != before.voted_for {
        return Some(format!(
            "its vote for {:?} in term {} came back as {:?}",
            before.voted_for, before.term, after.voted_for
        ));
    }
    if after.snapshot_index < before.snapshot_index {
        return Some(format!("its snapshot at {} came back at {}", before.snapshot_index, after.snapshot_index));
    }
    let missing = before.log.iter().find(|e| match e.index.cmp(&after.snapshot_index) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => after.snapshot_term != e.term,
        std::cmp::Ordering::Greater => entry_at(after, e.index) != Some(e),
    })?;
    Some(format!(
        "log entry {} came back {} (log had {} entries to index {}, now to index {})",
        fmt_entry(missing),
        entry_at(after, missing.index).map_or("missing".to_string(), |x| format!("as {}", fmt_entry(x))),
        before.log.len(),
        last_index(before),
        last_index(after)
    ))
}
