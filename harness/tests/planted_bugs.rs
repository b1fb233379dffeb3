//! Proof the checkers bite: each planted bug is caught by a sweep within 100 seeds, and the
//! same seeds pass with the bug off. The number of seeds it took is printed (`--nocapture`).
mod common;
use common::{explain, sweep_seeds};
use faultline::bugs;
use faultline::engine::EngineKind;
use faultline::testing;

const SEEDS_MAX: u64 = 100;

/// The engines every bug must be found on (`FAULTLINE_ENGINE` narrows them): madsim and the
/// native engine, whose figures decide the default; turmoil runs the determinism tests.
/// An engine the bug's scenario refuses (openraft runs on madsim only) is skipped.
fn caught_within_100_seeds(bug: &str) {
    let planted = bugs::find(bug).unwrap_or_else(|| panic!("no planted bug {bug}"));
    let scenario = common::scenario(planted.scenario);
    for engine in testing::engines(&[EngineKind::Madsim, EngineKind::Native]) {
        if scenario.engine_refusal(engine).is_none() {
            caught_on(bug, engine);
        }
    }
}

fn caught_on(bug: &str, engine: EngineKind) {
    let planted = bugs::find(bug).unwrap_or_else(|| panic!("no planted bug {bug}"));
    let scenario = planted.scenario;
    let with_bug = sweep_seeds(scenario, 0..SEEDS_MAX, engine, &[bug], true);
    let Some(first) = with_bug.iter().find(|r| !r.passed()) else {
        panic!("{bug}: no failure in {SEEDS_MAX} seeds of {scenario} on {engine}");
    };
    let failed = first.failed_checks();
    assert!(
        failed.iter().any(|c| planted.caught_by.contains(c)),
        "{bug} on {engine}: seed {} failed {failed:?}, none of the checks that must catch it ({:?})",
        first.seed,
        planted.caught_by
    );
    let seeds_needed = first.seed + 1;
    println!("{bug}: caught on {engine} after {seeds_needed} seed(s) of {scenario}: {}", explain(first));
    let without = sweep_seeds(scenario, 0..seeds_needed, engine, &[], false);
    for r in &without {
        assert!(r.passed(), "{scenario} fails on {engine} without {bug}: {}", explain(r));
    }
}

#[test]
fn vote_before_persist_is_caught() {
    caught_within_100_seeds("raft-vote-before-persist");
}

#[test]
fn commit_previous_term_is_caught() {
    caught_within_100_seeds("raft-commit-previous-term");
}

#[test]
fn lease_without_drift_margin_is_caught() {
    caught_within_100_seeds("raft-lease-no-drift-margin");
}

#[test]
fn truncate_on_stale_append_is_caught() {
    caught_within_100_seeds("raft-truncate-on-stale-append");
}

#[test]
fn ack_append_before_sync_is_caught() {
    caught_within_100_seeds("raft-ack-append-before-sync");
}

#[test]
fn read_index_before_own_term_commit_is_caught() {
    caught_within_100_seeds("raft-read-index-before-own-term-commit");
}

#[test]
fn snapshot_off_by_one_is_caught() {
    caught_within_100_seeds("raft-snapshot-off-by-one");
}

#[test]
fn lease_without_check_quorum_is_caught() {
    caught_within_100_seeds("raft-lease-without-check-quorum");
}

#[test]
fn pre_vote_ignored_is_caught() {
    caught_within_100_seeds("raft-pre-vote-ignored");
}

#[test]
fn lww_wall_clock_is_caught() {
    caught_within_100_seeds("crdt-lww-wall-clock");
}

#[test]
fn orset_remove_unobserved_is_caught() {
    caught_within_100_seeds("crdt-orset-remove-unobserved");
}

#[test]
fn tombstone_gc_early_is_caught() {
    caught_within_100_seeds("crdt-tombstone-gc-early");
}

#[test]
fn dot_counter_not_persisted_is_caught() {
    caught_within_100_seeds("crdt-dot-counter-not-persisted");
}

#[test]
fn uncommitted_tail_is_caught() {
    caught_within_100_seeds("logsync-uncommitted-tail");
}

#[test]
fn ignoring_the_session_token_is_caught() {
    caught_within_100_seeds("logsync-ignore-session-token");
}

#[test]
fn forgetting_the_applied_position_is_caught() {
    caught_within_100_seeds("logsync-forget-applied");
}

#[test]
fn raftrs_send_persisted_before_sync_is_caught() {
    caught_within_100_seeds("raftrs-send-persisted-before-sync");
}

#[test]
fn openraft_ack_append_before_sync_is_caught() {
    caught_within_100_seeds("openraft-ack-append-before-sync");
}

#[test]
fn ingest_ack_before_wal_sync_is_caught() {
    caught_within_100_seeds("ingest-ack-before-wal-sync");
}

#[test]
fn ingest_offset_commit_separate_is_caught() {
    caught_within_100_seeds("ingest-offset-commit-separate");
}

#[test]
fn ingest_sink_no_fencing_is_caught() {
    caught_within_100_seeds("ingest-sink-no-fencing");
}

#[test]
fn ingest_dedupe_without_event_type_is_caught() {
    caught_within_100_seeds("ingest-dedupe-without-event-type");
}

#[test]
fn ingest_ship_retry_without_sequence_is_caught() {
    caught_within_100_seeds("ingest-ship-retry-without-sequence");
}

#[test]
fn skipping_the_wal_replay_is_caught() {
    caught_within_100_seeds("logsync-skip-wal-replay");
}

#[test]
fn never_collecting_tombstones_is_caught() {
    caught_within_100_seeds("crdt-tombstones-never-collected");
}

#[test]
fn orset_contains_absent_is_caught() {
    caught_within_100_seeds("crdt-orset-contains-absent");
}

#[test]
fn ignoring_the_staleness_bound_is_caught() {
    caught_within_100_seeds("logsync-ignore-staleness-bound");
}

/// A bug declared without a test here would be a switch nobody proves the checks catch.
#[test]
fn every_declared_bug_has_a_test_here() {
    let this_file = include_str!("planted_bugs.rs");
    for bug in bugs::all() {
        let call = format!("caught_within_100_seeds(\"{}\")", bug.name);
        assert!(this_file.contains(&call), "planted bug {} has no test in planted_bugs.rs", bug.name);
    }
}
