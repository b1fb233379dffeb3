//! Known-good and known-bad LogSync records: each checker must accept the first and reject
//! the second, naming what broke.
use super::*;
use crate::history::FaultWindow;
use faultline_systems::raft::{AppliedEntry, EntryId};
use faultline_systems::relations::{encode_request, Operation, Reply, Request, RequestId};

/// A committed log of `n` follows of user 100 by users 1..=n, at 10 ms, 20 ms, …
fn committed(n: u64) -> LogSyncObserver {
    let mut o = LogSyncObserver::new(true);
    for i in 1..=n {
        let request =
            Request { id: RequestId { client: 1, seq: i }, op: Operation::Follow { follower: i, followee: 100 } };
        let entry = AppliedEntry {
            id: EntryId { index: i, term: 1, digest: i },
            request: Some(request.id),
            command: Some(encode_request(&request)),
        };
        o.committed(i * 10_000, &entry);
        // A second voter applying the same index later changes nothing.
        o.committed(i * 10_000 + 5, &entry);
    }
    o
}

fn sample(o: &LogSyncObserver, time_us: u64, applied: u64) -> ReplicaSample {
    let digest = o.state_at(applied).unwrap().digest();
    ReplicaSample { time_us, node: 5, applied, applied_term: 1, digest }
}

#[test]
fn prefix_accepts_committed_states_and_rejects_early_wrong_or_phantom_ones() {
    let o = committed(5);
    assert_eq!(o.committed.len(), 5);
    let good = vec![sample(&o, 0, 0), sample(&o, 25_000, 2), sample(&o, 60_000, 5)];
    assert!(check_prefix(&good, &o.committed).ok);

    let early = vec![sample(&o, 15_000, 2)];
    let r = check_prefix(&early, &o.committed);
    assert!(!r.ok && r.detail.contains("before it committed"), "{}", r.detail);

    let mut wrong = sample(&o, 60_000, 5);
    wrong.digest = o.state_at(4).unwrap().digest();
    let r = check_prefix(&[wrong], &o.committed);
    assert!(!r.ok && r.detail.contains("not the committed state"), "{}", r.detail);

    let mut phantom = sample(&o, 60_000, 5);
    phantom.applied = 6;
    let r = check_prefix(&[phantom], &o.committed);
    assert!(!r.ok && r.detail.contains("never committed"), "{}", r.detail);

    let mut other_term = sample(&o, 60_000, 5);
    other_term.applied_term = 2;
    assert!(!check_prefix(&[other_term], &o.committed).ok);

    let mut forgot = sample(&o, 60_000, 0);
    forgot.digest = o.state_at(5).unwrap().digest();
    let r = check_prefix(&[forgot], &o.committed);
    assert!(!r.ok && r.detail.contains("claims index 0"), "{}", r.detail);
}

fn read(client: usize, t: (u64, u64), index: u64, reply: Reply) -> ReplicaReadRecord {
    ReplicaReadRecord {
        client,
        node: 5,
        op: Operation::IsFollowing { follower: 3, followee: 100 },
        invoke_us: t.0,
        complete_us: t.1,
        token: 0,
        reply,
        index,
        staleness_ms_max: None,
    }
}

#[test]
fn read_values_must_match_the_committed_state_at_their_index() {
    let o = committed(5);
    let good = vec![read(0, (0, 1), 2, Reply::Bool(false)), read(0, (2, 3), 3, Reply::Bool(true))];
    assert!(check_read_values(&good, &o.committed).ok);
    let r = check_read_values(&[read(0, (0, 1), 2, Reply::Bool(true))], &o.committed);
    assert!(!r.ok && r.detail.contains("committed state at index 2 gives Bool(false)"), "{}", r.detail);
    let r = check_read_values(&[read(0, (0, 1), 9, Reply::Bool(true))], &o.committed);
    assert!(!r.ok && r.detail.contains("never committed"), "{}", r.detail);
}

#[test]
fn sessions_reject_reads_behind_what_the_client_wrote_or_read() {
    let writes = vec![SessionWrite { client: 0, complete_us: 100, index: 4 }];
    let good = vec![read(0, (150, 160), 4, Reply::Bool(true)), read(0, (170, 180), 5, Reply::Bool(true))];
    assert!(check_sessions(&good, &writes).ok);
    // Another client may read older state: sessions are per client.
    let other = vec![read(1, (150, 160), 1, Reply::Bool(false))];
    assert!(check_sessions(&other, &writes).ok);

    let ryw = vec![read(0, (150, 160), 3, Reply::Bool(true))];
    let r = check_sessions(&ryw, &writes);
    assert!(!r.ok && r.detail.contains("read-your-writes"), "{}", r.detail);

    let back = vec![read(0, (150, 160), 6, Reply::Bool(true)), read(0, (170, 180), 5, Reply::Bool(true))];
    let r = check_sessions(&back, &writes);
    assert!(!r.ok && r.detail.contains("monotonic reads"), "{}", r.detail);
}

