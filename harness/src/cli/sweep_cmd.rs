//! `faultline sweep`: one shard (or all) of a seed range, one results file per seed under
//! `--out`, resumable, then `sweep.json`, `index.html` and optionally JUnit.
use super::{prepare, BadInput, SweepArgs};
use crate::engine::EngineKind;
use crate::run::{parse_seed_range, run, sweep_with, Shard, SweepOutcome, SweepPlan, SweepRequest, SweepSummary};
use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Parses "A..B" (half-open, as in Rust).
pub(super) fn parse_seeds(text: &str) -> Result<Range<u64>, BadInput> {
    parse_seed_range(text).map_err(|e| BadInput(format!("--seeds {text:?}: {e}")))
}

pub(super) fn sweep(args: SweepArgs) -> Result<bool, BadInput> {
    let seeds = parse_seeds(&args.seeds)?;
    let (scenario, engine) = prepare(&args.scenario, args.engine.as_deref(), &args.bugs)?;
    let jobs = jobs_or_cores(args.jobs)?;
    let shrink_budget = super::shrink_cmd::budget(args.shrink_budget.time_budget_s, args.shrink_budget.candidates_max)?;
    let (shard, source) = Shard::resolve(args.shard.as_deref(), args.shards, env_var).map_err(BadInput)?;
    let out = args.out.clone().unwrap_or_else(|| default_out(&scenario.name, &seeds, engine, shard));
    let request = SweepRequest {
        scenario_arg: args.scenario.clone(),
        scenario,
        seeds,
        jobs,
        engine,
        bugs: args.bugs.clone(),
        stop_at_first_failure: false,
        progress: std::io::stderr().is_terminal(),
    };
    if shard != Shard::WHOLE {
        let count = shard.seeds(request.seeds.clone()).count();
        eprintln!(
            "shard {shard} (from {source}) of seeds {}..{}: {count} seeds",
            request.seeds.start, request.seeds.end
        );
    }
    let plan = SweepPlan { shard, store: Some(out.clone()), resume: args.resume };
    let outcome = sweep_with(&request, &plan);
    print_counts(&outcome);
    write_failure_reports(&request, &outcome, &out, args.resume);
    let summary = SweepSummary::from_outcome(&request, shard, &outcome);
    let passed = super::sweep_output::publish(&summary, &out, args.junit.as_deref())?;
    if args.shrink {
        super::sweep_output::shrink_failures(&request, &outcome, &out, shrink_budget);
    }
    Ok(passed)
}

/// `--jobs`, or the number of cores; zero is refused.
pub(super) fn jobs_or_cores(jobs: Option<usize>) -> Result<usize, BadInput> {
    match jobs {
        Some(0) => Err(BadInput("--jobs 0: need at least one job".into())),
        Some(j) => Ok(j),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// `reports/sweep-SCENARIO-A-B-ENGINE[-shard-I-of-N]`: stable, so `--resume` finds it again.
fn default_out(scenario: &str, seeds: &Range<u64>, engine: EngineKind, shard: Shard) -> PathBuf {
    let mut name = format!("sweep-{scenario}-{}-{}-{engine}", seeds.start, seeds.end);
    if shard != Shard::WHOLE {
        name.push_str(&format!("-shard-{}-of-{}", shard.index, shard.count));
    }
    PathBuf::from("reports").join(name)
}

fn print_counts(outcome: &SweepOutcome) {
    let failed = outcome.failures().len();
    let resumed =
        if outcome.resumed > 0 { format!(", {} resumed from earlier runs", outcome.resumed) } else { String::new() };
    println!(
        "{} seeds, {} passed, {} failed in {:.1} wall s ({:.1} seeds/s, {:.0} simulated s per wall s){resumed}",
        outcome.results.len(),
        outcome.results.len() - failed,
        failed,
        outcome.wall_seconds,
        outcome.results.len() as f64 / outcome.wall_seconds.max(1e-9),
        outcome.sim_seconds() / outcome.wall_seconds.max(1e-9),
    );
}

/// Full reports for failing seeds under `out/seed-N/` (re-running a seed reproduces it exactly);
/// resuming keeps the ones already complete.
fn write_failure_reports(request: &SweepRequest, outcome: &SweepOutcome, out: &Path, resume: bool) {
    for r in outcome.failures() {
        let path = out.join(format!("seed-{}", r.seed));
        if resume && path.join(crate::report::INDEX_FILE).is_file() {
            continue;
        }
        let rerun = run(&request.run_request(r.seed));
        if let Err(e) = super::run_cmd::write_run_report(&path, &rerun) {
            eprintln!("warning: could not write {}: {e}", path.display());
        }
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::parse_seeds;

    #[test]
    fn seeds_parse_like_rust_ranges() {
        assert_eq!(parse_seeds("0..100").ok(), Some(0..100));
        for bad in ["", "5", "3..3", "4..2", "a..b", "1..=4", "-1..3"] {
            assert!(parse_seeds(bad).is_err(), "{bad}");
        }
    }
}
