//! The CRDT scenario: data centres cut off for seconds, crashing and with skewed clocks, must
//! converge after the heal and obey each set type's rules, on both engines.
mod common;
use common::{explain, run_seed, sweep_selected};
use faultline::engine::EngineKind;
use faultline::testing;

const CRDT_CHECKS: [&str; 5] = ["crdt-convergence", "crdt-gset", "crdt-2p", "crdt-lww", "crdt-orset"];

#[test]
fn ten_seeds_of_the_crdt_scenario_converge_on_madsim() {
    let results = sweep_selected("crdt", 0..10, EngineKind::Madsim);
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
    for engine in [EngineKind::Madsim, EngineKind::Turmoil] {
        let a = run_seed("crdt", 5, engine, &[]);
        let b = run_seed("crdt", 5, engine, &[]);
        assert_eq!(a.trace_hash, b.trace_hash, "{engine}: seed 5 diverged between runs");
        assert_eq!(a.extra_f64("convergence_seconds"), b.extra_f64("convergence_seconds"));
    }
}
