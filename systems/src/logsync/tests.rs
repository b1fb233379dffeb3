//! The replica against hand-made leader traffic: order, gaps, duplicates, commit bounds,
//! crash recovery, sessions, and what each planted bug does.
use super::*;
use crate::crdt::VersionVector;
use crate::node::SansIoNode;
use crate::relations::{encode_request, FollowGraph, Operation, Reply, Request, RequestId};
use crate::storage::{MemStorage, Storage};
use crate::time::Time;
use std::time::Duration;

const LEADER: u64 = 1;

fn config(bugs: LogSyncBugs) -> ReplicaConfig {
    ReplicaConfig {
        id: 9,
        voters: vec![1, 2, 3],
        ack_interval: Duration::from_millis(100),
        read_wait: Duration::from_millis(50),
        pending_reads_max: 8,
        bugs,
    }
}

fn follow(index: u64) -> WalEntry {
    let request =
        Request { id: RequestId { client: 1, seq: index }, op: Operation::Follow { follower: index, followee: 100 } };
    WalEntry {
        term: 1,
        index,
        vv: [(RELATIONS_LOG, index)].into_iter().collect::<VersionVector>(),
        payload: Some(encode_request(&request)),
    }
}

fn entries(commit_index: u64, list: Vec<WalEntry>) -> Vec<u8> {
    LogSyncMessage::Entries { term: 1, commit_index, entries: list }.encode()
}

/// The state machine after entries 1..=n, computed independently.
fn prefix(n: u64) -> FollowGraph {
    let mut g = FollowGraph::default();
    for i in 1..=n {
        let _ = crate::raft::StateMachine::apply(&mut g, follow(i).payload.as_ref().unwrap());
    }
    g
}

fn replica(bugs: LogSyncBugs, disk: MemStorage) -> LogSyncReplica<MemStorage> {
    LogSyncReplica::new(config(bugs), disk, Time::ZERO).unwrap()
}

fn acks(r: &mut LogSyncReplica<MemStorage>) -> Vec<u64> {
    let mut out = Vec::new();
    while let Some(o) = r.poll_output() {
        if let Output::Send { bytes, .. } = o {
            if let Ok(LogSyncMessage::Ack { applied }) = LogSyncMessage::decode(&bytes) {
                out.push(applied);
            }
        }
    }
    out
}

#[test]
fn applies_in_order_once_and_asks_after_a_gap() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    r.handle_message(Time::ZERO, LEADER, &entries(3, vec![follow(1), follow(2)])).unwrap();
    assert_eq!(r.applied(), 2);
    // A gap: 4 arrives before 3; nothing applied, and the ack asks from 3.
    r.handle_message(Time::ZERO, LEADER, &entries(4, vec![follow(4)])).unwrap();
    assert_eq!(r.applied(), 2);
    assert_eq!(acks(&mut r).last(), Some(&2));
    // A duplicate and the missing one.
    r.handle_message(Time::ZERO, LEADER, &entries(4, vec![follow(2), follow(3), follow(4)])).unwrap();
    assert_eq!(r.applied(), 4);
    assert_eq!(r.stats().duplicates, 1);
    assert_eq!(r.observe().digest, prefix(4).digest());
}

#[test]
fn never_applies_beyond_the_commit_index_unless_the_bug_is_on() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    r.handle_message(Time::ZERO, LEADER, &entries(1, vec![follow(1), follow(2)])).unwrap();
    assert_eq!(r.applied(), 1);
    let bugs = LogSyncBugs { apply_uncommitted_tail: true, ..LogSyncBugs::default() };
    let mut r = replica(bugs, MemStorage::new());
    r.handle_message(Time::ZERO, LEADER, &entries(1, vec![follow(1), follow(2)])).unwrap();
    assert_eq!(r.applied(), 2);
}

#[test]
fn a_crash_recovers_the_applied_position_from_snapshot_and_wal() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    let all: Vec<WalEntry> = (1..=100).map(follow).collect();
    r.handle_message(Time::ZERO, LEADER, &entries(100, all)).unwrap();
    let mut disk = r.storage().clone();
    disk.crash();
    let mut r = replica(LogSyncBugs::default(), disk.clone());
    assert_eq!(r.applied(), 100);
    assert_eq!(r.observe().digest, prefix(100).digest());
    // The planted bug claims the WAL's oldest position while holding the newer state.
    let bugs = LogSyncBugs { forget_applied_position: true, ..LogSyncBugs::default() };
    let mut b = replica(bugs, disk);
    let seen = b.observe();
    assert_eq!(seen.applied, 0);
    assert_ne!(seen.digest, prefix(0).digest(), "claims index 0 with the state at its snapshot");
}

#[test]
fn a_torn_wal_tail_is_dropped_not_applied() {
    let mut disk = MemStorage::new();
    disk.append("logsync.wal", &super::wal::frame(&follow(1))).unwrap();
    let torn = super::wal::frame(&follow(2));
    disk.append("logsync.wal", &torn[..torn.len() - 3]).unwrap();
    disk.sync().unwrap();
    let r = replica(LogSyncBugs::default(), disk);
    assert_eq!(r.applied(), 1);
}

