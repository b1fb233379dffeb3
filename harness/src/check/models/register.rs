//! Register-like models: `register` (read/write), `cas-register` (+cas) and `kv` (+append, keyed).
use std::sync::Arc;

use serde_json::Value;

use super::kv::KvState;
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
///
/// Porcupine's and Jepsen's kv names `get` (= read) and `put` (= write) are accepted too, and,
/// as in their kv model (every key starts as ""), an absent key and the empty string are one
/// value: a read of "" matches a key never written, and appending "" changes nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Kv;

const REGISTER_FS: &[&str] = &["read", "write"];
const CAS_FS: &[&str] = &["read", "write", "cas"];
const KV_FS: &[&str] = &["read", "write", "cas", "append", "get", "put"];

/// What distinguishes the register-like models from each other.
struct Spec {
    name: &'static str,
    allowed: &'static [&'static str],
    keyed: bool,
    /// The empty string is the absent value (kv).
    empty_is_absent: bool,
}

const REGISTER: Spec = Spec { name: "register", allowed: REGISTER_FS, keyed: false, empty_is_absent: false };
const CAS_REGISTER: Spec = Spec { name: "cas-register", allowed: CAS_FS, keyed: false, empty_is_absent: false };
const KV: Spec = Spec { name: "kv", allowed: KV_FS, keyed: true, empty_is_absent: true };

impl Spec {
    fn val(&self, v: &Value) -> Val {
        match v {
            Value::String(s) if s.is_empty() && self.empty_is_absent => Val::Null,
            _ => Val::from_json(v),
        }
    }
}

fn parse(spec: &Spec, f: &str, input: &Value, outcome: Outcome<'_>) -> Result<Option<RegOp>, ModelError> {
    let (model, allowed) = (spec.name, spec.allowed);
    if !allowed.contains(&f) {
        let shown: String = f.chars().take(40).collect();
        return Err(ModelError::f(format!(
            "the {model} model has no operation {shown:?}: expected one of {}",
            allowed.join(", ")
        )));
    }
    let op = match f {
        "read" | "get" => match outcome {
            Outcome::Ok(v) => RegOp::Read(spec.val(v)),
            // A read that failed or whose result is unknown constrains nothing.
            Outcome::Fail | Outcome::Info => return Ok(None),
        },
        "write" | "put" => RegOp::Write(spec.val(input)),
        "cas" => match input.as_array().map(Vec::as_slice) {
            Some([old, new]) => RegOp::Cas(spec.val(old), spec.val(new)),
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
        RegOp::Append(s) if s.is_empty() => matches!(state, Val::Null | Val::Str(_)).then(|| state.clone()),
        RegOp::Append(s) => match state {
            Val::Null => Some(Val::Str(s.clone())),
            Val::Str(cur) => Some(Val::Str(Arc::from(format!("{cur}{s}")))),
            // Appending to a non-string cannot have produced any observable state.
            _ => None,
        },
    }
}

macro_rules! register_model {
    ($ty:ty, $spec:expr) => {
        impl Model for $ty {
            type State = Val;
            type Op = RegOp;
            fn name(&self) -> &str {
                $spec.name
            }
            fn keyed(&self) -> bool {
                $spec.keyed
            }
            fn init(&self) -> Val {
                Val::Null
            }
            fn parse_op(&self, f: &str, input: &Value, outcome: Outcome<'_>) -> Result<Option<RegOp>, ModelError> {
                parse(&$spec, f, input, outcome)
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

register_model!(Register, REGISTER);
register_model!(CasRegister, CAS_REGISTER);

impl Model for Kv {
    type State = KvState;
    type Op = RegOp;
    fn name(&self) -> &str {
        KV.name
    }
    fn keyed(&self) -> bool {
        KV.keyed
    }
    fn init(&self) -> KvState {
        KvState::Other(Val::Null)
    }
    fn parse_op(&self, f: &str, input: &Value, outcome: Outcome<'_>) -> Result<Option<RegOp>, ModelError> {
        parse(&KV, f, input, outcome)
    }
    fn step(&self, state: &KvState, op: &RegOp) -> Option<KvState> {
        // `step` on strings, without building them (see `KvState`).
        match op {
            RegOp::Read(v) => state.is(v).then(|| state.clone()),
            RegOp::Write(v) => Some(KvState::from_val(v)),
            RegOp::Cas(old, new) => state.is(old).then(|| KvState::from_val(new)),
            RegOp::Append(s) => state.append(s),
        }
    }
    fn is_read_only(&self, op: &RegOp) -> bool {
        matches!(op, RegOp::Read(_))
    }
    fn state_json(&self, state: &KvState) -> Value {
        state.to_val().to_json()
    }
    fn state_from_json(&self, v: &Value) -> Option<KvState> {
        Some(KvState::from_val(&KV.val(v)))
    }
}
