//! Hand-built observation and apply sequences: each property must reject a known-bad one and
//! accept the legitimate behaviours that look like violations at first sight.
use super::*;

/// An entry with the canonical digest for its (index, term).
fn e(index: u64, term: u64) -> EntryId {
    EntryId { index, term, digest: index * 1_000 + term }
}

/// An entry whose payload differs from `e(index, term)`.
fn e_other(index: u64, term: u64) -> EntryId {
    EntryId { index, term, digest: 0xbad0_0000 + index * 1_000 + term }
}

/// Entries 1.. with the given terms.
fn log(terms: &[u64]) -> Vec<EntryId> {
    terms.iter().enumerate().map(|(i, &t)| e(i as u64 + 1, t)).collect()
}

fn obs(id: NodeId, term: u64, role: Role, commit_index: u64, log: Vec<EntryId>) -> Observation {
    Observation {
        id,
        term,
        role,
        voted_for: None,
        commit_index,
        last_applied: 0,
        snapshot_index: 0,
        snapshot_term: 0,
        log,
    }
}

fn leader(id: NodeId, term: u64, commit: u64, log: Vec<EntryId>) -> Observation {
    obs(id, term, Role::Leader, commit, log)
}

fn follower(id: NodeId, term: u64, commit: u64, log: Vec<EntryId>) -> Observation {
    obs(id, term, Role::Follower, commit, log)
}

/// `o` with its log compacted into a snapshot through `index`.
fn compacted(mut o: Observation, index: u64) -> Observation {
    let cut = o.log.iter().position(|x| x.index == index).expect("index in log");
    o.snapshot_index = index;
    o.snapshot_term = o.log[cut].term;
    o.log.drain(..=cut);
    o
}

fn apply(id: EntryId) -> AppliedEntry {
    AppliedEntry { id, request: None, command: None }
}

fn check(r: &RaftObserver, name: &str) -> CheckResult {
    r.result().into_iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no result named {name}"))
}

fn assert_fails(r: &RaftObserver, name: &str) -> String {
    let c = check(r, name);
    assert!(!c.ok, "{name} should fail: {}", c.detail);
    // Every other property stays independent of this one only where the test says so.
    c.detail
}

fn assert_all_pass(r: &RaftObserver) {
    let results = r.result();
    assert_eq!(results.len(), 5);
    for c in results {
        assert!(c.ok, "{} should pass: {}", c.name, c.detail);
    }
}

#[test]
fn result_names_are_the_five_properties_in_order() {
    let names: Vec<String> = RaftObserver::default().result().into_iter().map(|c| c.name).collect();
    assert_eq!(names, [ELECTION_SAFETY, LEADER_APPEND_ONLY, LOG_MATCHING, LEADER_COMPLETENESS, STATE_MACHINE_SAFETY]);
    assert_all_pass(&RaftObserver::default());
}

#[test]
fn election_safety_rejects_two_leaders_in_one_term() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 3, 0, vec![]));
    r.observe(2_500_000, &leader(2, 3, 0, vec![]));
    // Seen again: still one violation, not one per step.
    r.observe(2_600_000, &leader(2, 3, 0, vec![]));
    let d = assert_fails(&r, ELECTION_SAFETY);
    assert!(d.starts_with("1 violation(s)"), "{d}");
    assert!(d.contains("term 3") && d.contains("n1") && d.contains("n2") && d.contains("at 2.500s"), "{d}");
}

#[test]
fn election_safety_accepts_one_leader_per_term_over_many_terms() {
    let mut r = RaftObserver::default();
    for term in 1..=6u64 {
        let id = term % 3 + 1;
        let t = term * 1_000_000;
        r.observe(t, &follower(id % 3 + 1, term, 0, vec![]));
        r.observe(t + 1, &leader(id, term, 0, vec![]));
        r.observe(t + 2, &leader(id, term, 0, vec![]));
    }
    assert_all_pass(&r);
    assert!(check(&r, ELECTION_SAFETY).detail.contains("over 6 terms"));
    assert_eq!(r.leaders_elected().len(), 6);
    assert_eq!(r.leaders_elected()[0], (1_000_001, 2, 1));
}

