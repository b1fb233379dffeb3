//! Helpers shared by the harness's integration tests.
#![allow(dead_code)]
use faultline::engine::EngineKind;
use faultline::run::{run, sweep, Results, RunRequest, SweepRequest};
use faultline::scenario::{self, Scenario};
use std::sync::Arc;

/// Loads a scenario shipped in `scenarios/`.
pub fn scenario(name: &str) -> Arc<Scenario> {
    let path = format!("{}/../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    match scenario::load(&path) {
        Ok(s) => Arc::new(s),
        Err(e) => panic!("shipped scenario {name} does not load: {e}"),
    }
}

/// Runs one seed and returns its results.
pub fn run_seed(name: &str, seed: u64, engine: EngineKind, bugs: &[&str]) -> Results {
    let request = RunRequest {
        scenario_arg: name.to_string(),
        scenario: scenario(name),
        seed,
        engine,
        bugs: bugs.iter().map(|b| b.to_string()).collect(),
    };
    run(&request).results
}

/// Runs seeds `seeds` on both cores; stops at the first failure when asked.
pub fn sweep_seeds(
    name: &str,
    seeds: std::ops::Range<u64>,
    engine: EngineKind,
    bugs: &[&str],
    stop_at_first_failure: bool,
) -> Vec<Results> {
    let request = SweepRequest {
        scenario_arg: name.to_string(),
        scenario: scenario(name),
        seeds,
        jobs: 2,
        engine,
        bugs: bugs.iter().map(|b| b.to_string()).collect(),
        stop_at_first_failure,
        progress: false,
    };
    sweep(&request).results
}

/// This test target's name (`cargo test --test NAME`), for the cargo-test repro line.
pub const TEST_TARGET: &str = env!("CARGO_CRATE_NAME");

/// Sweeps a scenario test's default seeds on its default engine, or what `FAULTLINE_SEED`,
/// `FAULTLINE_SEEDS` and `FAULTLINE_ENGINE` say instead (see `faultline::testing`). Every
/// selected seed must have run.
pub fn sweep_selected(name: &str, default: std::ops::Range<u64>, engine: EngineKind) -> Vec<Results> {
    let seeds = faultline::testing::seed_range(default);
    let expected = seeds.end - seeds.start;
    let results = sweep_seeds(name, seeds.clone(), faultline::testing::engine(engine), &[], false);
    assert_eq!(results.len() as u64, expected, "{name}: not every seed of {seeds:?} ran");
    results
}

/// Fails unless run `r` judged every check in `expected` (passing or not).
pub fn assert_has_checks(r: &Results, expected: &[&str]) {
    let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
    for expected in expected {
        assert!(names.contains(expected), "seed {}: no {expected} check in {names:?}", r.seed);
    }
}

/// An account of a failed run for assertion messages: failing checks, then the line that
/// reruns this test on this seed and the CLI line that replays the run.
pub fn explain(r: &Results) -> String {
    faultline::testing::explain_failure(r, TEST_TARGET)
}
