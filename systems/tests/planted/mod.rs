//! The planted Raft bugs: for each switch, a schedule on the toy cluster that shows the
//! violation with the switch on and none with it off.
use super::{elect, follow, is_following, MS};
use crate::sim::{NetFaults, Sim};
use faultline_systems::raft::{decode_message, Message, NodeId, RaftBugs, Role};
use faultline_systems::relations::{Operation, Reply, RequestId};

/// The two nodes of a three-node cluster other than `leader`, in id order.
fn others(leader: NodeId) -> (NodeId, NodeId) {
    let mut rest = (1..=3).filter(|id| *id != leader);
    (rest.next().expect("three nodes"), rest.next().expect("three nodes"))
}

fn written(sim: &Sim, client: u64, seq: u64) -> bool {
    matches!(sim.reply_for(RequestId { client, seq }), Some(Reply::Written { .. }))
}

fn state_machine_safety_broken(sim: &Sim) -> bool {
    sim.violations.iter().any(|v| v.starts_with("state machine safety"))
}

/// Whether the graph of the current leader holds the edge `a -> b`.
fn leader_has_edge(sim: &Sim, a: u64, b: u64) -> bool {
    let leader = sim.leader().expect("a leader after settling");
    sim.graph(leader).query(&Operation::IsFollowing { follower: a, followee: b }) == Reply::Bool(true)
}

/// Steps 1 ms at a time until `done` holds; false if it did not within `limit_ms`.
fn step_until(sim: &mut Sim, limit_ms: u64, done: impl Fn(&Sim) -> bool) -> bool {
    for _ in 0..limit_ms {
        if done(sim) {
            return true;
        }
        let t = sim.now + MS;
        sim.run_until(t);
    }
    done(sim)
}

/// The first Append `from` sent `to` that carried entries (as tapped).
fn first_append_with_entries(sim: &Sim, from: NodeId, to: NodeId) -> Vec<u8> {
    let carries_entries =
        |bytes: &[u8]| matches!(decode_message(bytes), Ok(Message::Append { entries, .. }) if !entries.is_empty());
    let found = sim.sent.iter().find(|(f, t, bytes)| *f == from && *t == to && carries_entries(bytes));
    found.map(|(_, _, bytes)| bytes.clone()).expect("the leader replicated the write")
}

/// L and F commit writes 1 -> 2 and 3 -> 4 (proposed together) while C is cut off; a stale
/// copy of the first write's append reaches F after both, before F learns they committed;
/// then L crashes and F and C elect. Every message takes exactly 1 ms, so the order is fixed.
fn stale_append_then_leader_crash(bugs: RaftBugs) -> Sim {
    let mut sim = Sim::new(3, 21, |c| {
        c.bugs = bugs;
        c.snapshot_threshold = 1_000;
    });
    sim.strict = false;
    sim.faults = NetFaults { min_delay_us: MS, max_delay_us: MS, ..NetFaults::none() };
    let leader = elect(&mut sim);
    let (f, c) = others(leader);
    sim.isolate(&[c], 1);
    sim.tap = true;
    sim.request(leader, 1, follow(1, 1, 1, 2));
    sim.request(leader, 1, follow(1, 2, 3, 4));
    let stale = first_append_with_entries(&sim, leader, f);
    sim.deliver_at(sim.now + MS + MS / 2, leader, f, stale);
    sim.run_until(sim.now + 5 * MS);
    assert!(written(&sim, 1, 2), "both writes were acknowledged before the crash");
    sim.crash(leader);
    sim.heal();
    sim.run_until(sim.now + 2_000 * MS);
    sim
}

#[test]
fn truncate_on_stale_append_loses_an_acknowledged_write() {
    let bugs = RaftBugs { truncate_on_stale_append: true, ..RaftBugs::default() };
    let sim = stale_append_then_leader_crash(bugs);
    assert!(state_machine_safety_broken(&sim), "violations: {:?}", sim.violations);
    assert!(!leader_has_edge(&sim, 3, 4), "the acked write 3 -> 4 was lost");
    let sim = stale_append_then_leader_crash(RaftBugs::default());
    assert!(sim.violations.is_empty(), "violations: {:?}", sim.violations);
    assert!(leader_has_edge(&sim, 1, 2) && leader_has_edge(&sim, 3, 4));
}

/// L and F commit 1 -> 2 while C is cut off; F syncs nothing with the bug; F crashes and
/// restarts, L crashes, and F and C elect.
fn follower_crash_after_ack(bugs: RaftBugs) -> Sim {
    let mut sim = Sim::new(3, 22, |c| {
        c.bugs = bugs;
        c.snapshot_threshold = 1_000;
    });
    sim.strict = false;
    let leader = elect(&mut sim);
    let (f, c) = others(leader);
    sim.isolate(&[c], 1);
    sim.request(leader, 1, follow(1, 1, 1, 2));
    sim.run_until(sim.now + 10 * MS);
    assert!(written(&sim, 1, 1), "the write was acknowledged before the crashes");
    sim.crash(f);
    sim.restart(f);
    sim.crash(leader);
    sim.heal();
    sim.run_until(sim.now + 2_000 * MS);
    sim
}

