//! `faultline check FILE --model M`: the linearizability checker on a recorded history.
use super::{BadInput, CheckArgs};
use crate::check::linearizability::{self, Budget, LinearizabilityResult};
use crate::check::models::ModelKind;
use crate::history::HistoryFormat;

/// Prints the verdict; `Ok(true)` when linearizable, `Err` on bad input (exit 2).
pub(super) fn check(args: CheckArgs) -> Result<bool, BadInput> {
    let format = match args.format.as_deref() {
        Some(f) => Some(f.parse::<HistoryFormat>().map_err(|e| BadInput(format!("--format: {e}")))?),
        None => None,
    };
    if let Some(outcome) = crate::check::queue::cli::check_file(&args.model, &args.file, format) {
        return outcome.map_err(|e| BadInput(e.to_string()));
    }
    let model: ModelKind = args.model.parse().map_err(|e| BadInput(format!("--model: {e}")))?;
    let result = linearizability::check_file(&args.file, format, model, Budget::default())
        .map_err(|e| BadInput(e.to_string()))?;
    let check = linearizability::to_check_result(&result);
    println!("{}: {}", args.file.display(), check.detail);
    match result {
        LinearizabilityResult::Linearizable { .. } => {
            println!("verdict: linearizable");
            Ok(true)
        }
        LinearizabilityResult::NotLinearizable(window) => {
            println!("operations that cannot be ordered:");
            for op in &window.ops {
                println!("  {}", op.describe());
            }
            println!("verdict: NOT linearizable");
            Ok(false)
        }
        LinearizabilityResult::Inconclusive { .. } => {
            println!("verdict: inconclusive (search budget exhausted)");
            Ok(false)
        }
        LinearizabilityResult::InvalidInput(e) => Err(BadInput(e.to_string())),
    }
}
