//! The CRDT scenario: data centres cut off for seconds, crashing and with skewed clocks, must
//! converge after the heal and obey each set type's rules, on both engines.
mod common;
use common::{explain, run_seed, sweep_selected};
use faultline::engine::EngineKind;
use faultline::testing;

const CRDT_CHECKS: [&str; 8] =
    ["crdt-convergence", "crdt-gset", "crdt-2p", "crdt-lww", "crdt-orset", "crdt-read", "crdt-tombstones", "workload"];

#[test]
fn ten_seeds_of_the_crdt_scenario_converge_on_madsim() {
    let results = sweep_selected("crdt", 0..10, EngineKind::Madsim);
    for r in results.iter().filter(|r| corrupted(r) > 0) {
        assert!(r.stats["decode_errors"].as_u64() > Some(0), "seed {}: corruption but no rejected datagram", r.seed);
    }
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert!(r.faults > 0, "seed {}: no faults", r.seed);
        let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, CRDT_CHECKS, "seed {}: a CRDT-only scenario runs exactly the CRDT checks", r.seed);
        let seconds =
            r.extra_f64("convergence_seconds").unwrap_or_else(|| panic!("seed {}: no convergence time", r.seed));
        assert!((0.0..r.sim_seconds).contains(&seconds), "seed {}: convergence {seconds} s", r.seed);
    }
}

#[test]
fn crdt_seeds_pass_on_turmoil_too() {
    for seed in testing::seed_list(&[0, 7]) {
        let r = run_seed("crdt", seed, testing::engine(EngineKind::Turmoil), &[]);
        assert!(r.passed(), "{}", explain(&r));
        assert!(r.extra_f64("convergence_seconds").is_some());
    }
}

#[test]
fn the_same_crdt_seed_replays_the_same_trace() {
    for engine in EngineKind::ALL {
        let a = run_seed("crdt", 5, engine, &[]);
        let b = run_seed("crdt", 5, engine, &[]);
        assert_eq!(a.trace_hash, b.trace_hash, "{engine}: seed 5 diverged between runs");
        assert_eq!(a.extra_f64("convergence_seconds"), b.extra_f64("convergence_seconds"));
    }
}

/// Datagrams the engine corrupted in the run.
fn corrupted(r: &faultline::run::Results) -> u64 {
    let c = &r.stats["corrupted"];
    c["flipped"].as_u64().unwrap_or(0) + c["truncated"].as_u64().unwrap_or(0)
}

#[test]
fn corrupted_datagrams_are_dropped_and_the_replicas_still_agree_on_every_engine() {
    // The shipped scenario plus an explicit corruption window, so every seed corrupts.
    let path = format!("{}/../scenarios/crdt.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("crdt.toml is readable");
    let text = format!("{text}\n[[nemesis.schedule]]\nat_s = 2.0\nfault = \"corrupt\"\nduration_s = 10.0\n");
    let scenario = faultline::scenario::load_str("crdt-corrupt.toml", &text).expect("loads");
    for engine in EngineKind::ALL {
        let request = faultline::run::RunRequest {
            scenario_arg: "crdt-corrupt".into(),
            scenario: std::sync::Arc::new(scenario.clone()),
            seed: 1,
            engine,
            bugs: vec![],
        };
        let r = faultline::run::run(&request).results;
        assert!(r.passed(), "{engine}: {}", explain(&r));
        assert!(corrupted(&r) > 0, "{engine}: nothing corrupted: {:?}", r.stats);
        assert!(r.stats["decode_errors"].as_u64() > Some(0), "{engine}: nothing rejected: {:?}", r.stats);
    }
}

#[test]
fn an_orset_that_always_answers_absent_fails_crdt_read() {
    let r = run_seed("crdt", 0, EngineKind::Madsim, &["crdt-orset-contains-absent"]);
    let read = r.checks.iter().find(|c| c.name == "crdt-read").expect("crdt-read runs");
    assert!(!read.ok, "{}", read.detail);
    let clean = run_seed("crdt", 0, EngineKind::Madsim, &[]);
    let read = clean.checks.iter().find(|c| c.name == "crdt-read").expect("crdt-read runs");
    assert!(read.ok && read.detail.contains("orset"), "{}", read.detail);
}

/// Clock jumps past the HLC's far-future guard: peers refuse the jumped replica's gossip for a
/// while, and the replicas still converge with every type's semantics intact.
#[test]
fn clock_jumps_past_the_far_future_guard_are_refused_and_the_replicas_still_converge() {
    let results = sweep_selected("crdt-clock-guard", 0..6, EngineKind::Madsim);
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
    }
    let refused: Vec<u64> = results.iter().map(|r| r.extras["crdt"]["clock_refused"].as_u64().unwrap_or(0)).collect();
    assert!(refused.iter().filter(|&&n| n > 0).count() >= 4, "the guard was hardly exercised: {refused:?}");
}
