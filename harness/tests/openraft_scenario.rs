//! openraft hosted as a system: the openraft scenario passes the relations checks under every
//! fault kind on madsim, replays exactly, and the engines that cannot run it deterministically
//! (turmoil, native) are refused with exit 2 rather than run.
mod common;
use common::{assert_has_checks, explain, run_seed, sweep_seeds};
use faultline::engine::EngineKind;
use std::process::Command;

const RAFT_CHECKS: [&str; 6] =
    ["linearizability", "election-safety", "state-machine-safety", "acked-writes", "liveness", "catch-up"];

#[test]
fn ten_seeds_of_the_openraft_scenario_pass_on_madsim() {
    let results = sweep_seeds("openraft", 0..10, EngineKind::Madsim, &[], false);
    assert_eq!(results.len(), 10);
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert!(r.faults > 0, "seed {}: no faults", r.seed);
        assert!(r.ops > 100, "seed {}: only {} operations", r.seed, r.ops);
        assert_has_checks(r, &RAFT_CHECKS);
    }
}

#[test]
fn an_openraft_seed_replays_exactly() {
    let a = run_seed("openraft", 3, EngineKind::Madsim, &[]);
    assert!(a.passed(), "{}", explain(&a));
    let b = run_seed("openraft", 3, EngineKind::Madsim, &[]);
    assert_eq!(a.trace_hash, b.trace_hash, "same seed, different trace");
    assert_eq!(a.ops, b.ops);
}

#[test]
fn engines_that_cannot_run_openraft_deterministically_are_refused() {
    let workspace = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for engine in ["turmoil", "native"] {
        let o = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(["run", "openraft", "--engine", engine, "--seed", "1"])
            .current_dir(&workspace)
            .output()
            .unwrap_or_else(|e| panic!("cannot start faultline: {e}"));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{engine}: expected exit 2; stderr: {err}");
        assert!(err.contains(engine) && err.contains("openraft"), "{engine}: message names neither: {err}");
        assert!(!err.contains("panicked"), "{engine}: panicked: {err}");
    }
}

#[test]
fn the_library_api_refuses_the_same_engines() {
    let scenario = (*common::scenario("openraft")).clone();
    for engine in [EngineKind::Turmoil, EngineKind::Native] {
        let sim = faultline::simulation::Simulation::new(scenario.clone()).engine(engine);
        let err = sim.request().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("refused") && err.contains("openraft"), "{}: {err:?}", engine.name());
    }
}

/// With disk-eio, seed 963 looped in fail-stop: openraft purged up to a snapshot it was still
/// installing, and a purge made durable before that snapshot left a log starting past it
/// (harness/src/systems/openraft/store.rs keeps such a purge in memory until it is covered).
#[test]
fn a_purge_ahead_of_its_snapshot_no_longer_loops_seed_963() {
    let r = run_seed("openraft", 963, EngineKind::Madsim, &[]);
    assert!(r.passed(), "{}", explain(&r));
}
