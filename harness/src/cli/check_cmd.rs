//! `faultline check FILE... --model M`: the linearizability checker on recorded histories.
//!
//! One line per file (verdict, operations, check time) and a summary line, so a directory of
//! Jepsen histories doubles as a benchmark. Check time covers the checker only (pairing,
//! parsing ops with the model, search, shrinking a failure), not reading the file.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{BadInput, CheckArgs};
use crate::check::linearizability::{self, Budget, LinearizabilityResult};
use crate::check::models::ModelKind;
use crate::history::{EventKind, HistoryFormat};

/// Counts for the summary line.
#[derive(Default)]
struct Tally {
    files: usize,
    valid: usize,
    invalid: usize,
    inconclusive: usize,
    bad: usize,
    ops: usize,
    check_time: Duration,
}

/// Prints a line per file and a summary; `Ok(true)` when every file is linearizable, `Err`
/// (exit 2) when some file is bad input, which wins over a failed check.
pub(super) fn check(args: CheckArgs) -> Result<bool, BadInput> {
    let format = match args.format.as_deref() {
        Some(f) => Some(f.parse::<HistoryFormat>().map_err(|e| BadInput(format!("--format: {e}")))?),
        None => None,
    };
    let files = expand(&args.files)?;
    if let Some(valid) = check_queues(&args.model, &files, format)? {
        return Ok(valid);
    }
    let model: ModelKind = args
        .model
        .parse()
        .map_err(|e| BadInput(format!("--model: {e} (or total-queue, kafka for queue and log histories)")))?;
    let mut tally = Tally::default();
    for path in &files {
        check_one(path, format, model, files.len() == 1, &mut tally);
    }
    println!(
        "summary: {} file(s), {} valid, {} invalid, {} inconclusive, {} bad input; {} ops; check time {:.3} ms",
        tally.files,
        tally.valid,
        tally.invalid,
        tally.inconclusive,
        tally.bad,
        tally.ops,
        tally.check_time.as_secs_f64() * 1e3
    );
    if tally.bad > 0 {
        return Err(BadInput(format!("{} of {} file(s) are not valid histories (see above)", tally.bad, tally.files)));
    }
    Ok(tally.valid == tally.files)
}

/// The queue and log models (`total-queue`, `kafka`), file by file; None for other models.
fn check_queues(model: &str, files: &[PathBuf], format: Option<HistoryFormat>) -> Result<Option<bool>, BadInput> {
    let mut valid = true;
    for path in files {
        match crate::check::queue::cli::check_file(model, path, format) {
            None => return Ok(None),
            Some(outcome) => valid &= outcome.map_err(|e| BadInput(e.to_string()))?,
        }
    }
    Ok(Some(valid))
}

/// Files in argument order; a directory becomes its (non-hidden) files, sorted by name.
fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, BadInput> {
    let mut out = Vec::new();
    for arg in args {
        if !arg.is_dir() {
            out.push(arg.clone());
            continue;
        }
        let unreadable = |e: std::io::Error| BadInput(format!("{}: cannot read directory: {e}", arg.display()));
        let mut files = Vec::new();
        for entry in std::fs::read_dir(arg).map_err(unreadable)? {
            let path = entry.map_err(unreadable)?.path();
            let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
            if path.is_file() && !hidden {
                files.push(path);
            }
        }
        if files.is_empty() {
            return Err(BadInput(format!("{}: directory has no history files", arg.display())));
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Read, check and print one file; bad input is printed to stderr and counted.
fn check_one(path: &Path, format: Option<HistoryFormat>, model: ModelKind, alone: bool, tally: &mut Tally) {
    tally.files += 1;
    let shown = path.display();
    let hf = match linearizability::read_for_model(path, format, model) {
        Ok(hf) => hf,
        Err(e) => return bad_input(&shown.to_string(), &e.to_string(), tally),
    };
    let ops = hf.events.iter().filter(|e| e.kind == EventKind::Invoke).count();
    let start = Instant::now();
    let result = linearizability::check_history_file(model, &hf, Budget::default());
    let took = start.elapsed();
    let verdict = match &result {
        LinearizabilityResult::Linearizable { .. } => "linearizable",
        LinearizabilityResult::NotLinearizable(_) => "NOT linearizable",
        LinearizabilityResult::Inconclusive { .. } => "inconclusive",
        LinearizabilityResult::InvalidInput(e) => return bad_input(&shown.to_string(), &e.to_string(), tally),
    };
    tally.ops += ops;
    tally.check_time += took;
    println!("{shown}\t{verdict}\t{ops} ops\t{:.3} ms", took.as_secs_f64() * 1e3);
    match &result {
        LinearizabilityResult::Linearizable { .. } => tally.valid += 1,
        LinearizabilityResult::NotLinearizable(window) => {
            tally.invalid += 1;
            println!("  {}", window.describe());
            if alone {
                window.ops.iter().for_each(|op| println!("    {}", op.describe()));
            }
        }
        _ => {
            tally.inconclusive += 1;
            println!("  {}", linearizability::to_check_result(&result).detail);
        }
    }
}

fn bad_input(shown: &str, error: &str, tally: &mut Tally) {
    tally.bad += 1;
    println!("{shown}\tbad input");
    eprintln!("error: {error}");
}