#[test]
fn leader_append_only_rejects_a_leader_truncating_its_own_log() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 2, 1, log(&[1, 2, 2])));
    r.observe(1_100_000, &leader(1, 2, 1, log(&[1, 2])));
    let d = assert_fails(&r, LEADER_APPEND_ONLY);
    assert!(d.contains("n1") && d.contains("term 2") && d.contains("removed 3/t2") && d.contains("at 1.100s"), "{d}");
}

#[test]
fn leader_append_only_rejects_a_leader_overwriting_an_entry() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 2, 0, log(&[1, 2])));
    let mut l = log(&[1, 2]);
    l[1] = e_other(2, 2);
    r.observe(1_200_000, &leader(1, 2, 0, l));
    let d = assert_fails(&r, LEADER_APPEND_ONLY);
    assert!(d.contains("overwrote 2/t2"), "{d}");
}

#[test]
fn leader_append_only_accepts_appends_and_snapshot_compaction() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 3, log(&[1, 1, 1])));
    r.observe(1_100_000, &leader(1, 1, 5, log(&[1, 1, 1, 1, 1])));
    // Compaction: entries through 4 move into the snapshot, and the leader appends 6.
    r.observe(1_200_000, &compacted(leader(1, 1, 5, log(&[1, 1, 1, 1, 1, 1])), 4));
    r.observe(1_300_000, &compacted(leader(1, 1, 6, log(&[1, 1, 1, 1, 1, 1, 1])), 6));
    assert_all_pass(&r);
}

#[test]
fn leader_append_only_does_not_compare_across_terms_or_restarts() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 1, log(&[1, 1])));
    // Lost its unsynced tail in a crash: fine, it is a new incarnation (and not a leader).
    r.restarted(1, 2_000_000);
    r.observe(2_000_000, &follower(1, 1, 0, log(&[1])));
    assert_all_pass(&r);
}

#[test]
fn log_matching_rejects_same_index_and_term_with_different_digests() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &follower(1, 2, 0, log(&[1, 2])));
    let mut l = log(&[1, 2]);
    l[1] = e_other(2, 2);
    r.observe(3_000_000, &follower(2, 2, 0, l));
    let d = assert_fails(&r, LOG_MATCHING);
    assert!(d.contains("index 2 term 2") && d.contains("n2") && d.contains("n1") && d.contains("at 3.000s"), "{d}");
}

#[test]
fn log_matching_rejects_a_shared_entry_over_different_prefixes() {
    let mut r = RaftObserver::default();
    // Same 3/t3 (same digest) but index 2 differs in term: the paper's second half.
    r.observe(1_000_000, &follower(1, 3, 0, log(&[1, 2, 3])));
    r.observe(1_000_100, &follower(2, 3, 0, log(&[1, 1, 3])));
    let d = assert_fails(&r, LOG_MATCHING);
    assert!(d.contains("index 3 term 3") && d.contains("index 2"), "{d}");
}

#[test]
fn log_matching_accepts_divergent_uncommitted_tails() {
    let mut r = RaftObserver::default();
    // Different terms at index 2 and 3, then nothing shared after: no claim of equality.
    r.observe(1_000_000, &follower(1, 3, 1, log(&[1, 2, 2])));
    r.observe(1_000_100, &follower(2, 3, 1, log(&[1, 3, 3])));
    assert!(check(&r, LOG_MATCHING).ok);
}

#[test]
fn a_new_leader_may_truncate_a_followers_uncommitted_entry() {
    let mut r = RaftObserver::default();
    // n1 leads term 1 and commits index 1; its index 2 reaches no one else.
    r.observe(1_000_000, &leader(1, 1, 1, log(&[1])));
    r.observe(1_000_100, &follower(2, 1, 1, log(&[1])));
    r.observe(1_000_200, &follower(3, 1, 1, log(&[1])));
    r.applied(1_000_300, 1, &apply(e(1, 1)));
    r.observe(1_000_300, &leader(1, 1, 1, log(&[1, 1])));
    // n1 crashes; n2 wins term 2 and writes its own index 2.
    r.observe(2_000_000, &leader(2, 2, 1, log(&[1])));
    r.observe(2_000_100, &leader(2, 2, 2, log(&[1, 2])));
    r.observe(2_000_200, &follower(3, 2, 2, log(&[1, 2])));
    r.applied(2_000_300, 2, &apply(e(1, 1)));
    r.applied(2_000_400, 2, &apply(e(2, 2)));
    // n1 reboots as a follower; the leader replaces its uncommitted 2/t1.
    r.restarted(1, 3_000_000);
    r.observe(3_000_000, &follower(1, 1, 0, log(&[1, 1])));
    r.observe(3_000_100, &follower(1, 2, 2, log(&[1, 2])));
    r.applied(3_000_200, 1, &apply(e(1, 1)));
    r.applied(3_000_300, 1, &apply(e(2, 2)));
    assert_all_pass(&r);
    assert_eq!(r.leader(), Some(2));
}

