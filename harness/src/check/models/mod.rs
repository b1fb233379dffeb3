//! Sequential specifications the linearizability checker tests histories against.
//!
//! A model parses each completed operation up front (so malformed ops become input errors with
//! a line number, and the search never touches JSON) and then steps a small hashable state.
#![warn(missing_docs)]
mod follow;
mod kv;
mod register;
mod val;

use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

use serde_json::Value;

pub use follow::{Follow, FollowOp};
pub use kv::{KvState, Text};
pub use register::{CasRegister, Kv, RegOp, Register};
pub use val::Val;

/// How an operation ended, as the model needs to know it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome<'a> {
    /// Completed with this result value.
    Ok(&'a Value),
    /// Definitely did not happen.
    Fail,
    /// Unknown: may take effect at any point after its invoke, or never (also: never completed).
    Info,
}

/// Which event of an operation a `ModelError` is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The invoke event (its `f` or argument value).
    Invoke,
    /// The completion event (its result value).
    Completion,
}

/// An operation the model cannot interpret (unknown `f`, wrongly shaped value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    /// Which event is malformed.
    pub side: Side,
    /// Which field: "f" or "value".
    pub field: &'static str,
    /// What was expected and what was found.
    pub message: String,
}

impl ModelError {
    /// A malformed `value`.
    pub fn value(side: Side, message: impl Into<String>) -> Self {
        Self { side, field: "value", message: message.into() }
    }
    /// An unknown `f`.
    pub fn f(message: impl Into<String>) -> Self {
        Self { side: Side::Invoke, field: "f", message: message.into() }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {}: {}", self.field, self.message)
    }
}

impl std::error::Error for ModelError {}

/// A sequential specification of one object (or of one key of a keyed object).
pub trait Model {
    /// The object's state; hashed and compared for memoisation, so keep it small.
    type State: Clone + Eq + Hash + fmt::Debug;
    /// A parsed operation (argument and, when known, result).
    type Op: Clone + fmt::Debug;

    /// Name shown in reports (`FailingWindow::model`); built-in models use their `--model` name.
    fn name(&self) -> &str {
        "custom"
    }
    /// Whether every op must carry a key (P-compositionality then splits the history on it).
    fn keyed(&self) -> bool;
    /// The state before any operation.
    fn init(&self) -> Self::State;
    /// Parse an op from its `f`, invoke value and outcome. `Ok(None)` means the op can be
    /// dropped: it failed, or it is a read whose result is unknown.
    fn parse_op(&self, f: &str, input: &Value, outcome: Outcome<'_>) -> Result<Option<Self::Op>, ModelError>;
    /// Apply `op` to `state`: the new state, or `None` if the op cannot happen in `state`.
    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;
    /// True for ops that never change the state (reads): safe to drop when shrinking a failure.
    fn is_read_only(&self, op: &Self::Op) -> bool;
    /// A state as JSON, for reports (e.g. the state a failing window starts from).
    fn state_json(&self, state: &Self::State) -> Value;
    /// The inverse of `state_json`; `None` if `v` is not a state of this model.
    fn state_from_json(&self, v: &Value) -> Option<Self::State>;

    /// Parse and apply in one go (convenient in tests; the checker parses once up front).
    fn step_json(
        &self,
        state: &Self::State,
        f: &str,
        input: &Value,
        output: &Value,
    ) -> Result<Option<Self::State>, ModelError> {
        Ok(self.parse_op(f, input, Outcome::Ok(output))?.and_then(|op| self.step(state, &op)))
    }
}

/// The models selectable by name (`--model`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ModelKind {
    /// Single register: read / write.
    Register,
    /// Register with compare-and-set: read / write / cas.
    CasRegister,
    /// Key-value map, keyed: read / write / cas / append per key.
    Kv,
    /// Follow sets keyed by followee: follow / unfollow / is_following / followers / follower_count.
    Follow,
}

impl ModelKind {
    /// Every model, in a stable order.
    pub const ALL: [ModelKind; 4] = [ModelKind::Register, ModelKind::CasRegister, ModelKind::Kv, ModelKind::Follow];

    /// The name accepted by `FromStr`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Register => "register",
            ModelKind::CasRegister => "cas-register",
            ModelKind::Kv => "kv",
            ModelKind::Follow => "follow",
        }
    }

    /// Whether ops need a key (Jepsen's `[k v]` values are split into key and value for these).
    pub fn keyed(self) -> bool {
        matches!(self, ModelKind::Kv | ModelKind::Follow)
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ModelKind::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            format!("unknown model {s:?}: expected \"register\", \"cas-register\", \"kv\" or \"follow\"")
        })
    }
}

#[cfg(test)]
mod tests;
