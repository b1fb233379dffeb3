//! Raft relations service tests on the deterministic in-memory cluster in `sim`.
mod planted;
mod sim;

use faultline_systems::raft::{decode_message, RaftBugs, Role, WAL_FILE};
use faultline_systems::relations::{Operation, Reply, Request, RequestId, PENDING_PROPOSALS_MAX};
use faultline_systems::storage::{MemStorage, Storage};
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use proptest::prelude::*;
use rand::Rng;
use sim::{NetFaults, Sim};

const MS: u64 = 1_000;

fn follow(client: u64, seq: u64, a: u64, b: u64) -> Request {
    Request { id: RequestId { client, seq }, op: Operation::Follow { follower: a, followee: b } }
}

fn unfollow(client: u64, seq: u64, a: u64, b: u64) -> Request {
    Request { id: RequestId { client, seq }, op: Operation::Unfollow { follower: a, followee: b } }
}

fn is_following(client: u64, seq: u64, a: u64, b: u64) -> Request {
    Request { id: RequestId { client, seq }, op: Operation::IsFollowing { follower: a, followee: b } }
}

fn elect(sim: &mut Sim) -> u64 {
    let deadline = sim.now + 3_000 * MS;
    while sim.now < deadline {
        let t = sim.now + 50 * MS;
        sim.run_until(t);
        if let Some(l) = sim.leader() {
            // Let the no-op commit so reads and writes go straight through.
            let t = sim.now + 100 * MS;
            sim.run_until(t);
            if sim.leader() == Some(l) {
                return l;
            }
        }
    }
    panic!("no leader elected");
}

#[test]
fn single_leader_elected() {
    let mut sim = Sim::new(3, 1, |_| {});
    let leader = elect(&mut sim);
    sim.run_until(sim.now + 1_000 * MS);
    let leaders: Vec<_> = (1..=3).filter(|id| sim.observe(*id).unwrap().role == Role::Leader).collect();
    assert_eq!(leaders, vec![leader]);
    let term = sim.observe(leader).unwrap().term;
    for id in 1..=3 {
        assert_eq!(sim.observe(id).unwrap().term, term, "followers share the leader's term");
    }
}

#[test]
fn writes_commit_and_apply_everywhere() {
    let mut sim = Sim::new(3, 2, |_| {});
    let leader = elect(&mut sim);
    for seq in 1..=50 {
        sim.request(leader, 7, follow(7, seq, seq, seq + 1));
        sim.run_until(sim.now + 2 * MS);
    }
    sim.run_until(sim.now + 500 * MS);
    for seq in 1..=50 {
        assert!(matches!(sim.reply_for(RequestId { client: 7, seq }), Some(Reply::Written { changed: true, .. })));
    }
    let reference = sim.applied[(leader - 1) as usize].clone();
    assert!(reference.len() >= 51);
    for id in 1..=3 {
        assert_eq!(sim.applied[(id - 1) as usize], reference, "node {id} applied a different sequence");
        assert_eq!(sim.graph(id), sim.graph(leader));
    }
}

#[test]
fn follower_answers_not_leader() {
    let mut sim = Sim::new(3, 3, |_| {});
    let leader = elect(&mut sim);
    let follower = (1..=3).find(|id| *id != leader).unwrap();
    sim.request(follower, 1, follow(1, 1, 1, 2));
    assert_eq!(sim.reply_for(RequestId { client: 1, seq: 1 }), Some(&Reply::NotLeader { leader_hint: Some(leader) }));
}

/// Backpressure is not a leader change: a leader with a full proposal queue answers `Busy`.
#[test]
fn full_proposal_queue_answers_busy() {
    let mut sim = Sim::new(3, 13, |_| {});
    let leader = elect(&mut sim);
    // Cut off, the leader commits nothing, so every proposal stays pending.
    sim.isolate(&[leader], 1);
    let max = PENDING_PROPOSALS_MAX as u64;
    for seq in 1..=max + 1 {
        sim.request(leader, 6, follow(6, seq, seq, 1));
    }
    assert_eq!(sim.reply_for(RequestId { client: 6, seq: max }), None, "queued, not refused");
    assert_eq!(sim.reply_for(RequestId { client: 6, seq: max + 1 }), Some(&Reply::Busy));
}

