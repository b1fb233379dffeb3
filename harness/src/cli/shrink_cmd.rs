//! `faultline shrink`: the smallest run that fails the same checks as a failing one, its
//! scenario file, report and repro line. Also used by `faultline sweep --shrink`.
use super::{prepare, BadInput, ShrinkArgs};
use crate::run::RunRequest;
use crate::shrink::{shrink, Budget, ShrinkError, ShrinkRequest, Shrunk, Signature};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(super) fn run(args: ShrinkArgs) -> Result<bool, BadInput> {
    let (scenario, engine) = prepare(&args.scenario, args.engine.as_deref(), &args.bugs)?;
    let jobs = super::sweep_cmd::jobs_or_cores(args.jobs)?;
    let budget = budget(args.budget.time_budget_s, args.budget.candidates_max)?;
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("shrink-{}-seed{}-{}", scenario.name, args.seed, engine))
    });
    let run = RunRequest { scenario_arg: args.scenario.clone(), scenario, seed: args.seed, engine, bugs: args.bugs };
    shrink_and_print(&run, jobs, budget, &out)?;
    Ok(true)
}

/// The budget from the flags; zero of either is refused.
pub(super) fn budget(time_budget_s: u64, candidates_max: usize) -> Result<Budget, BadInput> {
    if time_budget_s == 0 {
        return Err(BadInput("--time-budget-s 0: give the shrink at least a second".into()));
    }
    if candidates_max == 0 {
        return Err(BadInput("--candidates-max 0: give the shrink at least one candidate".into()));
    }
    Ok(Budget { time: Duration::from_secs(time_budget_s), candidates_max })
}

/// Shrinks `run`, writes the result into `out` and prints what was removed; returns the
/// shrunk run's repro line.
pub(super) fn shrink_and_print(run: &RunRequest, jobs: usize, budget: Budget, out: &Path) -> Result<String, BadInput> {
    let request = ShrinkRequest { run: run.clone(), jobs, budget };
    let shrunk = shrink(&request).map_err(|e| match e {
        ShrinkError::Passes(m) => BadInput(format!("{m} (shrink takes a failing run)")),
        ShrinkError::Explicit(m) => BadInput(m),
    })?;
    let written = crate::shrink::write_shrunk(&shrunk, run, out).map_err(BadInput)?;
    print_summary(&shrunk);
    let r = &written.replay.results;
    if Signature::of(r) != Signature::of(&shrunk.shrunk.results) || r.trace_hash != shrunk.shrunk.results.trace_hash {
        eprintln!(
            "warning: the written scenario replayed differently from the shrunk candidate (trace {})",
            r.trace_hash
        );
    }
    println!("scenario: {}", written.scenario.display());
    println!("report: {}", written.report.join(crate::report::INDEX_FILE).display());
    println!("repro: {}", written.repro);
    Ok(written.repro)
}

fn print_summary(s: &Shrunk) {
    let (o, n) = (&s.original, &s.shrunk.results);
    println!("shrunk {} seed {} on {}: still fails [{}]", o.scenario, o.seed, o.engine, Signature::of(n));
    println!(
        "  faults {} → {}, operations {} → {}, simulated seconds {:.1} → {:.1}",
        s.faults.0, s.faults.1, o.ops, n.ops, o.sim_seconds, n.sim_seconds
    );
    let stop = s.exhausted.map_or(String::new(), |b| format!(" ({b} ran out: the smallest found so far)"));
    println!("  {} candidate runs in {:.1} wall s{stop}", s.candidates, s.wall_seconds);
    println!("  shrunk from: {}", o.repro);
}
