//! Many seeds in parallel: keep going past failures and panics, report every failing seed
//! with its repro line.
use super::{run, Results, RunRequest};
use crate::engine::EngineKind;
use crate::scenario::Scenario;
use indicatif::{ProgressBar, ProgressStyle};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A sweep to run.
#[derive(Clone, Debug)]
pub struct SweepRequest {
    /// Scenario as named by the user.
    pub scenario_arg: String,
    /// Loaded scenario.
    pub scenario: Arc<Scenario>,
    /// Seeds, half-open.
    pub seeds: Range<u64>,
    /// Worker threads.
    pub jobs: usize,
    /// Engine.
    pub engine: EngineKind,
    /// Planted bugs from the command line.
    pub bugs: Vec<String>,
    /// Stop at the first failing seed (used by tests that look for a bug).
    pub stop_at_first_failure: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// What a sweep found.
#[derive(Clone, Debug, Default)]
pub struct SweepOutcome {
    /// Results of every seed run, sorted by seed.
    pub results: Vec<Results>,
    /// Wall seconds for the whole sweep.
    pub wall_seconds: f64,
}

impl SweepOutcome {
    /// The failing runs, by seed.
    pub fn failures(&self) -> Vec<&Results> {
        self.results.iter().filter(|r| !r.passed()).collect()
    }
    /// Simulated seconds covered by all runs.
    pub fn sim_seconds(&self) -> f64 {
        self.results.iter().map(|r| r.sim_seconds).sum()
    }
}

/// Runs every seed; results come back sorted by seed whatever the thread interleaving.
pub fn sweep(request: &SweepRequest) -> SweepOutcome {
    let start = std::time::Instant::now();
    let next = AtomicU64::new(request.seeds.start);
    let stop_before = AtomicU64::new(request.seeds.end);
    let results: Mutex<Vec<Results>> = Mutex::new(Vec::new());
    let total = request.seeds.end.saturating_sub(request.seeds.start);
    let bar = if request.progress { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let failed = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..request.jobs.max(1) {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= stop_before.load(Ordering::SeqCst) {
                    break;
                }
                let outcome = run(&RunRequest {
                    scenario_arg: request.scenario_arg.clone(),
                    scenario: request.scenario.clone(),
                    seed,
                    engine: request.engine,
                    bugs: request.bugs.clone(),
                });
                if !outcome.results.passed() {
                    let n = failed.fetch_add(1, Ordering::SeqCst) + 1;
                    bar.set_message(format!("{n} failed"));
                    if request.stop_at_first_failure {
                        // Seeds below this one still finish, so the first failure is exact.
                        stop_before.fetch_min(seed + 1, Ordering::SeqCst);
                    }
                }
                results.lock().unwrap_or_else(|p| p.into_inner()).push(outcome.results);
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|r| r.seed);
    if request.stop_at_first_failure {
        if let Some(first) = results.iter().position(|r| !r.passed()) {
            results.truncate(first + 1);
        }
    }
    SweepOutcome { results, wall_seconds: start.elapsed().as_secs_f64() }
}
