//! Catch-up after the heal: every live voter applies what the cluster had committed a bound
//! before the end, so a follower that can never catch up (refusing snapshots, never sent
//! entries) fails even when the leader alone keeps the service answering.
use super::raft_safety::{fmt_us, RaftObserver};
use crate::check::CheckResult;
use crate::history::{node_name, FaultWindow};
use faultline_systems::raft::NodeId;

/// Check name.
pub const CATCH_UP: &str = "catch-up";

/// Every voter observed, except those down at the end (a crash that never healed), must have
/// applied by its last observation the highest index committed by `end_us - bound_us`; the
/// bound must fit in the quiet time after the last heal for the check to judge anything.
pub fn check_catch_up(
    observer: &RaftObserver,
    faults: &[FaultWindow],
    last_heal_us: Option<u64>,
    end_us: u64,
    bound_us: u64,
) -> CheckResult {
    let heal = last_heal_us.unwrap_or(0);
    let Some(cutoff) = end_us.checked_sub(bound_us).filter(|&c| c >= heal) else {
        return CheckResult::pass(
            CATCH_UP,
            format!(
                "not judged: the quiet time after {} is shorter than the {} bound (liveness reports it)",
                fmt_us(heal),
                fmt_us(bound_us)
            ),
        );
    };
    let target = observer.committed_as_of(cutoff);
    if target == 0 {
        return CheckResult::pass(CATCH_UP, format!("nothing committed by {}: nothing to judge", fmt_us(cutoff)));
    }
    let mut judged = Vec::new();
    let mut behind = Vec::new();
    for (at_us, o) in observer.latest() {
        if down_at_end(o.id, faults) {
            continue;
        }
        judged.push(format!("n{} {}", o.id, o.last_applied));
        if o.last_applied < target {
            behind.push(format!(
                "n{} had applied only to index {} (commit index {}, {:?} in term {}) at its last observation at {}",
                o.id,
                o.last_applied,
                o.commit_index,
                o.role,
                o.term,
                fmt_us(at_us)
            ));
        }
    }
    let what = format!(
        "index {target}, committed by {} ({} before the end at {})",
        fmt_us(cutoff),
        fmt_us(bound_us),
        fmt_us(end_us)
    );
    if behind.is_empty() {
        return CheckResult::pass(
            CATCH_UP,
            format!("{} live voters all applied {what}; applied at the end: {}", judged.len(), judged.join(", ")),
        );
    }
    CheckResult::fail(
        CATCH_UP,
        format!("{} of {} live voters never caught up to {what}: {}", behind.len(), judged.len(), behind.join("; ")),
    )
}

/// Whether `node` was crashed (or fail-stopped) by a fault that never healed.
fn down_at_end(node: NodeId, faults: &[FaultWindow]) -> bool {
    let name = node_name(usize::try_from(node.saturating_sub(1)).unwrap_or(usize::MAX));
    faults.iter().any(|f| f.end_us.is_none() && f.nodes.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_systems::raft::{EntryId, Observation, Role};

    const S: u64 = 1_000_000;

    fn voter(id: NodeId, role: Role, commit: u64, applied: u64) -> Observation {
        let log = (1..=commit.max(applied)).map(|i| EntryId { index: i, term: 1, digest: i }).collect();
        Observation {
            id,
            term: 1,
            role,
            voted_for: Some(1),
            commit_index: commit,
            last_applied: applied,
            snapshot_index: 0,
            snapshot_term: 0,
            log,
        }
    }

    /// n1 leads with 10 committed at 12 s; n2 and n3 end having applied `n2` and `n3`.
    fn cluster(n2: u64, n3: u64) -> RaftObserver {
        let mut o = RaftObserver::default();
        o.observe(12 * S, &voter(1, Role::Leader, 10, 10));
        o.observe(12 * S, &voter(2, Role::Follower, 10, n2));
        o.observe(19 * S, &voter(3, Role::Follower, n3, n3));
        o
    }

    fn crash(node: &str, end_us: Option<u64>) -> FaultWindow {
        let nodes = vec![node.to_string()];
        FaultWindow { kind: "crash".into(), description: format!("crash {node}"), nodes, start_us: 5 * S, end_us }
    }

    #[test]
    fn passes_when_every_live_voter_applied_what_was_committed() {
        let c = check_catch_up(&cluster(10, 10), &[], Some(10 * S), 20 * S, 5 * S);
        assert!(c.ok, "{}", c.detail);
        assert_eq!(c.name, "catch-up");
        assert!(c.detail.starts_with("3 live voters all applied index 10, committed by 15.000s"), "{}", c.detail);
    }

    #[test]
    fn fails_when_a_voter_never_caught_up() {
        let c = check_catch_up(&cluster(10, 4), &[crash("n3", Some(6 * S))], Some(10 * S), 20 * S, 5 * S);
        assert!(!c.ok);
        assert!(c.detail.starts_with("1 of 3 live voters never caught up to index 10"), "{}", c.detail);
        assert!(c.detail.contains("n3 had applied only to index 4"), "{}", c.detail);
    }

    #[test]
    fn a_node_that_committed_but_did_not_apply_has_not_caught_up() {
        assert!(!check_catch_up(&cluster(7, 10), &[], Some(10 * S), 20 * S, 5 * S).ok);
    }

    #[test]
    fn a_voter_still_down_at_the_end_is_not_judged() {
        let c = check_catch_up(&cluster(10, 4), &[crash("n3", None)], Some(10 * S), 20 * S, 5 * S);
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.starts_with("2 live voters"), "{}", c.detail);
    }

    #[test]
    fn says_when_it_had_nothing_to_judge() {
        let c = check_catch_up(&cluster(10, 4), &[], Some(17 * S), 20 * S, 5 * S);
        assert!(c.ok && c.detail.starts_with("not judged: the quiet time"), "{}", c.detail);
        let c = check_catch_up(&RaftObserver::default(), &[], None, 20 * S, 5 * S);
        assert!(c.ok);
        assert_eq!(c.detail, "nothing committed by 15.000s: nothing to judge");
    }
}
