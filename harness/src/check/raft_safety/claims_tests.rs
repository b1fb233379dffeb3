//! Durability across reboots and installed snapshots: known-bad sequences fail, the
//! legitimate ones pass, and a run with nothing to judge says so.
use super::*;
use crate::history::FaultWindow;

fn e(index: u64, term: u64) -> EntryId {
    EntryId { index, term, digest: index * 1_000 + term }
}

fn node(id: NodeId, term: u64, voted_for: Option<NodeId>, terms: &[u64]) -> Observation {
    let log = terms.iter().enumerate().map(|(i, &t)| e(i as u64 + 1, t)).collect();
    Observation {
        id,
        term,
        role: Role::Follower,
        voted_for,
        commit_index: 0,
        last_applied: 0,
        snapshot_index: 0,
        snapshot_term: 0,
        log,
    }
}

fn rebooted(before: &Observation, after: &Observation) -> RaftObserver {
    let mut r = RaftObserver::default();
    r.observe(1_000, before);
    r.restarted(before.id, 2_000);
    r.observe(3_000, after);
    r
}

fn storage_failure(node: &str, start_us: u64) -> FaultWindow {
    FaultWindow {
        kind: "storage-failure".into(),
        description: format!("{node} fail-stop"),
        nodes: vec![node.into()],
        start_us,
        end_us: Some(start_us + 500),
    }
}

#[test]
fn a_reboot_that_recovers_everything_claimed_passes() {
    let before = node(2, 3, Some(1), &[1, 1, 2]);
    let c = rebooted(&before, &before).durability_result(&[]);
    assert!(c.ok, "{}", c.detail);
    assert!(c.detail.starts_with("1 reboots: every term, vote and log entry"), "{}", c.detail);
}

#[test]
fn a_lost_log_entry_fails() {
    let c = rebooted(&node(2, 3, Some(1), &[1, 1, 2]), &node(2, 3, Some(1), &[1, 1])).durability_result(&[]);
    assert!(!c.ok);
    assert!(c.detail.contains("n2 claimed at 0.001s what its disk did not keep"), "{}", c.detail);
    assert!(c.detail.contains("log entry 3/t2"), "{}", c.detail);
}

#[test]
fn a_forgotten_vote_or_term_fails() {
    let c = rebooted(&node(2, 3, Some(1), &[1]), &node(2, 3, None, &[1])).durability_result(&[]);
    assert!(!c.ok && c.detail.contains("its vote for Some(1) in term 3 came back as None"), "{}", c.detail);
    let c = rebooted(&node(2, 3, Some(1), &[1]), &node(2, 2, Some(1), &[1])).durability_result(&[]);
    assert!(!c.ok && c.detail.contains("term 3 came back as term 2"), "{}", c.detail);
}

#[test]
fn a_reboot_after_a_disk_failure_is_not_judged() {
    let r = rebooted(&node(2, 3, Some(1), &[1, 1, 2]), &node(2, 3, Some(1), &[1]));
    let c = r.durability_result(&[storage_failure("n2", 1_500)]);
    assert!(c.ok, "{}", c.detail);
    assert!(c.detail.starts_with("every reboot followed a disk failure: nothing to judge"), "{}", c.detail);
    // The same failure on another node does not excuse this one.
    assert!(!r.durability_result(&[storage_failure("n3", 1_500)]).ok);
}

#[test]
fn without_reboots_there_is_nothing_to_judge() {
    let mut r = RaftObserver::default();
    r.observe(1_000, &node(1, 1, Some(1), &[1]));
    let c = r.durability_result(&[]);
    assert!(c.ok);
    assert_eq!(c.detail, "no node rebooted: nothing to judge (0 reboots)");
}

/// `o` compacted through `index` (which must be in its log) and applied that far.
fn compacted(mut o: Observation, index: u64) -> Observation {
    let cut = o.log.iter().position(|x| x.index == index).expect("index in log");
    o.snapshot_index = index;
    o.snapshot_term = o.log[cut].term;
    o.log.drain(..=cut);
    o.commit_index = index;
    o.last_applied = index;
    o
}

fn apply(id: EntryId) -> AppliedEntry {
    AppliedEntry { id, request: None, command: None }
}

/// n1 applies 1..=4 and snapshots at 4; n2 starts empty.
fn leader_snapshotted_at_4() -> RaftObserver {
    let mut r = RaftObserver::default();
    r.observe(100, &node(2, 1, None, &[]));
    r.observe(100, &node(3, 1, None, &[]));
    for i in 1..=4 {
        r.applied(1_000 + i, 1, &apply(e(i, 1)));
    }
    r.observe(2_000, &compacted(node(1, 1, Some(1), &[1, 1, 1, 1, 1]), 4));
    r
}

#[test]
fn installing_a_snapshot_a_node_took_passes() {
    let mut r = leader_snapshotted_at_4();
    let mut installed = node(2, 1, None, &[]);
    (installed.snapshot_index, installed.snapshot_term, installed.commit_index, installed.last_applied) = (4, 1, 4, 4);
    r.observe(3_000, &installed);
    let c = r.snapshot_result();
    assert!(c.ok, "{}", c.detail);
    assert_eq!(c.detail, "1 installed snapshots each at a point a node took (1 points taken)");
}

#[test]
fn installing_a_snapshot_one_entry_past_its_point_fails() {
    let mut r = leader_snapshotted_at_4();
    let mut installed = node(3, 1, None, &[]);
    (installed.snapshot_index, installed.snapshot_term, installed.commit_index, installed.last_applied) = (5, 1, 5, 5);
    r.observe(3_000, &installed);
    let c = r.snapshot_result();
    assert!(!c.ok);
    assert!(c.detail.starts_with("1 of 1 installed snapshots were at a point no node took"), "{}", c.detail);
    assert!(c.detail.contains("n3 installed a snapshot ending at 5/t1 at 0.003s"), "{}", c.detail);
    assert!(c.detail.contains("points taken nearby: 4/t1"), "{}", c.detail);
}

#[test]
fn without_installs_there_is_nothing_to_judge() {
    let c = leader_snapshotted_at_4().snapshot_result();
    assert!(c.ok);
    assert_eq!(c.detail, "no snapshot was installed: nothing to judge (1 snapshot points taken)");
}