#[test]
fn leader_completeness_rejects_a_later_leader_missing_a_committed_entry() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 2, log(&[1, 1])));
    r.observe(2_000_000, &leader(2, 2, 1, log(&[1])));
    let d = assert_fails(&r, LEADER_COMPLETENESS);
    assert!(
        d.contains("n2, leader of term 2") && d.contains("lacks 2/t1") && d.contains("n1") && d.contains("at 2.000s"),
        "{d}"
    );
}

#[test]
fn leader_completeness_rejects_a_later_leader_with_a_different_entry() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 2, log(&[1, 1])));
    r.observe(2_000_000, &leader(2, 3, 1, log(&[1, 2])));
    let d = assert_fails(&r, LEADER_COMPLETENESS);
    assert!(d.contains("holds 2/t2"), "{d}");
}

#[test]
fn leader_completeness_checks_commits_learned_after_the_leader_was_seen() {
    let mut r = RaftObserver::default();
    // n2 already leads term 2 when we learn (from the old leader) that 2/t1 was committed.
    r.observe(1_000_000, &leader(2, 2, 0, log(&[1])));
    r.observe(1_500_000, &leader(1, 1, 2, log(&[1, 1])));
    assert_fails(&r, LEADER_COMPLETENESS);
}

#[test]
fn leader_completeness_counts_applied_entries_as_committed() {
    let mut r = RaftObserver::default();
    r.applied(1_000_000, 3, &apply(e(1, 1)));
    r.applied(1_000_001, 3, &apply(e(2, 1)));
    // The observation after the step that applied them says n3 was in term 1: committed by then.
    r.observe(1_000_001, &follower(3, 1, 0, vec![]));
    r.observe(2_000_000, &leader(2, 2, 0, log(&[1])));
    let d = assert_fails(&r, LEADER_COMPLETENESS);
    assert!(
        d.contains("n2, leader of term 2") && d.contains("lacks 2/t1") && d.contains("that n3 reported committed"),
        "{d}"
    );
}

#[test]
fn leader_completeness_rejects_an_applied_entry_that_differs_from_a_committed_one() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 1, log(&[1])));
    r.applied(2_000_000, 2, &apply(e_other(1, 1)));
    assert_fails(&r, LEADER_COMPLETENESS);
    assert!(check(&r, STATE_MACHINE_SAFETY).ok, "one apply per index: no disagreement yet");
}

#[test]
fn leader_completeness_rejects_a_node_rebooting_with_a_different_committed_entry() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 2, log(&[1, 1])));
    r.restarted(1, 2_000_000);
    // Its disk gave back another entry at index 2, which it later counts as committed again.
    r.observe(2_000_000, &follower(1, 2, 0, log(&[1, 2])));
    r.observe(2_100_000, &follower(1, 2, 2, log(&[1, 2])));
    let d = assert_fails(&r, LEADER_COMPLETENESS);
    assert!(
        d.contains("index 2: n1 had 2/t1") && d.contains("but n1 has 2/t2") && d.contains("committed at 2.100s"),
        "{d}"
    );
}

/// Figure 8 of the paper: an old-term entry committed by a later leader need not be in the log of
/// a leader of a term in between, so "entry term < leader term" alone must not be the rule.
#[test]
fn leader_completeness_accepts_figure_8_an_old_entry_committed_by_a_later_leader() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 1, log(&[1])));
    r.observe(1_000_100, &follower(3, 1, 1, log(&[1, 1])));
    // n2 leads term 2 without 2/t1 and writes its own index 2, but commits nothing new.
    r.observe(2_000_000, &leader(2, 2, 1, log(&[1, 2])));
    // n3 leads term 3 and commits 2/t1 together with its own 3/t3.
    r.observe(3_000_000, &leader(3, 3, 1, log(&[1, 1])));
    r.observe(3_000_100, &leader(3, 3, 3, log(&[1, 1, 3])));
    r.observe(3_000_200, &follower(1, 3, 3, log(&[1, 1, 3])));
    r.applied(3_000_300, 1, &apply(e(2, 1)));
    r.observe(3_000_300, &follower(1, 3, 3, log(&[1, 1, 3])));
    // n2 has not heard of term 3 yet and is still observed leading term 2.
    r.observe(3_100_000, &leader(2, 2, 1, log(&[1, 2])));
    assert_all_pass(&r);
    assert_eq!(r.leader(), Some(3));
}

