use super::{BadInput, CheckArgs};
use crate::check::linearizability::{self, Budget, LinearizabilityResult};
use crate::check::models::ModelKind;
use crate::history::{load_history, HistoryFormat};

pub(super) fn check(args: CheckArgs) -> Result<bool, BadInput> {
    let model: ModelKind = args.model.parse().map_err(|e| BadInput(format!("--model: {e}")))?;
    let format = match args.format.as_deref() {
        Some(f) => f.parse::<HistoryFormat>().map_err(|e| BadInput(format!("--format: {e}")))?,
        None => HistoryFormat::from_path(&args.file),
    };
    let history = load_history(&args.file, format, model).map_err(|e| BadInput(e.to_string()))?;
    let result = linearizability::check_history(model, &history, Budget::default());
    let check = linearizability::to_check_result(&result);
    println!("{}: {}", args.file.display(), check.detail);
    match result {
        LinearizabilityResult::Linearizable => {
            println!("verdict: linearizable");
            Ok(true)
        }
        LinearizabilityResult::NotLinearizable { .. } => {
            println!("verdict: NOT linearizable");
            Ok(false)
        }
        LinearizabilityResult::Inconclusive { .. } => {
            println!("verdict: inconclusive (search budget exhausted)");
            Ok(false)
        }
    }
}
