//! Turn events into operations: pair invokes with completions, apply the fail/info rules,
//! parse each op with the model, and split by key (P-compositionality).
use std::collections::BTreeMap;

use serde_json::Value;

use super::Source;
use crate::check::models::{Model, Outcome, Side, Val};
use crate::history::{EventKind, InputError};

/// One operation ready for the search; times are event positions in the history.
#[derive(Clone, Debug)]
pub(crate) struct PrepOp<O> {
    /// The model's parsed op.
    pub op: O,
    /// Position of the invoke event.
    pub call: usize,
    /// Position of the `ok` completion; `None` means it may take effect any time after `call`,
    /// or never (an `info` op, or one still pending when the history ends).
    pub ret: Option<usize>,
    /// Position of the completion event of any kind (for display), if there was one.
    pub complete: Option<usize>,
}

/// The ops of one key, sorted by invoke position.
#[derive(Clone, Debug)]
pub(crate) struct Partition<O> {
    /// The key (`None` for single-object histories).
    pub key: Option<Value>,
    /// Ops on this key.
    pub ops: Vec<PrepOp<O>>,
}

/// Ops parsed so far, by canonical key.
type Parts<O> = BTreeMap<Option<Val>, Partition<O>>;

/// Pair, parse and partition; errors name the event's line and field.
pub(crate) fn prepare<M: Model>(model: &M, hf: &Source<'_>) -> Result<Vec<Partition<M::Op>>, InputError> {
    // Outstanding invoke per process. BTreeMap so leftover pending ops are visited in a fixed order.
    let mut pending: BTreeMap<u64, usize> = BTreeMap::new();
    let mut parts: Parts<M::Op> = BTreeMap::new();
    for (pos, ev) in hf.events.iter().enumerate() {
        if ev.kind == EventKind::Invoke {
            if let Some(&prev) = pending.get(&ev.process) {
                let msg = format!(
                    "process {} invoked a new op before its op on line {} completed",
                    ev.process,
                    hf.line_of(prev)
                );
                return Err(err(hf, pos, "process", msg));
            }
            pending.insert(ev.process, pos);
            continue;
        }
        let Some(inv) = pending.remove(&ev.process) else {
            return Err(err(
                hf,
                pos,
                "process",
                format!("completion for process {} with no pending invoke", ev.process),
            ));
        };
        if hf.events[inv].f != ev.f {
            let msg = format!("completion f {:?} does not match its invoke's f {:?}", ev.f, hf.events[inv].f);
            return Err(err(hf, pos, "f", msg));
        }
        add(model, hf, inv, Some(pos), &mut parts)?;
    }
    // Ops still pending at the end behave like info: they may or may not have happened.
    let mut left: Vec<usize> = pending.into_values().collect();
    left.sort_unstable();
    for inv in left {
        add(model, hf, inv, None, &mut parts)?;
    }
    let mut out: Vec<Partition<M::Op>> = parts.into_values().collect();
    for p in &mut out {
        p.ops.sort_by_key(|o| o.call);
    }
    Ok(out)
}

fn err(hf: &Source<'_>, pos: usize, field: &str, msg: String) -> InputError {
    InputError::at_field(hf.file, hf.line_of(pos), field, msg)
}

/// Parse the op invoked at `inv` (completed at `comp`, if it did) and file it under its key.
fn add<M: Model>(
    model: &M,
    hf: &Source<'_>,
    inv: usize,
    comp: Option<usize>,
    parts: &mut Parts<M::Op>,
) -> Result<(), InputError> {
    let ie = &hf.events[inv];
    let ce = comp.map(|c| &hf.events[c]);
    let outcome = match ce {
        Some(c) if c.kind == EventKind::Ok => Outcome::Ok(&c.value),
        Some(c) if c.kind == EventKind::Fail => Outcome::Fail,
        _ => Outcome::Info,
    };
    let key = op_key(hf, inv, comp)?;
    let parsed = model.parse_op(&ie.f, &ie.value, outcome).map_err(|e| {
        let at = match e.side {
            Side::Invoke => inv,
            Side::Completion => comp.unwrap_or(inv),
        };
        err(hf, at, e.field, e.message)
    })?;
    if key.is_none() && model.keyed() {
        let msg = format!(
            "the {} model needs a key on every op (a key field, or Jepsen's independent [k v] value)",
            model.name()
        );
        return Err(err(hf, inv, "key", msg));
    }
    let Some(op) = parsed else { return Ok(()) };
    let ret = match outcome {
        Outcome::Ok(_) => comp,
        _ => None,
    };
    let canon = key.as_ref().map(Val::from_json);
    let part = parts.entry(canon).or_insert_with(|| Partition { key, ops: Vec::new() });
    part.ops.push(PrepOp { op, call: inv, ret, complete: comp });
    Ok(())
}

/// The op's key: the invoke's, else the completion's; both given must agree.
fn op_key(hf: &Source<'_>, inv: usize, comp: Option<usize>) -> Result<Option<Value>, InputError> {
    let ce = comp.map(|c| &hf.events[c]);
    match (&hf.events[inv].key, ce.and_then(|c| c.key.as_ref())) {
        (Some(a), Some(b)) if Val::from_json(a) != Val::from_json(b) => {
            Err(err(hf, comp.unwrap_or(inv), "key", format!("completion key {b} differs from invoke key {a}")))
        }
        (Some(a), _) => Ok(Some(a.clone())),
        (None, b) => Ok(b.cloned()),
    }
}