#[test]
fn leader_completeness_accepts_entries_covered_by_the_leaders_snapshot() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 3, log(&[1, 1, 1])));
    r.observe(2_000_000, &compacted(leader(2, 2, 3, log(&[1, 1, 1, 2])), 3));
    assert_all_pass(&r);
    assert!(check(&r, LEADER_COMPLETENESS).detail.contains("3 committed entries checked against 1 later leaders"));
}

#[test]
fn leader_completeness_rejects_a_snapshot_of_the_wrong_term() {
    let mut r = RaftObserver::default();
    r.observe(1_000_000, &leader(1, 1, 2, log(&[1, 1])));
    let mut l = compacted(leader(2, 3, 2, log(&[1, 2, 3])), 2);
    assert_eq!(l.snapshot_term, 2);
    l.term = 3;
    r.observe(2_000_000, &l);
    let d = assert_fails(&r, LEADER_COMPLETENESS);
    assert!(d.contains("snapshot ends at index 2 with term 2"), "{d}");
}

#[test]
fn state_machine_safety_rejects_two_nodes_applying_different_entries_at_one_index() {
    let mut r = RaftObserver::default();
    r.applied(1_000_000, 1, &apply(e(1, 1)));
    r.applied(1_200_000, 2, &apply(e_other(1, 1)));
    let d = assert_fails(&r, STATE_MACHINE_SAFETY);
    assert!(d.contains("index 1") && d.contains("n2") && d.contains("n1") && d.contains("at 1.200s"), "{d}");
}

#[test]
fn state_machine_safety_rejects_a_different_reapply_after_restart() {
    let mut r = RaftObserver::default();
    r.applied(1_000_000, 1, &apply(e(1, 1)));
    r.applied(1_000_100, 1, &apply(e(2, 1)));
    r.restarted(1, 2_000_000);
    r.applied(2_000_100, 1, &apply(e(1, 1)));
    r.applied(2_000_200, 1, &apply(e(2, 2)));
    let d = assert_fails(&r, STATE_MACHINE_SAFETY);
    assert!(d.contains("index 2") && d.contains("same node"), "{d}");
}

#[test]
fn state_machine_safety_rejects_going_backwards_within_one_incarnation() {
    let mut r = RaftObserver::default();
    r.applied(1_000_000, 1, &apply(e(1, 1)));
    r.applied(1_000_100, 1, &apply(e(2, 1)));
    r.applied(1_000_200, 1, &apply(e(2, 1)));
    let d = assert_fails(&r, STATE_MACHINE_SAFETY);
    assert!(d.contains("applied index 2 after index 2 without restarting"), "{d}");
}

#[test]
fn state_machine_safety_accepts_reapplying_the_same_entries_after_restart_and_snapshot_jumps() {
    let mut r = RaftObserver::default();
    for i in 1..=3 {
        r.applied(1_000_000 + i, 1, &apply(e(i, 1)));
        r.applied(1_000_100 + i, 2, &apply(e(i, 1)));
    }
    r.restarted(1, 2_000_000);
    for i in 1..=3 {
        r.applied(2_000_000 + i, 1, &apply(e(i, 1)));
    }
    // n3 installs a snapshot through 3 and applies from 4 on.
    r.applied(2_100_000, 3, &apply(e(4, 1)));
    assert_all_pass(&r);
    assert!(check(&r, STATE_MACHINE_SAFETY).detail.starts_with("4 indices applied"));
}

#[test]
fn leader_is_the_highest_term_leader_and_a_reboot_clears_it() {
    let mut r = RaftObserver::default();
    assert_eq!(r.leader(), None);
    r.observe(1, &leader(1, 1, 0, vec![]));
    r.observe(2, &leader(2, 2, 0, vec![]));
    assert_eq!(r.leader(), Some(2));
    r.observe(3, &follower(2, 2, 0, vec![]));
    // n1's latest observation still says it leads term 1.
    assert_eq!(r.leader(), Some(1));
    r.restarted(1, 4);
    assert_eq!(r.leader(), None);
}

