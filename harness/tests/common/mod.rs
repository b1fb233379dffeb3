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

/// A one-line account of a failed run, for assertion messages.
pub fn explain(r: &Results) -> String {
    let failed: Vec<String> = r.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
    format!("seed {} failed: {}\n  repro: {}", r.seed, failed.join("; "), r.repro)
}
