//! Known-good and known-bad CRDT histories: each checker must accept the first and reject
//! the second, naming what broke.
use super::*;
use faultline_systems::crdt::replica::{CrdtReply, Graphs, SetKind, SetOp};
use faultline_systems::crdt::{Dot, HlcClock, Timestamp};
use faultline_systems::relations::RequestId;
use faultline_systems::time::Time;
use std::collections::BTreeMap;

const E: (u64, u64) = (1, 2);

fn op(node: usize, kind: SetKind, op: SetOp, t: (u64, u64), outcome: CrdtOutcome) -> CrdtOpRecord {
    let id = RequestId { client: node as u64, seq: t.0 };
    CrdtOpRecord { process: node as u64, id, node, kind, op, invoke_us: t.0, complete_us: t.1, outcome }
}

fn added(dot: Option<Dot>, replaced: Vec<Dot>, stamp: Option<Timestamp>) -> CrdtOutcome {
    CrdtOutcome::Ok(CrdtReply::Added { dot, replaced, stamp })
}

fn removed(dots: Vec<Dot>, stamp: Option<Timestamp>) -> CrdtOutcome {
    CrdtOutcome::Ok(CrdtReply::Removed { dots, stamp })
}

fn result(kind: SetKind, ops: &[CrdtOpRecord], finals: &BTreeMap<usize, Graphs>) -> crate::check::CheckResult {
    check_semantics(ops, finals).into_iter().find(|c| c.name == format!("crdt-{}", kind.name())).unwrap()
}

fn finals(g: Graphs) -> BTreeMap<usize, Graphs> {
    BTreeMap::from([(0, g)])
}

fn stamp(wall_us: u64, replica: u64) -> Timestamp {
    Timestamp { wall_us, logical: 0, replica }
}

#[test]
fn orset_add_wins_history_is_accepted_and_lost_or_resurrected_dots_are_not() {
    // Replica 1 adds (dot 1.1); replica 2 concurrently adds (2.1); replica 1 removes what it
    // observed (1.1). Add wins: 2.1 must survive, 1.1 must be gone.
    let d11 = Dot { replica: 1, counter: 1 };
    let d21 = Dot { replica: 2, counter: 1 };
    let ops = vec![
        op(0, SetKind::OrSet, SetOp::Add(E), (0, 10), added(Some(d11), vec![], None)),
        op(1, SetKind::OrSet, SetOp::Add(E), (5, 15), added(Some(d21), vec![], None)),
        op(0, SetKind::OrSet, SetOp::Remove(E), (20, 30), removed(vec![d11], None)),
    ];
    let mut a = Graphs::new(1);
    let mut b = Graphs::new(2);
    a.orset.add(E);
    b.orset.add(E);
    a.orset.remove(&E);
    use faultline_systems::crdt::SetCrdt;
    a.orset.merge(&b.orset);
    assert!(result(SetKind::OrSet, &ops, &finals(a.clone())).ok);

    // Remove-wins (both dots gone) loses an add no remove observed.
    let mut lost = a.clone();
    lost.orset.remove(&E);
    let r = result(SetKind::OrSet, &ops, &finals(lost));
    assert!(!r.ok && r.detail.contains("is gone, though no remove observed it"), "{}", r.detail);

    // The observed dot coming back is a resurrection.
    let mut back = Graphs::new(1);
    back.orset.add(E);
    back.orset.merge(&b.orset);
    let r = result(SetKind::OrSet, &ops, &finals(back));
    assert!(!r.ok && r.detail.contains("came back after a remove observed it"), "{}", r.detail);
}

#[test]
fn orset_dot_issued_twice_is_rejected() {
    let d = Dot { replica: 1, counter: 1 };
    let ops = vec![
        op(0, SetKind::OrSet, SetOp::Add((1, 2)), (0, 10), added(Some(d), vec![], None)),
        op(0, SetKind::OrSet, SetOp::Add((3, 4)), (20, 30), added(Some(d), vec![], None)),
    ];
    let r = result(SetKind::OrSet, &ops, &BTreeMap::new());
    assert!(!r.ok && r.detail.contains("dot (1, 1) issued twice"), "{}", r.detail);
}

