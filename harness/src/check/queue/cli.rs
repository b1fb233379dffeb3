//! `faultline check FILE --model total-queue|kafka`: read, judge and print; the CLI only
//! routes here.
use std::path::Path;

use super::{kafka, total_queue};
use crate::history::{read_history_file, HistoryFormat, InputError};

/// Run the check if `model` is one of ours: `None` if not, `Some(Ok(valid))` after printing
/// the verdict, `Some(Err)` for bad input (exit 2).
pub fn check_file(model: &str, path: &Path, format: Option<HistoryFormat>) -> Option<Result<bool, InputError>> {
    match model {
        total_queue::TOTAL_QUEUE => Some(read_history_file(path, format).and_then(|hf| {
            let check = total_queue::to_check_result(&total_queue::count_queue(&hf)?);
            println!("{}: {}", hf.file, check.detail);
            Ok(verdict(check.ok))
        })),
        kafka::KAFKA => Some(read_history_file(path, format).and_then(|hf| {
            let report = kafka::analyze(&hf)?;
            let check = kafka::to_check_result(kafka::KAFKA, &hf, &report);
            let summary = check.detail.split("; ").take(2).collect::<Vec<_>>().join("; ");
            println!("{}: {summary}", hf.file);
            for line in kafka::anomaly_lines(&hf, &report) {
                println!("  {line}");
            }
            Ok(verdict(check.ok))
        })),
        _ => None,
    }
}

fn verdict(ok: bool) -> bool {
    println!("verdict: {}", if ok { "valid" } else { "NOT valid" });
    ok
}