fn read(token: u64) -> ReplicaRead {
    ReplicaRead {
        id: RequestId { client: 5, seq: token },
        op: Operation::IsFollowing { follower: 1, followee: 100 },
        token,
        staleness_ms_max: None,
    }
}

fn replies(r: &mut LogSyncReplica<MemStorage>) -> Vec<ReplicaReply> {
    let mut out = Vec::new();
    while let Some(o) = r.poll_output() {
        if let Output::Reply { reply, .. } = o {
            out.push(reply);
        }
    }
    out
}

#[test]
fn a_read_waits_for_its_token_then_answers_or_says_behind() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    r.handle_request(Time::ZERO, 5, read(1)).unwrap();
    assert!(replies(&mut r).is_empty(), "must wait for index 1");
    r.handle_message(Time::from_micros(10), LEADER, &entries(1, vec![follow(1)])).unwrap();
    assert_eq!(replies(&mut r), vec![ReplicaReply::Value { reply: Reply::Bool(true), index: 1 }]);
    r.handle_request(Time::from_micros(20), 5, read(2)).unwrap();
    r.handle_timeout(Time::from_micros(20 + 50_000)).unwrap();
    assert_eq!(replies(&mut r), vec![ReplicaReply::Behind { applied: 1 }]);
    // The planted bug answers at once, behind the token.
    let bugs = LogSyncBugs { ignore_session_token: true, ..LogSyncBugs::default() };
    let mut b = replica(bugs, MemStorage::new());
    b.handle_request(Time::ZERO, 5, read(7)).unwrap();
    assert_eq!(replies(&mut b), vec![ReplicaReply::Value { reply: Reply::Bool(false), index: 0 }]);
}

#[test]
fn a_snapshot_replaces_state_and_position() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    let state = crate::raft::StateMachine::snapshot(&prefix(40));
    let msg = LogSyncMessage::Snapshot { term: 2, index: 40, entry_term: 1, state };
    r.handle_message(Time::ZERO, LEADER, &msg.encode()).unwrap();
    assert_eq!(r.applied(), 40);
    assert_eq!(r.observe().digest, prefix(40).digest());
    assert_eq!(acks(&mut r), vec![40]);
}

#[test]
fn garbage_and_strangers_are_rejected() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    r.handle_message(Time::ZERO, LEADER, &[0xff, 0x01]).unwrap();
    r.handle_message(Time::ZERO, 42, &entries(1, vec![follow(1)])).unwrap();
    assert_eq!(r.applied(), 0);
    assert_eq!(r.stats().rejected, 2);
}

#[test]
fn a_conflicting_entry_at_an_applied_index_is_never_applied() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    r.handle_message(Time::ZERO, LEADER, &entries(2, vec![follow(1), follow(2)])).unwrap();
    let before = r.observe();
    let mut other = follow(2);
    other.term = 7;
    other.payload = None;
    r.handle_message(Time::ZERO, LEADER, &entries(2, vec![other])).unwrap();
    assert_eq!(r.observe(), before);
    assert_eq!(r.stats().conflicts, 1);
}

#[test]
fn a_read_asking_for_freshness_waits_until_the_replica_has_heard_the_leader() {
    let mut r = replica(LogSyncBugs::default(), MemStorage::new());
    let fresh = ReplicaRead { staleness_ms_max: Some(30), ..read(0) };
    r.handle_request(Time::ZERO, 5, fresh.clone()).unwrap();
    assert!(replies(&mut r).is_empty(), "never heard from a leader: not fresh");
    r.handle_message(Time::from_micros(1_000), LEADER, &entries(1, vec![follow(1)])).unwrap();
    assert_eq!(replies(&mut r), vec![ReplicaReply::Value { reply: Reply::Bool(true), index: 1 }]);
    // 40 ms of silence later the same read is too stale to answer at once.
    r.handle_request(Time::from_micros(41_000), 5, fresh).unwrap();
    r.handle_timeout(Time::from_micros(41_000 + 50_000)).unwrap();
    assert_eq!(replies(&mut r), vec![ReplicaReply::Behind { applied: 1 }]);
}

#[test]
fn with_the_bug_a_read_asking_for_freshness_is_answered_however_long_the_silence() {
    let bugs = LogSyncBugs { ignore_staleness_bound: true, ..LogSyncBugs::default() };
    let mut r = replica(bugs, MemStorage::new());
    r.handle_message(Time::from_micros(1_000), LEADER, &entries(1, vec![follow(1)])).unwrap();
    let fresh = ReplicaRead { staleness_ms_max: Some(30), ..read(0) };
    r.handle_request(Time::from_micros(10_000_000), 5, fresh).unwrap();
    assert_eq!(replies(&mut r), vec![ReplicaReply::Value { reply: Reply::Bool(true), index: 1 }]);
}