#[test]
fn an_add_in_doubt_excuses_its_dot_but_nothing_else() {
    let mut g = Graphs::new(1);
    g.orset.add(E);
    let in_doubt = vec![op(0, SetKind::OrSet, SetOp::Add(E), (0, 500), CrdtOutcome::Info)];
    assert!(result(SetKind::OrSet, &in_doubt, &finals(g.clone())).ok);
    // Without any add of the edge, its presence is a phantom.
    let r = result(SetKind::OrSet, &[], &finals(g));
    assert!(!r.ok && r.detail.contains("that no client added"), "{}", r.detail);
}

#[test]
fn lww_stamps_must_grow_with_real_time_at_a_replica() {
    // Second write starts after the first finished, yet carries a smaller stamp: what a
    // raw wall clock gives after it jumps back.
    let ops = vec![
        op(0, SetKind::Lww, SetOp::Add(E), (0, 10), added(None, vec![], Some(stamp(5_000, 1)))),
        op(0, SetKind::Lww, SetOp::Remove(E), (20, 30), removed(vec![], Some(stamp(4_000, 1)))),
    ];
    let mut g = Graphs::new(1);
    g.lww.add(E, stamp(5_000, 1));
    g.lww.remove(E, stamp(4_000, 1));
    let r = result(SetKind::Lww, &ops, &finals(g));
    assert!(!r.ok && r.detail.contains("no later than the stamp"), "{}", r.detail);

    // With an HLC the later write wins and the history is accepted.
    let mut clock = HlcClock::new(1);
    let (s1, s2) = (clock.now(Time::from_micros(5_000)), clock.now(Time::from_micros(4_000)));
    let ops = vec![
        op(0, SetKind::Lww, SetOp::Add(E), (0, 10), added(None, vec![], Some(s1))),
        op(0, SetKind::Lww, SetOp::Remove(E), (20, 30), removed(vec![], Some(s2))),
    ];
    let mut g = Graphs::new(1);
    g.lww.add(E, s1);
    g.lww.remove(E, s2);
    assert!(result(SetKind::Lww, &ops, &finals(g)).ok);
}

#[test]
fn lww_final_state_must_follow_the_greatest_stamp() {
    let ops = vec![
        op(0, SetKind::Lww, SetOp::Add(E), (0, 10), added(None, vec![], Some(stamp(100, 1)))),
        op(1, SetKind::Lww, SetOp::Remove(E), (0, 10), removed(vec![], Some(stamp(200, 2)))),
    ];
    // A resurrected follow: present though the remove has the greatest stamp.
    let mut g = Graphs::new(1);
    g.lww.add(E, stamp(100, 1));
    let r = result(SetKind::Lww, &ops, &finals(g));
    assert!(!r.ok && r.detail.contains("the greatest stamp is a remove"), "{}", r.detail);
    let mut g = Graphs::new(1);
    g.lww.add(E, stamp(100, 1));
    g.lww.remove(E, stamp(200, 2));
    assert!(result(SetKind::Lww, &ops, &finals(g)).ok);
}

#[test]
fn two_phase_removed_edge_never_returns() {
    let ops = vec![
        op(0, SetKind::TwoPhase, SetOp::Add(E), (0, 10), added(None, vec![], None)),
        op(0, SetKind::TwoPhase, SetOp::Remove(E), (20, 30), removed(vec![], None)),
        op(0, SetKind::TwoPhase, SetOp::Contains(E), (40, 50), CrdtOutcome::Ok(CrdtReply::Contains(true))),
    ];
    let mut g = Graphs::new(1);
    g.two_phase.add(E);
    let r = result(SetKind::TwoPhase, &ops, &finals(g));
    assert!(!r.ok && r.detail.contains("after its acknowledged remove"), "{}", r.detail);
    assert!(r.detail.contains("came back at n1"), "{}", r.detail);
    let mut g = Graphs::new(1);
    g.two_phase.add(E);
    g.two_phase.remove(E);
    let good = &ops[..2];
    assert!(result(SetKind::TwoPhase, good, &finals(g)).ok);
}

