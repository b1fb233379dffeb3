//! `logsync-recovery`: a restarted replica comes back at least where it was. Every position a
//! replica reported was synced in the step that reached it (entries are logged, then synced,
//! then applied and reported), so a reboot that recovers less than the last reported index
//! lost synced data or ignored it, even when no client read happened to notice.
use super::observer::{ReplicaReboot, ReplicaSample};
use crate::check::CheckResult;
use crate::history::node_name;

/// The check's name.
pub const RECOVERY: &str = "logsync-recovery";

/// Judges every reboot against the last position that replica reported before it.
pub fn check_recovery(samples: &[ReplicaSample], reboots: &[ReplicaReboot]) -> CheckResult {
    if reboots.is_empty() {
        return CheckResult::pass(RECOVERY, "no replica restarted: nothing to judge (0 reboots)");
    }
    let mut judged = 0;
    let mut problems = Vec::new();
    for r in reboots {
        let before = &samples[..r.samples_before.min(samples.len())];
        let Some(claimed) = before.iter().rev().find(|s| s.node == r.node).map(|s| s.applied) else { continue };
        judged += 1;
        if r.recovered < claimed {
            problems.push(format!(
                "{} rebooted at {:.3}s at index {} though it had reported index {claimed} before",
                node_name(r.node),
                r.time_us as f64 / 1e6,
                r.recovered
            ));
        }
    }
    let pass = format!(
        "{judged} replica reboots each recovered at least the index reported before ({} reboots before any report)",
        reboots.len() - judged
    );
    CheckResult::from_problems(RECOVERY, problems, pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(node: usize, applied: u64) -> ReplicaSample {
        ReplicaSample { time_us: 0, node, applied, applied_term: 1, digest: [0; 32] }
    }

    fn reboot(node: usize, recovered: u64, samples_before: usize) -> ReplicaReboot {
        ReplicaReboot { node, time_us: 2_000_000, recovered, samples_before }
    }

    #[test]
    fn a_replica_back_at_its_last_reported_index_passes() {
        let samples = [sample(5, 3), sample(6, 9), sample(5, 7)];
        let c = check_recovery(&samples, &[reboot(5, 7, 3), reboot(6, 12, 3)]);
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.starts_with("2 replica reboots"), "{}", c.detail);
    }

    #[test]
    fn a_replica_back_behind_what_it_reported_fails() {
        let samples = [sample(5, 3), sample(5, 7), sample(5, 2)];
        let c = check_recovery(&samples, &[reboot(5, 2, 2)]);
        assert!(!c.ok);
        assert!(c.detail.contains("n6 rebooted at 2.000s at index 2 though it had reported index 7"), "{}", c.detail);
    }

    #[test]
    fn samples_after_the_reboot_do_not_count() {
        let samples = [sample(5, 3), sample(5, 9)];
        let c = check_recovery(&samples, &[reboot(5, 3, 1)]);
        assert!(c.ok, "{}", c.detail);
    }

    #[test]
    fn no_reboot_says_there_was_nothing_to_judge() {
        let c = check_recovery(&[sample(5, 3)], &[]);
        assert!(c.ok && c.detail.contains("nothing to judge"), "{}", c.detail);
    }
}
