//! tikv's raft-rs hosted as a system: the raft-rs scenario passes the relations checks under
//! every fault kind on both engines, and replays exactly.
mod common;
use common::{assert_has_checks, explain, run_seed, sweep_seeds};
use faultline::engine::EngineKind;

const RAFT_CHECKS: [&str; 5] =
    ["linearizability", "election-safety", "state-machine-safety", "acked-writes", "liveness"];

#[test]
fn ten_seeds_of_the_raftrs_scenario_pass_on_madsim() {
    let results = sweep_seeds("raft-rs", 0..10, EngineKind::Madsim, &[], false);
    assert_eq!(results.len(), 10);
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert!(r.faults > 0, "seed {}: no faults", r.seed);
        assert!(r.ops > 100, "seed {}: only {} operations", r.seed, r.ops);
        assert_has_checks(r, &RAFT_CHECKS);
    }
}

#[test]
fn a_raftrs_seed_passes_on_every_engine_and_replays_exactly() {
    for engine in EngineKind::ALL {
        let a = run_seed("raft-rs", 3, engine, &[]);
        assert!(a.passed(), "{}: {}", engine.name(), explain(&a));
        let b = run_seed("raft-rs", 3, engine, &[]);
        assert_eq!(a.trace_hash, b.trace_hash, "{}: same seed, different trace", engine.name());
        assert_eq!(a.ops, b.ops);
    }
}

/// Clean seeds where raft-rs panicked "to_commit … out of range [last_index …]" on native: a
/// follower's recovery dropped a stale WAL log superseded by its snapshot but left it in the
/// file, so the entries appended after it were lost at the next crash although synced and
/// acknowledged (systems/src/raftrs/persist.rs, `rewrite_wal`).
#[test]
fn seeds_that_lost_appends_after_a_recovered_snapshot_pass_on_native() {
    for seed in [174, 606] {
        let r = run_seed("raft-rs", seed, EngineKind::Native, &[]);
        assert!(r.passed(), "{}", explain(&r));
    }
}