#[test]
fn ack_append_before_sync_loses_an_acknowledged_write() {
    let bugs = RaftBugs { ack_append_before_sync: true, ..RaftBugs::default() };
    let sim = follower_crash_after_ack(bugs);
    assert!(state_machine_safety_broken(&sim), "violations: {:?}", sim.violations);
    assert!(!leader_has_edge(&sim, 1, 2), "the acked write was lost");
    let sim = follower_crash_after_ack(RaftBugs::default());
    assert!(sim.violations.is_empty(), "violations: {:?}", sim.violations);
    assert!(leader_has_edge(&sim, 1, 2));
}

/// L and F commit 5 -> 6 while C is cut off, and L crashes before telling F the new commit
/// index; F wins the election and is asked whether 5 follows 6 at once. C is behind, and
/// one entry per append keeps the new term's no-op from committing for a few round trips.
fn read_right_after_election(bugs: RaftBugs) -> Option<Reply> {
    let mut sim = Sim::new(3, 23, |c| {
        c.bugs = bugs;
        c.entries_per_append_max = 1;
    });
    let leader = elect(&mut sim);
    let (f, c) = others(leader);
    sim.isolate(&[c], 1);
    sim.request(leader, 1, follow(1, 1, 5, 6));
    assert!(step_until(&mut sim, 20, |s| written(s, 1, 1)), "the write was acknowledged");
    sim.crash(leader);
    sim.heal();
    assert!(step_until(&mut sim, 2_000, |s| s.leader() == Some(f)), "F has the longer log and wins");
    sim.request(f, 2, is_following(2, 1, 5, 6));
    sim.run_until(sim.now + 500 * MS);
    sim.reply_for(RequestId { client: 2, seq: 1 }).cloned()
}

#[test]
fn read_index_before_own_term_commit_reads_stale() {
    let bugs = RaftBugs { read_index_before_own_term_commit: true, ..RaftBugs::default() };
    assert_eq!(read_right_after_election(bugs), Some(Reply::Bool(false)), "stale: misses the acked follow");
    assert_eq!(read_right_after_election(RaftBugs::default()), Some(Reply::Bool(true)));
}

/// With CheckQuorum off and lease reads on: C sits out a partition (its election timer runs
/// out, its log stays current), then L is cut off and C rejoins F. If C campaigns inside L's
/// lease, F votes for it at once, C commits 7 -> 8, and L is asked whether 7 follows 8.
fn lease_read_after_split(seed: u64, bugs: RaftBugs) -> Option<Reply> {
    let mut sim = Sim::new(3, seed, |c| {
        c.bugs = bugs;
        c.check_quorum = false;
        c.lease_reads = true;
    });
    let leader = elect(&mut sim);
    let (f, c) = others(leader);
    sim.isolate(&[c], 2);
    sim.run_until(sim.now + 1_000 * MS);
    sim.isolate(&[leader], 1);
    sim.isolate(&[f], 2);
    let new_leader = |s: &Sim| [f, c].into_iter().find(|id| s.observe(*id).is_some_and(|o| o.role == Role::Leader));
    if !step_until(&mut sim, 400, |s| new_leader(s).is_some()) {
        return None;
    }
    let winner = new_leader(&sim).expect("just found");
    sim.request(winner, 1, follow(1, 1, 7, 8));
    if !step_until(&mut sim, 50, |s| written(s, 1, 1)) {
        return None;
    }
    sim.request(leader, 2, is_following(2, 1, 7, 8));
    sim.run_until(sim.now + 50 * MS);
    sim.reply_for(RequestId { client: 2, seq: 1 }).cloned()
}

#[test]
fn lease_without_check_quorum_reads_stale() {
    let seeds = 0..20u64;
    let bugs = RaftBugs { lease_without_check_quorum: true, ..RaftBugs::default() };
    let stale = seeds.clone().filter(|s| lease_read_after_split(*s, bugs) == Some(Reply::Bool(false))).count();
    eprintln!("lease_without_check_quorum: {stale} of 20 seeds read stale");
    assert!(stale > 0, "some seed elects the new leader inside the old leader's lease");
    for seed in seeds {
        let reply = lease_read_after_split(seed, RaftBugs::default());
        assert!(reply.is_none(), "seed {seed}: the cut-off leader answered {reply:?}");
    }
}

/// A node cut off for 2 s rejoins a healthy three-node cluster; returns the leader's term
/// before and the highest term after.
fn rejoin_terms(bugs: RaftBugs) -> (u64, u64) {
    let mut sim = Sim::new(3, 11, |c| c.bugs = bugs);
    let leader = elect(&mut sim);
    let term = sim.observe(leader).expect("up").term;
    let (other, _) = others(leader);
    sim.isolate(&[other], 1);
    sim.run_until(sim.now + 2_000 * MS);
    sim.heal();
    sim.run_until(sim.now + 1_000 * MS);
    let after = (1..=3).filter_map(|id| sim.observe(id)).map(|o| o.term).max().expect("nodes are up");
    (term, after)
}

#[test]
fn pre_vote_ignored_lets_a_rejoining_node_depose_the_leader() {
    let (before, after) = rejoin_terms(RaftBugs { pre_vote_ignored: true, ..RaftBugs::default() });
    assert!(after > before, "the rejoining node bumped the term ({before} -> {after})");
    let (before, after) = rejoin_terms(RaftBugs::default());
    assert_eq!(after, before, "PreVote keeps the term");
}
