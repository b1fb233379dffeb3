use super::{prepare, BadInput, RunArgs};
use crate::run::{run as run_once, RunOutcome, RunRequest};
use std::path::{Path, PathBuf};

pub(super) fn run(args: RunArgs) -> Result<bool, BadInput> {
    let (scenario, engine) = prepare(&args.scenario, args.engine.as_deref(), &args.bugs)?;
    let request =
        RunRequest { scenario_arg: args.scenario.clone(), scenario, seed: args.seed, engine, bugs: args.bugs };
    if let Some(path) = &args.explain_to {
        write_explicit(&request, path)?;
    }
    let outcome = run_once(&request);
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("{}-seed{}-{}", request.scenario.name, request.seed, engine))
    });
    print_outcome(&outcome);
    match write_run_report(&out, &outcome) {
        Ok(()) => println!("report: {}", out.join("index.html").display()),
        Err(e) => eprintln!("warning: could not write the report to {}: {e}", out.display()),
    }
    Ok(outcome.results.passed())
}

/// Prints the checks, the verdict and (on failure) the repro line.
pub(super) fn print_outcome(outcome: &RunOutcome) {
    let r = &outcome.results;
    println!(
        "{} seed {} on {}: {} ops, {} faults, {:.1} simulated s in {:.2} wall s",
        r.scenario, r.seed, r.engine, r.ops, r.faults, r.sim_seconds, r.wall_seconds
    );
    for c in &r.checks {
        println!("  {} {:<28} {}", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail);
    }
    println!("verdict: {}   trace_hash: {}", r.verdict.to_uppercase(), r.trace_hash);
    if !r.passed() {
        println!("repro: {}", r.repro);
    }
}

/// Writes results.json and the full report into `dir`.
pub(super) fn write_run_report(dir: &Path, outcome: &RunOutcome) -> std::io::Result<()> {
    outcome.report_to(dir)
}

/// Writes the run's explicit form (`--explain-to`): every fault scheduled, generation off.
fn write_explicit(request: &RunRequest, path: &Path) -> Result<(), BadInput> {
    let document =
        crate::shrink::explicit_document(&request.scenario, request.seed, request.engine, &request.all_bugs())
            .map_err(BadInput)?;
    let text = crate::shrink::document_text(&document).map_err(BadInput)?;
    let header = format!(
        "# The explicit form of: {}\n",
        crate::run::repro_line(&request.scenario_arg, request.seed, request.engine, &request.bugs)
    );
    crate::atomic_file::write(path, format!("{header}{text}").as_bytes())
        .map_err(|e| BadInput(format!("--explain-to {}: cannot write: {e}", path.display())))?;
    println!("explicit form: {}", path.display());
    Ok(())
}