#[test]
fn accessors_report_requests_leaders_and_first_applies() {
    let mut r = RaftObserver::default();
    let req = RequestId { client: 2, seq: 17 };
    r.observe(1_000_000, &leader(1, 1, 0, vec![]));
    r.observe(1_005_000, &leader(1, 1, 0, vec![])); // within the sample interval: not kept
    r.observe(1_020_000, &leader(1, 1, 0, vec![]));
    r.observe(1_030_000, &leader(3, 0, 0, vec![])); // stale older term: not the current leader
    r.observe(2_000_000, &leader(2, 2, 0, vec![]));
    r.applied(2_100_000, 2, &AppliedEntry { id: e(1, 2), request: None, command: None });
    r.applied(2_200_000, 2, &AppliedEntry { id: e(2, 2), request: Some(req), command: None });
    r.applied(2_300_000, 1, &AppliedEntry { id: e(2, 2), request: Some(req), command: None });
    assert_eq!(r.applied_request_index(&req), Some(2));
    assert_eq!(r.applied_request_index(&RequestId { client: 2, seq: 18 }), None);
    assert_eq!(r.first_leader_at_or_after(0), Some((1_000_000, 1, 1)));
    assert_eq!(r.first_leader_at_or_after(1_001_000), Some((1_020_000, 1, 1)));
    assert_eq!(r.first_leader_at_or_after(1_025_000), Some((2_000_000, 2, 2)));
    assert_eq!(r.first_leader_at_or_after(2_000_001), None);
    assert_eq!(r.first_applied_at_or_after(2_150_000), Some((2_200_000, e(2, 2), Some(req))));
    assert_eq!(r.commits().count(), 2);
}

/// A small well-behaved cluster: terms rotate leaders, entries replicate and commit, logs are
/// compacted, a node reboots now and then. Long enough to exercise the incremental paths.
#[test]
fn a_long_well_behaved_run_passes_everything() {
    let mut r = RaftObserver::default();
    let mut logs: Vec<Observation> = (1..=3).map(|id| follower(id, 0, 0, vec![])).collect();
    let mut applied = [0u64; 3];
    let mut now = 0u64;
    let mut next = 1u64;
    for term in 1..=8u64 {
        let l = (term % 3) as usize;
        for (i, o) in logs.iter_mut().enumerate() {
            o.term = term;
            o.role = if i == l { Role::Leader } else { Role::Follower };
        }
        for step in 0..300u64 {
            now += 1_000;
            let id = EntryId { index: next, term, digest: next * 7 + term };
            next += 1;
            logs[l].log.push(id);
            let leader_obs = logs[l].clone();
            for o in logs.iter_mut() {
                // Followers copy the leader's log beyond their own snapshot.
                let keep_from = o.snapshot_index;
                o.log = leader_obs.log.iter().filter(|x| x.index > keep_from).copied().collect();
                o.commit_index = id.index;
            }
            for (i, o) in logs.iter_mut().enumerate() {
                while applied[i] < o.commit_index {
                    applied[i] += 1;
                    let at = applied[i];
                    if at > o.snapshot_index {
                        let x = *o.log.iter().find(|x| x.index == at).expect("applied entry in log");
                        r.applied(now, o.id, &apply(x));
                    }
                }
                if step % 50 == 49 {
                    let cut = o.commit_index - 10;
                    *o = compacted(o.clone(), cut);
                }
                r.observe(now, o);
            }
            if step == 150 && term % 2 == 0 {
                // A follower reboots: it re-applies from its snapshot.
                let f = (l + 1) % 3;
                r.restarted(logs[f].id, now);
                applied[f] = logs[f].snapshot_index;
            }
        }
    }
    assert_all_pass(&r);
    assert_eq!(r.leaders_elected().len(), 8);
    // Per-index maps only: one entry per (index, term) ever created.
    assert_eq!(r.entries.len() as u64, next - 1);
    assert!(check(&r, LEADER_COMPLETENESS).detail.contains("checked against 7 later leaders"), "{:?}", r.result());
}