fn fault(start_us: u64, end_us: u64) -> FaultWindow {
    FaultWindow {
        kind: "partition-isolate".into(),
        description: "isolate n6".into(),
        nodes: vec!["n6".into()],
        start_us,
        end_us: Some(end_us),
    }
}

#[test]
fn staleness_is_measured_and_the_bound_holds_only_for_reads_no_fault_came_near() {
    let o = committed(5);
    // Read at index 2, answered at 60 ms: entries 3..5 committed at 30, 40, 50 ms.
    let reads = vec![read(0, (55_000, 60_000), 2, Reply::Bool(false)), read(0, (61_000, 62_000), 5, Reply::Bool(true))];
    let stale = read_staleness(&reads, &o.committed, &[]);
    assert_eq!(stale[0].entries, 3);
    assert!((stale[0].ms - 30.0).abs() < 1e-9, "{}", stale[0].ms);
    assert_eq!(stale[1].entries, 0);
    assert_eq!(stale[1].ms, 0.0);
    let (r, summary) = check_staleness(&stale, 10);
    assert!(!r.ok && r.detail.contains("30.0 ms (3 entries) behind"), "{}", r.detail);
    assert_eq!(summary.entries_max, 3);
    assert_eq!(summary.reads, 2);
    let (r, _) = check_staleness(&stale, 50);
    assert!(r.ok, "{}", r.detail);
    // The same stale read next to a fault is measured but not held to the bound.
    let near_fault = read_staleness(&reads, &o.committed, &[fault(0, 58_000)]);
    assert!(!near_fault[0].clean);
    let (r, summary) = check_staleness(&near_fault, 10);
    assert!(r.ok, "{}", r.detail);
    assert_eq!(summary.clean_reads, 0);
}

#[test]
fn freshness_holds_reads_that_asked_for_a_bound_to_it_plus_the_allowance() {
    let o = committed(5);
    let allowance = Allowance { drift_ppm_max: 0, one_way_ms_max: 2, deposed_leader_ms_max: 0 };
    // Answered at 60 ms at index 2: entries 3..5 committed from 30 ms on, so 30 ms behind.
    let bounded =
        |ms| ReplicaReadRecord { staleness_ms_max: Some(ms), ..read(0, (55_000, 60_000), 2, Reply::Bool(false)) };
    let reads = vec![bounded(10)];
    let stale = read_staleness(&reads, &o.committed, &[]);
    let r = check_freshness(&reads, &stale, &[], allowance);
    assert!(!r.ok && r.detail.contains("asked for at most 10 ms (allowed 14.0 ms)"), "{}", r.detail);
    // 26 ms asked plus 2 × 2 ms of delay covers 30 ms.
    let reads = vec![bounded(26)];
    let r = check_freshness(&reads, &stale, &[], allowance);
    assert!(r.ok && r.detail.contains("1 answered reads"), "{}", r.detail);
    // A read that asked for nothing is not judged, and the check says it had nothing.
    let reads = vec![read(0, (55_000, 60_000), 2, Reply::Bool(false))];
    let r = check_freshness(&reads, &stale, &[], allowance);
    assert!(r.ok && r.detail.contains("nothing to judge"), "{}", r.detail);
    // The replica's clock jumped near the read: counted, not judged.
    let reads = vec![bounded(10)];
    let jump = FaultWindow { kind: "clock-bump".into(), nodes: vec!["n6".into()], ..fault(0, 58_000) };
    let r = check_freshness(&reads, &stale, &[jump], allowance);
    assert!(r.ok && r.detail.contains("1 more at a replica whose clock jumped"), "{}", r.detail);
    // Drift stretches the bound: 10 ms at +100% is 20 ms, plus 4 ms of delay < 30 ms.
    let drifting = Allowance { drift_ppm_max: 1_000_000, ..allowance };
    let r = check_freshness(&reads, &stale, &[], drifting);
    assert!(!r.ok && r.detail.contains("allowed 24.0 ms"), "{}", r.detail);
}
