//! The ingestion scenario: under crashes, lease-expiring pauses, clock, network and disk
//! faults, every acknowledged event reaches the sink exactly once, on both engines.
mod common;
use common::{explain, run_seed, sweep_seeds};
use faultline::engine::EngineKind;

#[test]
fn ten_seeds_of_the_ingest_scenario_pass_on_madsim() {
    let results = sweep_seeds("ingest", 0..10, EngineKind::Madsim, &[], false);
    assert_eq!(results.len(), 10);
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert!(r.faults > 0, "seed {}: no faults", r.seed);
        let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"ingest-exactly-once"), "seed {}: {names:?}", r.seed);
        let ledger = r.checks.iter().find(|c| c.name == "ingest-exactly-once").map(|c| c.detail.clone());
        assert!(ledger.is_some_and(|d| !d.contains("nothing to judge")), "seed {}: nothing flowed", r.seed);
    }
}

#[test]
fn an_ingest_seed_passes_on_turmoil_and_replays() {
    let a = run_seed("ingest", 3, EngineKind::Turmoil, &[]);
    assert!(a.passed(), "{}", explain(&a));
    let b = run_seed("ingest", 3, EngineKind::Turmoil, &[]);
    assert_eq!(a.trace_hash, b.trace_hash, "turmoil: seed 3 diverged between runs");
}
