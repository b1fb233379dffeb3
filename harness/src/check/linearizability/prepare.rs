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

/// Pair, parse and partition; errors name the event's line and field.
pub(crate) fn prepare<M: Model>(
    model: &M,
    model_name: &str,
    hf: &Source<'_>,
) -> Result<Vec<Partition<M::Op>>, InputError> {
    let file = hf.file;
    let err = |pos: usize, field: &str, msg: String| InputError::at_field(file, hf.line_of(pos), field, msg);
    // Outstanding invoke per process. BTreeMap so leftover pending ops are visited in a fixed order.
    let mut pending: BTreeMap<u64, usize> = BTreeMap::new();
    let mut parts: BTreeMap<Option<Val>, Partition<M::Op>> = BTreeMap::new();

    let add = |inv: usize,
               comp: Option<usize>,
               parts: &mut BTreeMap<Option<Val>, Partition<M::Op>>|
     -> Result<(), InputError> {
        let ie = &hf.events[inv];
        let ce = comp.map(|c| &hf.events[c]);
        let outcome = match ce {
            Some(c) if c.kind == EventKind::Ok => Outcome::Ok(&c.value),
            Some(c) if c.kind == EventKind::Fail => Outcome::Fail,
            _ => Outcome::Info,
        };
        let key = match (&ie.key, ce.and_then(|c| c.key.as_ref())) {
            (Some(a), Some(b)) if Val::from_json(a) != Val::from_json(b) => {
                return Err(err(comp.unwrap_or(inv), "key", format!("completion key {b} differs from invoke key {a}")))
            }
            (Some(a), _) => Some(a.clone()),
            (None, b) => b.cloned(),
        };
        let parsed = model.parse_op(&ie.f, &ie.value, outcome).map_err(|e| {
            let at = match e.side {
                Side::Invoke => inv,
                Side::Completion => comp.unwrap_or(inv),
            };
            err(at, e.field, e.message)
        })?;
        if key.is_none() && model.keyed() {
            return Err(err(
                inv,
                "key",
                format!(
                    "the {model_name} model needs a key on every op (a key field, or Jepsen's independent [k v] value)"
                ),
            ));
        }
        let Some(op) = parsed else { return Ok(()) };
        let ret = match outcome {
            Outcome::Ok(_) => comp,
            _ => None,
        };
        let canon = key.as_ref().map(Val::from_json);
        parts.entry(canon).or_insert_with(|| Partition { key, ops: Vec::new() }).ops.push(PrepOp {
            op,
            call: inv,
            ret,
            complete: comp,
        });
        Ok(())
    };

    for (pos, ev) in hf.events.iter().enumerate() {
        match ev.kind {
            EventKind::Invoke => {
                if let Some(&prev) = pending.get(&ev.process) {
                    return Err(err(
                        pos,
                        "process",
                        format!(
                            "process {} invoked a new op before its op on line {} completed",
                            ev.process,
                            hf.line_of(prev)
                        ),
                    ));
                }
                pending.insert(ev.process, pos);
            }
            _ => {
                let Some(inv) = pending.remove(&ev.process) else {
                    return Err(err(
                        pos,
                        "process",
                        format!("completion for process {} with no pending invoke", ev.process),
                    ));
                };
                if hf.events[inv].f != ev.f {
                    return Err(err(
                        pos,
                        "f",
                        format!("completion f {:?} does not match its invoke's f {:?}", ev.f, hf.events[inv].f),
                    ));
                }
                add(inv, Some(pos), &mut parts)?;
            }
        }
    }
    // Ops still pending at the end behave like info: they may or may not have happened.
    let mut left: Vec<usize> = pending.into_values().collect();
    left.sort_unstable();
    for inv in left {
        add(inv, None, &mut parts)?;
    }
    let mut out: Vec<Partition<M::Op>> = parts.into_values().collect();
    for p in &mut out {
        p.ops.sort_by_key(|o| o.call);
    }
    Ok(out)
}