/// One run of the random nemesis: crashes, restarts, single-node partitions, lossy network,
/// a write every 20 ms to whoever leads. Returns the sim after healing and settling.
fn chaos_run(seed: u64, strict: bool, bugs: RaftBugs, crash_pct: u32) -> Sim {
    let mut sim = Sim::new(5, seed, |c| {
        c.snapshot_threshold = 30;
        c.bugs = bugs;
        if crash_pct > 3 {
            // Hunting mode: one entry per append lets a quorum hold an old-term entry
            // without the new leader's no-op behind it (the figure-8 shape).
            c.entries_per_append_max = 1;
        }
    });
    sim.strict = strict;
    sim.faults = NetFaults::lossy();
    let mut seq = 0;
    let end = 3_000 * MS;
    while sim.now < end {
        let step = sim.now + 20 * MS;
        sim.run_until(step);
        let roll = sim.rng.random_range(0..100u32);
        let victim = sim.rng.random_range(1..=5u64);
        if roll < crash_pct {
            if (1..=5).filter(|id| !sim.is_up(*id)).count() < 2 {
                sim.crash(victim);
            }
        } else if roll < crash_pct + 5 {
            sim.restart(victim);
        } else if roll < crash_pct + 7 {
            let group = sim.rng.random_range(1..3u32);
            sim.isolate(&[victim], group);
        } else if roll < crash_pct + 10 {
            sim.heal();
        }
        seq += 1;
        let target = sim.leader().unwrap_or(victim);
        let a = sim.rng.random_range(0..10u64);
        let b = sim.rng.random_range(0..10u64);
        let req = if seq % 3 == 0 { unfollow(100, seq, a, b) } else { follow(100, seq, a, b) };
        sim.request(target, 100, req);
    }
    for id in 1..=5 {
        sim.restart(id);
    }
    sim.heal();
    sim.faults = NetFaults::none();
    sim.run_until(end + 2_000 * MS);
    sim
}

/// Random crashes, restarts, partitions, loss, duplication and reordering must never produce
/// two leaders in a term or two different entries applied at one index.
#[test]
fn safety_under_faults_many_seeds() {
    let (mut total_acked, mut total_applied, mut total_terms) = (0, 0, 0);
    for seed in 0..200u64 {
        let sim = chaos_run(seed, true, RaftBugs::default(), 3);
        let leader = sim.leader().unwrap_or_else(|| panic!("seed {seed}: no leader after healing"));
        let applied = sim.observe(leader).unwrap().last_applied;
        for id in 1..=5 {
            let obs = sim.observe(id).unwrap();
            assert_eq!(obs.last_applied, applied, "seed {seed}: node {id} did not converge");
            assert_eq!(sim.graph(id), sim.graph(leader), "seed {seed}: node {id} state differs");
        }
        let acked = sim.replies.iter().filter(|(_, _, r)| matches!(r, Reply::Written { .. })).count();
        total_acked += acked;
        total_applied += applied;
        total_terms += sim.observe(leader).unwrap().term;
    }
    eprintln!(
        "safety: acked {total_acked} writes, applied {total_applied} entries, {total_terms} terms over 200 seeds"
    );
    assert!(total_acked > 200 * 20, "the faults still let most seeds make progress");
}

/// A follower cut off while the leader writes 100 follows and compacts, then healed: it
/// catches up by installing a snapshot. Returns the sim, the leader and the lagger.
fn snapshot_catch_up(bugs: RaftBugs) -> (Sim, u64, u64) {
    let mut sim = Sim::new(3, 4, |c| {
        c.snapshot_threshold = 20;
        c.bugs = bugs;
    });
    let leader = elect(&mut sim);
    let lagger = (1..=3).find(|id| *id != leader).unwrap();
    sim.isolate(&[lagger], 1);
    for seq in 1..=100 {
        sim.request(leader, 9, follow(9, seq, seq, 1000));
        sim.run_until(sim.now + 2 * MS);
    }
    sim.run_until(sim.now + 300 * MS);
    let lobs = sim.observe(leader).unwrap();
    assert!(lobs.snapshot_index > sim.observe(lagger).unwrap().last_applied, "leader compacted past the lagger");
    let decode_errors = sim.node(lagger).decode_errors();
    sim.heal();
    sim.run_until(sim.now + 1_000 * MS);
    assert!(sim.observe(lagger).unwrap().snapshot_index > 0, "lagger installed a snapshot");
    assert_eq!(sim.node(lagger).decode_errors(), decode_errors);
    (sim, leader, lagger)
}

#[test]
fn partitioned_follower_catches_up_via_snapshot() {
    let (sim, leader, lagger) = snapshot_catch_up(RaftBugs::default());
    assert_eq!(sim.observe(lagger).unwrap().last_applied, sim.observe(leader).unwrap().last_applied);
    assert_eq!(sim.graph(lagger), sim.graph(leader));
    assert_eq!(sim.leader(), Some(leader), "the rejoining node did not disrupt the leader");
}

