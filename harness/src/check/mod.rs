//! Checkers: each turns a history (and observer samples) into a `CheckResult`.
pub mod acked_writes;
pub mod crdt;
pub mod linearizability;
pub mod liveness;
pub mod logsync;
pub mod models;
pub mod raft_safety;

use serde::{Deserialize, Serialize};

/// The outcome of one checker, as written to `results.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable checker name, e.g. "linearizability".
    pub name: String,
    /// Whether the property held.
    pub ok: bool,
    /// One line (or a few) a human reads: what was checked, or what broke and where.
    pub detail: String,
}

impl CheckResult {
    /// A passing result.
    pub fn pass(name: &str, detail: impl Into<String>) -> Self {
        Self { name: name.to_string(), ok: true, detail: detail.into() }
    }
    /// A failing result.
    pub fn fail(name: &str, detail: impl Into<String>) -> Self {
        Self { name: name.to_string(), ok: false, detail: detail.into() }
    }
}