#[test]
fn gset_loses_nothing_acknowledged() {
    let ops = vec![op(0, SetKind::GSet, SetOp::Add(E), (0, 10), added(None, vec![], None))];
    let r = result(SetKind::GSet, &ops, &finals(Graphs::new(1)));
    assert!(!r.ok && r.detail.contains("acknowledged add of 1->2 is missing"), "{}", r.detail);
    let mut g = Graphs::new(1);
    g.gset.add(E);
    assert!(result(SetKind::GSet, &ops, &finals(g)).ok);
}

fn sample(time_us: u64, node: usize, digest: u8) -> DigestSample {
    DigestSample { time_us, node, digest: [digest; 32] }
}

#[test]
fn convergence_time_is_measured_from_the_heal_to_equal_digests_for_good() {
    let samples = vec![
        sample(0, 0, 1),
        sample(0, 1, 1),
        sample(0, 2, 1),
        sample(5_000_000, 0, 2),
        // Heal at 10 s; n2 catches up at 10.5 s, n3 at 11.25 s.
        sample(10_500_000, 1, 2),
        sample(11_250_000, 2, 2),
    ];
    let (r, c) = check_convergence(&samples, &[0, 1, 2], 10_000_000);
    assert!(r.ok, "{}", r.detail);
    assert_eq!(c.seconds_after_heal, Some(1.25));
    assert_eq!(divergence_series(&samples, &[0, 1, 2]).last(), Some(&(11_250_000, 0)));
    assert_eq!(divergence_series(&samples, &[0, 1, 2])[..2], [(0, 0), (5_000_000, 2)]);
}

#[test]
fn replicas_that_still_differ_at_the_end_fail_convergence() {
    let samples = vec![sample(0, 0, 1), sample(0, 1, 1), sample(0, 2, 1), sample(12_000_000, 2, 9)];
    let (r, c) = check_convergence(&samples, &[0, 1, 2], 10_000_000);
    assert!(!r.ok);
    assert!(r.detail.contains("n3 differ"), "{}", r.detail);
    assert_eq!(c.outliers, vec![2]);
    assert_eq!(c.seconds_after_heal, None);
    // A replica that never reported counts as differing.
    let (r, _) = check_convergence(&samples[..2], &[0, 1, 2], 10_000_000);
    assert!(!r.ok);
}

/// A read of `E` at node 0 answered `answer`, and the replica's state at each serving.
fn read_record(answer: bool, states: &[bool]) -> CrdtObserver {
    let read = op(0, SetKind::OrSet, SetOp::Contains(E), (10, 20), CrdtOutcome::Ok(CrdtReply::Contains(answer)));
    let served = states.iter().map(|&present| ReadServed { id: read.id, kind: SetKind::OrSet, edge: E, present });
    let mut record = CrdtObserver::default();
    record.served(0, served.collect());
    record.ops.push(read);
    record
}

#[test]
fn reads_that_agree_with_the_replica_state_pass_and_counts_are_reported() {
    let r = check_reads(&read_record(true, &[true]));
    assert!(r.ok && r.detail.contains("1 answered reads") && r.detail.contains("orset 1"), "{}", r.detail);
    // A retried read served twice, the state changing between: either answer agrees.
    assert!(check_reads(&read_record(false, &[true, false])).ok);
}

#[test]
fn a_read_answering_absent_while_the_state_held_the_edge_fails() {
    let r = check_reads(&read_record(false, &[true]));
    assert!(!r.ok && r.detail.contains("answered false"), "{}", r.detail);
}

#[test]
fn a_read_no_replica_served_fails_and_no_reads_says_nothing_was_judged() {
    assert!(!check_reads(&read_record(true, &[])).ok);
    let r = check_reads(&CrdtObserver::default());
    assert!(r.ok && r.detail.contains("nothing to judge"), "{}", r.detail);
}