/// Planted `snapshot_off_by_one`: the lagger skips the entry after the snapshot, so its
/// follow graph misses one follow the leader applied.
#[test]
fn snapshot_off_by_one_leaves_the_follower_diverged() {
    let (sim, leader, lagger) = snapshot_catch_up(RaftBugs { snapshot_off_by_one: true, ..RaftBugs::default() });
    let (lagging, leading) = (sim.graph(lagger), sim.graph(leader));
    let followers = |g: &faultline_systems::relations::FollowGraph| g.query(&Operation::Counts { user: 1000 });
    assert_ne!(lagging, leading, "the replica state differs from the leader's");
    assert_ne!(followers(lagging), followers(leading), "one committed follow never applied");
}

#[test]
fn restarted_node_recovers_term_vote_and_log() {
    let mut sim = Sim::new(3, 5, |c| c.snapshot_threshold = 1_000);
    let leader = elect(&mut sim);
    for seq in 1..=10 {
        sim.request(leader, 3, follow(3, seq, seq, 2));
    }
    sim.run_until(sim.now + 300 * MS);
    for id in 1..=3 {
        let before = sim.observe(id).unwrap();
        sim.crash(id);
        sim.restart(id);
        let after = sim.observe(id).unwrap();
        assert_eq!((after.term, after.voted_for, &after.log), (before.term, before.voted_for, &before.log));
    }
    sim.run_until(sim.now + 1_000 * MS);
    let leader = sim.leader().expect("cluster recovers");
    assert_eq!(sim.observe(leader).unwrap().last_applied, 11 + 1, "10 writes, old no-op and new no-op");
    assert_eq!(
        sim.graph(leader).query(&Operation::Counts { user: 2 }),
        Reply::Counts { followers: 10, following: 1 },
        "2 follows itself (allowed)"
    );
}

#[test]
fn torn_last_record_is_tolerated() {
    let mut sim = Sim::new(1, 6, |_| {});
    let leader = elect(&mut sim);
    for seq in 1..=5 {
        sim.request(leader, 1, follow(1, seq, seq, 9));
    }
    sim.run_until(sim.now + 10 * MS);
    let before = sim.observe(1).unwrap();
    let wal = sim.node(1).storage().read(WAL_FILE).unwrap();
    let mut torn = MemStorage::new();
    torn.replace(WAL_FILE, &wal[..wal.len() - 3]).unwrap();
    torn.sync().unwrap();
    let cfg = sim.configs[0].clone();
    let node = faultline_systems::relations::RelationsNode::new(cfg.clone(), torn, Time::ZERO).unwrap();
    let after = node.observe();
    assert_eq!(after.log.len(), before.log.len() - 1, "only the torn last entry is lost");
    assert_eq!(after.term, before.term);
    // Appending after the cut must stay readable: the tail was truncated on recovery.
    let mut garbage = node.storage().clone();
    garbage.append(WAL_FILE, &[0xde, 0xad, 0xbe, 0xef, 1, 2, 3]).unwrap();
    let node = faultline_systems::relations::RelationsNode::new(cfg.clone(), garbage, Time::ZERO).unwrap();
    assert_eq!(node.observe().log, after.log);
    // Empty disk boots too.
    let node = faultline_systems::relations::RelationsNode::new(cfg, MemStorage::new(), Time::ZERO).unwrap();
    assert_eq!(node.observe().term, 0);
}

#[test]
fn read_index_returns_latest_committed_value() {
    for lease in [false, true] {
        let mut sim = Sim::new(3, 7, |c| c.lease_reads = lease);
        let leader = elect(&mut sim);
        sim.request(leader, 1, follow(1, 1, 5, 6));
        sim.run_until(sim.now + 20 * MS);
        assert!(matches!(sim.reply_for(RequestId { client: 1, seq: 1 }), Some(Reply::Written { changed: true, .. })));
        sim.request(leader, 2, is_following(2, 1, 5, 6));
        sim.run_until(sim.now + 20 * MS);
        assert_eq!(sim.reply_for(RequestId { client: 2, seq: 1 }), Some(&Reply::Bool(true)), "lease={lease}");
        sim.request(leader, 1, unfollow(1, 2, 5, 6));
        sim.run_until(sim.now + 20 * MS);
        sim.request(leader, 2, is_following(2, 2, 5, 6));
        sim.run_until(sim.now + 20 * MS);
        assert_eq!(sim.reply_for(RequestId { client: 2, seq: 2 }), Some(&Reply::Bool(false)), "lease={lease}");
    }
}

#[test]
fn isolated_leader_cannot_serve_reads() {
    let mut sim = Sim::new(3, 8, |_| {});
    let leader = elect(&mut sim);
    sim.isolate(&[leader], 1);
    sim.request(leader, 2, is_following(2, 1, 5, 6));
    sim.run_until(sim.now + 1_000 * MS);
    let reply = sim.reply_for(RequestId { client: 2, seq: 1 });
    assert!(reply.is_none() || matches!(reply, Some(Reply::NotLeader { .. })), "got {reply:?}");
}

