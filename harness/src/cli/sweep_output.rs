//! What a sweep and a merge both hand back: failures with repro lines on stdout, `sweep.json`
//! and `index.html` in the output directory, JUnit on request and, under GitHub Actions, the
//! failures' repro lines in the job's step summary.
use super::BadInput;
use crate::report::sweep::{junit_xml, step_summary_markdown, write_sweep_files};
use crate::run::SweepSummary;
use std::io::Write;
use std::path::Path;

/// Writes and prints `summary`; `Ok(true)` when no seed failed.
pub(super) fn publish(summary: &SweepSummary, out: &Path, junit: Option<&Path>) -> Result<bool, BadInput> {
    for r in summary.runs.iter().filter(|r| !r.passed()) {
        println!("FAIL seed {} ({})", r.seed, r.signature());
        println!("repro: {}", r.repro);
    }
    write_sweep_files(out, summary).map_err(|e| BadInput(format!("--out {}: cannot write: {e}", out.display())))?;
    println!("{}", summary.headline());
    println!("sweep: {}", out.join(crate::report::INDEX_FILE).display());
    if let Some(path) = junit {
        crate::atomic_file::write(path, junit_xml(summary).as_bytes())
            .map_err(|e| BadInput(format!("--junit {}: cannot write: {e}", path.display())))?;
    }
    if summary.failed > 0 {
        append_step_summary(summary);
    }
    Ok(summary.failed == 0)
}

/// Appends to `$GITHUB_STEP_SUMMARY` when set; a failure to do so only warns (the verdict stands).
fn append_step_summary(summary: &SweepSummary) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else { return };
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(step_summary_markdown(summary).as_bytes()));
    if let Err(e) = appended {
        eprintln!("warning: GITHUB_STEP_SUMMARY={}: {e}", Path::new(&path).display());
    }
}

/// `sweep --shrink`: the first failing seed of each distinct signature, shrunk into
/// `out/shrink-seed-N/`, its shrunk repro line printed beside the original one.
pub(super) fn shrink_failures(
    request: &crate::run::SweepRequest,
    outcome: &crate::run::SweepOutcome,
    out: &Path,
    budget: crate::shrink::Budget,
) {
    let mut seen = std::collections::BTreeSet::new();
    let mut lines = Vec::new();
    for r in outcome.failures() {
        let signature = crate::shrink::Signature::of(r);
        if !seen.insert(signature.clone()) {
            continue;
        }
        let dir = out.join(format!("shrink-seed-{}", r.seed));
        match super::shrink_cmd::shrink_and_print(&request.run_request(r.seed), request.jobs, budget, &dir) {
            Ok(shrunk) => lines.push((r.seed, signature, r.repro.clone(), shrunk)),
            Err(super::BadInput(e)) => eprintln!("warning: seed {} could not be shrunk: {e}", r.seed),
        }
    }
    for (seed, signature, original, shrunk) in lines {
        println!("FAIL seed {seed} ({signature})");
        println!("  repro:  {original}");
        println!("  shrunk: {shrunk}");
    }
}
