//! Many seeds in parallel: keep going past failures and panics, report every failing seed
//! with its repro line. A sweep may run one shard of its range, keep one `results.json` per
//! seed in a store directory (written atomically) and, resuming, trust the complete ones
//! already there, so a preempted worker picks up where it stopped.
use super::shard::Shard;
use super::{run, Results, RunRequest};
use crate::engine::EngineKind;
use crate::scenario::Scenario;
use indicatif::{ProgressBar, ProgressStyle};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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

impl SweepRequest {
    /// The run of one seed of this sweep.
    pub fn run_request(&self, seed: u64) -> RunRequest {
        RunRequest {
            scenario_arg: self.scenario_arg.clone(),
            scenario: self.scenario.clone(),
            seed,
            engine: self.engine,
            bugs: self.bugs.clone(),
        }
    }
}

/// Which slice of the range to run and where per-seed results live.
#[derive(Clone, Debug, Default)]
pub struct SweepPlan {
    /// The slice of `SweepRequest::seeds` to run.
    pub shard: Shard,
    /// Directory whose `seeds/<seed>.json` receive each seed's results.
    pub store: Option<PathBuf>,
    /// Skip seeds whose stored results are complete (a corrupt or mismatched one is re-run).
    pub resume: bool,
}

/// What a sweep found.
#[derive(Clone, Debug, Default)]
pub struct SweepOutcome {
    /// Results of every seed run, sorted by seed.
    pub results: Vec<Results>,
    /// Wall seconds for the whole sweep.
    pub wall_seconds: f64,
    /// How many of `results` came from the store instead of being run.
    pub resumed: usize,
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

/// Where a store keeps the results of `seed`.
pub fn seed_results_path(store: &Path, seed: u64) -> PathBuf {
    store.join("seeds").join(format!("{seed}.json"))
}

/// Runs every seed; results come back sorted by seed whatever the thread interleaving.
pub fn sweep(request: &SweepRequest) -> SweepOutcome {
    sweep_with(request, &SweepPlan::default())
}

/// Runs the plan's shard of the request's seeds, storing and resuming as the plan says.
pub fn sweep_with(request: &SweepRequest, plan: &SweepPlan) -> SweepOutcome {
    let start = std::time::Instant::now();
    let seeds: Vec<u64> = plan.shard.seeds(request.seeds.clone()).collect();
    let (stored, todo) = split_resumed(request, plan, &seeds);
    let resumed = stored.len();
    let bar = progress_bar(request.progress, seeds.len());
    bar.inc(resumed as u64);
    let mut results = run_seeds(request, plan, &todo, &bar);
    bar.finish_and_clear();
    results.extend(stored);
    results.sort_by_key(|r| r.seed);
    if request.stop_at_first_failure {
        if let Some(first) = results.iter().position(|r| !r.passed()) {
            results.truncate(first + 1);
        }
    }
    SweepOutcome { results, wall_seconds: start.elapsed().as_secs_f64(), resumed }
}

fn progress_bar(shown: bool, total: usize) -> ProgressBar {
    let bar = if shown { ProgressBar::new(total as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Runs `todo` on `request.jobs` threads, storing each result as soon as it exists.
fn run_seeds(request: &SweepRequest, plan: &SweepPlan, todo: &[u64], bar: &ProgressBar) -> Vec<Results> {
    let next = AtomicUsize::new(0);
    let stop_before = AtomicU64::new(request.seeds.end);
    let results: Mutex<Vec<Results>> = Mutex::new(Vec::new());
    let failed = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..request.jobs.max(1) {
            scope.spawn(|| {
                while let Some(&seed) = todo.get(next.fetch_add(1, Ordering::SeqCst)) {
                    if seed >= stop_before.load(Ordering::SeqCst) {
                        break;
                    }
                    let outcome = run(&request.run_request(seed));
                    if let Some(store) = &plan.store {
                        store_results(store, &outcome.results);
                    }
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
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// Writes one seed's results; a store that cannot be written costs resumability, not the sweep.
fn store_results(store: &Path, results: &Results) {
    let path = seed_results_path(store, results.seed);
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| serde_json::to_vec_pretty(results).map_err(std::io::Error::other))
        .and_then(|json| crate::atomic_file::write(&path, &json));
    if let Err(e) = written {
        eprintln!("warning: could not write {}: {e}", path.display());
    }
}

/// Splits the shard's seeds into results already complete in the store and seeds to run.
fn split_resumed(request: &SweepRequest, plan: &SweepPlan, seeds: &[u64]) -> (Vec<Results>, Vec<u64>) {
    let Some(store) = plan.store.as_ref().filter(|_| plan.resume) else { return (Vec::new(), seeds.to_vec()) };
    let mut stored = Vec::new();
    let mut todo = Vec::new();
    for &seed in seeds {
        match load_complete(store, request, seed) {
            Ok(Some(results)) => stored.push(results),
            Ok(None) => todo.push(seed),
            Err(why) => {
                eprintln!("warning: {why}; running seed {seed} again");
                todo.push(seed);
            }
        }
    }
    (stored, todo)
}

/// The stored results of `seed` if they are complete and belong to this sweep; `Ok(None)` if
/// there are none; `Err` says what is wrong with the file.
pub fn load_complete(store: &Path, request: &SweepRequest, seed: u64) -> Result<Option<Results>, String> {
    let path = seed_results_path(store, seed);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let results: Results = serde_json::from_str(&text).map_err(|e| format!("{}: corrupt: {e}", path.display()))?;
    let expected_bugs = request.run_request(seed).all_bugs();
    let mismatch = if results.seed != seed {
        Some(format!("holds seed {}", results.seed))
    } else if results.scenario != request.scenario.name {
        Some(format!("is from scenario {:?}", results.scenario))
    } else if results.engine != request.engine.name() {
        Some(format!("is from engine {:?}", results.engine))
    } else if results.bugs != expected_bugs {
        Some(format!("ran bugs {:?}, this sweep runs {:?}", results.bugs, expected_bugs))
    } else if !(results.verdict == "pass" || results.verdict == "fail") {
        Some(format!("has verdict {:?}", results.verdict))
    } else if results.trace_hash.len() != 64 || !results.trace_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some("has no complete trace_hash".to_string())
    } else {
        None
    };
    match mismatch {
        Some(why) => Err(format!("{} {why}", path.display())),
        None => Ok(Some(results)),
    }
}
