//! Register-like models: `register` (read/write), `cas-register` (+cas) and `kv` (+append, keyed).
use std::sync::Arc;

use serde_json::Value;

use super::{Model, ModelError, Outcome, Side, Val};

/// An operation on one register (or one key of a kv map).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegOp {
    /// Observed this value (`Val::Null`: never written / absent).
    Read(Val),
    /// Set the value.
    Write(Val),
    /// If the value equals the first, set it to the second.
    Cas(Val, Val),
    /// Concatenate a string onto the value (absent counts as "").
    Append(Arc<str>),
}

/// Single register: `read` (invoke null, ok value v; null = never written) and `write v`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Register;

/// Register with `cas [old new]`: ok means it swapped, fail means it did not.
#[derive(Clone, Copy, Debug, Default)]
pub struct CasRegister;

/// Key-value map, one register per key: read / write / cas / append (string concatenation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Kv;

const REGISTER_FS: &[&str] = &["read", "write"];
const CAS_FS: &[&str] = &["read", "write", "cas"];
const KV_FS: &[&str] = &["read", "write", "cas", "append"];

fn parse(
    model: &str,
    allowed: &[&str],
    f: &str,
    input: &Value,
    outcome: Outcome<'_>,
) -> Result<Option<RegOp>, ModelError> {
    if !allowed.contains(&f) {
        let shown: String = f.chars().take(40).collect();
        return Err(ModelError::f(format!(
            "the {model} model has no operation {shown:?}: expected one of {}",
            allowed.join(", ")
        )));
    }
    let op = match f {
        "read" => match outcome {
            Outcome::Ok(v) => RegOp::Read(Val::from_json(v)),
            // A read that failed or whose result is unknown constrains nothing.
            Outcome::Fail | Outcome::Info => return Ok(None),
        },
        "write" => RegOp::Write(Val::from_json(input)),
        "cas" => match input.as_array().map(Vec::as_slice) {
            Some([old, new]) => RegOp::Cas(Val::from_json(old), Val::from_json(new)),
            _ => return Err(ModelError::value(Side::Invoke, format!("cas expects [old new], got {input}"))),
        },
        _ => match input {
            Value::String(s) => RegOp::Append(Arc::from(s.as_str())),
            _ => return Err(ModelError::value(Side::Invoke, format!("append expects a string, got {input}"))),
        },
    };
    // Validated above even when failed, so a malformed failed op is still reported.
    Ok(if matches!(outcome, Outcome::Fail) { None } else { Some(op) })
}

fn step(state: &Val, op: &RegOp) -> Option<Val> {
    match op {
        RegOp::Read(v) => (state == v).then(|| state.clone()),
        RegOp::Write(v) => Some(v.clone()),
        RegOp::Cas(old, new) => (state == old).then(|| new.clone()),
        RegOp::Append(s) => match state {
            Val::Null => Some(Val::Str(s.clone())),
            Val::Str(cur) => Some(Val::Str(Arc::from(format!("{cur}{s}")))),
            // Appending to a non-string cannot have produced any observable state.
            _ => None,
        },
    }
}

macro_rules! register_model {
    ($ty:ty, $name:expr, $fs:expr, $keyed:expr) => {
        impl Model for $ty {
            type State = Val;
            type Op = RegOp;
            fn keyed(&self) -> bool {
                $keyed
            }
            fn init(&self) -> Val {
                Val::Null
            }
            fn parse_op(&self, f: &str, input: &Value, outcome: Outcome<'_>) -> Result<Option<RegOp>, ModelError> {
                parse($name, $fs, f, input, outcome)
            }
            fn step(&self, state: &Val, op: &RegOp) -> Option<Val> {
                step(state, op)
            }
            fn is_read_only(&self, op: &RegOp) -> bool {
                matches!(op, RegOp::Read(_))
            }
            fn state_json(&self, state: &Val) -> Value {
                state.to_json()
            }
            fn state_from_json(&self, v: &Value) -> Option<Val> {
                Some(Val::from_json(v))
            }
        }
    };
}

register_model!(Register, "register", REGISTER_FS, false);
register_model!(CasRegister, "cas-register", CAS_FS, false);
register_model!(Kv, "kv", KV_FS, true);
