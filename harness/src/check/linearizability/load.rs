//! Model-aware loading of history files (Jepsen `independent` tuples, up-front validation).
use std::path::Path;

use serde_json::Value;

use super::{check_history_file, prepare::prepare, Budget, LinearizabilityResult, Source};
use crate::check::models::{CasRegister, Follow, Kv, ModelKind, Register};
use crate::history::{read_history_file, Event, HistoryFile, HistoryFormat, InputError};

/// Read a history for `model` (format guessed from the extension when `None`) and validate
/// every op against it, so a bad op is reported with its file, line and field.
///
/// For keyed models, ops without a key whose value is a pair `[k v]` (Jepsen's `independent`
/// histories) become key `k`, value `v`. Independent cas-register histories: use `kv`.
pub fn load_history(
    path: impl AsRef<Path>,
    format: Option<HistoryFormat>,
    model: ModelKind,
) -> Result<HistoryFile, InputError> {
    let hf = read_for_model(path.as_ref(), format, model)?;
    let src = Source { file: &hf.file, events: &hf.events, lines: Some(&hf.lines) };
    match model {
        ModelKind::Register => prepare(&Register, &src).map(drop),
        ModelKind::CasRegister => prepare(&CasRegister, &src).map(drop),
        ModelKind::Kv => prepare(&Kv, &src).map(drop),
        ModelKind::Follow => prepare(&Follow, &src).map(drop),
    }?;
    Ok(hf)
}

/// Read and check a history file in one go (what `faultline check FILE --model M` needs):
/// `Err` for bad input (exit 2), otherwise the verdict.
pub fn check_file(
    path: impl AsRef<Path>,
    format: Option<HistoryFormat>,
    model: ModelKind,
    budget: Budget,
) -> Result<LinearizabilityResult, InputError> {
    let hf = read_for_model(path.as_ref(), format, model)?;
    match check_history_file(model, &hf, budget) {
        LinearizabilityResult::InvalidInput(e) => Err(e),
        r => Ok(r),
    }
}

/// Read a history for `model` without validating its ops (the check does that).
pub(crate) fn read_for_model(
    path: &Path,
    format: Option<HistoryFormat>,
    model: ModelKind,
) -> Result<HistoryFile, InputError> {
    let mut hf = read_history_file(path, format)?;
    if model.keyed() {
        hf.events.iter_mut().for_each(split_independent);
    }
    Ok(hf)
}

/// Jepsen's `independent` wraps every value as `[key value]`; unwrap when no key is given.
pub(crate) fn split_independent(ev: &mut Event) {
    if ev.key.is_some() {
        return;
    }
    if let Value::Array(xs) = &mut ev.value {
        if xs.len() == 2 {
            let v = xs.pop().unwrap_or(Value::Null);
            let k = xs.pop().unwrap_or(Value::Null);
            ev.key = Some(k);
            ev.value = v;
        }
    }
}
