use super::{prepare, BadInput, SweepArgs};
use crate::run::{run, sweep as run_sweep, RunRequest, SweepRequest};
use std::io::IsTerminal;

/// Parses "A..B" (half-open, as in Rust).
pub(super) fn parse_seeds(text: &str) -> Result<std::ops::Range<u64>, BadInput> {
    let bad = || BadInput(format!("--seeds {text:?}: expected A..B with whole numbers A < B, e.g. 0..100"));
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if a >= b {
        return Err(bad());
    }
    Ok(a..b)
}

pub(super) fn sweep(args: SweepArgs) -> Result<bool, BadInput> {
    let seeds = parse_seeds(&args.seeds)?;
    let (scenario, engine) = prepare(&args.scenario, args.engine.as_deref(), &args.bugs)?;
    let jobs = match args.jobs {
        Some(0) => return Err(BadInput("--jobs 0: need at least one job".into())),
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
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
    let outcome = run_sweep(&request);
    let failures = outcome.failures();
    println!(
        "{} seeds, {} passed, {} failed in {:.1} wall s ({:.1} seeds/s, {:.0} simulated s per wall s)",
        outcome.results.len(),
        outcome.results.len() - failures.len(),
        failures.len(),
        outcome.wall_seconds,
        outcome.results.len() as f64 / outcome.wall_seconds.max(1e-9),
        outcome.sim_seconds() / outcome.wall_seconds.max(1e-9),
    );
    for r in &failures {
        let failed: Vec<&str> = r.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
        println!("FAIL seed {} ({})", r.seed, failed.join(", "));
        println!("repro: {}", r.repro);
    }
    if let Some(dir) = &args.out {
        for r in &failures {
            // Re-running a seed reproduces it exactly; only failures get full reports.
            let outcome = run(&RunRequest {
                scenario_arg: request.scenario_arg.clone(),
                scenario: request.scenario.clone(),
                seed: r.seed,
                engine,
                bugs: args.bugs.clone(),
            });
            let path = dir.join(format!("seed-{}", r.seed));
            if let Err(e) = super::run_cmd::write_run_report(&path, &outcome) {
                eprintln!("warning: could not write {}: {e}", path.display());
            }
        }
    }
    Ok(failures.is_empty())
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