#[test]
fn retried_request_applies_once() {
    let mut sim = Sim::new(3, 9, |_| {});
    let leader = elect(&mut sim);
    sim.request(leader, 4, follow(4, 1, 1, 2));
    sim.run_until(sim.now + 20 * MS);
    sim.request(leader, 4, unfollow(4, 2, 1, 2));
    sim.run_until(sim.now + 20 * MS);
    // A late retry of seq 1 must not re-create the edge.
    sim.request(leader, 4, follow(4, 1, 1, 2));
    // A retry of the latest request gets the cached reply.
    sim.request(leader, 4, unfollow(4, 2, 1, 2));
    sim.run_until(sim.now + 50 * MS);
    let replies: Vec<_> = sim
        .replies
        .iter()
        .filter(|(_, r, _)| r.seq == 2)
        .map(|(_, _, rep)| matches!(rep, Reply::Written { changed: true, .. }))
        .collect();
    assert_eq!(replies, vec![true, true]);
    assert_eq!(sim.graph(leader).query(&Operation::IsFollowing { follower: 1, followee: 2 }), Reply::Bool(false));
}

#[test]
fn check_quorum_isolated_leader_steps_down() {
    let mut sim = Sim::new(3, 10, |_| {});
    let leader = elect(&mut sim);
    sim.isolate(&[leader], 1);
    sim.run_until(sim.now + 400 * MS);
    assert_ne!(sim.observe(leader).unwrap().role, Role::Leader);
}

#[test]
fn pre_vote_rejoining_node_does_not_disrupt() {
    let mut sim = Sim::new(3, 11, |_| {});
    let leader = elect(&mut sim);
    let term = sim.observe(leader).unwrap().term;
    let other = (1..=3).find(|id| *id != leader).unwrap();
    sim.isolate(&[other], 1);
    sim.run_until(sim.now + 2_000 * MS);
    assert_eq!(sim.observe(other).unwrap().term, term, "PreVote keeps the isolated node's term");
    sim.heal();
    sim.run_until(sim.now + 1_000 * MS);
    assert_eq!(sim.leader(), Some(leader));
    assert_eq!(sim.observe(leader).unwrap().term, term);
}

fn trace_for(seed: u64, bugs: Option<RaftBugs>) -> u64 {
    let mut sim = Sim::new(5, seed, |c| {
        c.snapshot_threshold = 25;
        if let Some(b) = bugs {
            c.bugs = b;
        }
    });
    sim.faults = NetFaults::lossy();
    for step in 0..100u64 {
        let t = sim.now + 20 * MS;
        sim.run_until(t);
        if step == 30 {
            sim.crash(2);
        }
        if step == 60 {
            sim.restart(2);
        }
        let target = sim.leader().unwrap_or(1);
        sim.request(target, 5, follow(5, step + 1, step % 7, step % 5));
    }
    sim.trace_hash()
}

#[test]
fn deterministic_and_bugs_off_is_default() {
    let a = trace_for(42, None);
    assert_eq!(a, trace_for(42, None), "same seed, same trace");
    assert_eq!(a, trace_for(42, Some(RaftBugs::default())));
    let all_off = RaftBugs {
        vote_before_persist: false,
        commit_previous_term_by_count: false,
        lease_read_without_drift_margin: false,
        truncate_on_stale_append: false,
        read_index_before_own_term_commit: false,
        snapshot_off_by_one: false,
        ack_append_before_sync: false,
        lease_without_check_quorum: false,
        pre_vote_ignored: false,
    };
    assert_eq!(a, trace_for(42, Some(all_off)));
}

#[test]
fn clock_jumping_backwards_does_not_panic() {
    let mut sim = Sim::new(1, 12, |_| {});
    let leader = elect(&mut sim);
    let mut node = sim.nodes[(leader - 1) as usize].take().unwrap();
    node.handle_timeout(Time::ZERO).unwrap();
    node.handle_request(Time::ZERO, 1, follow(1, 1, 1, 2)).unwrap();
    node.handle_timeout(Time::from_micros(u64::MAX)).unwrap();
    node.handle_timeout(Time::ZERO).unwrap();
}

proptest! {
    #[test]
    fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_message(&bytes);
        let mut with_tag = vec![1u8];
        with_tag.extend_from_slice(&bytes);
        let _ = decode_message(&with_tag);
    }

    #[test]
    fn garbage_messages_are_counted_not_fatal(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let cfg = faultline_systems::raft::RaftConfig::new(1, vec![1, 2, 3]);
        let mut node = faultline_systems::relations::RelationsNode::new(cfg, MemStorage::new(), Time::ZERO).unwrap();
        let mut bytes = bytes;
        bytes.insert(0, 7); // unknown version tag
        node.handle_message(Time::from_micros(10), 2, &bytes).unwrap();
        prop_assert_eq!(node.decode_errors(), 1);
    }
}
