//! Generic checkers, shared by the systems under test: linearizability and its models, Raft
//! safety from node observations, acknowledged writes, liveness. Each turns a recorded run (or
//! part of one) into a `CheckResult`; a system's own checks live in its folder under `systems/`.
pub mod acked_writes;
pub mod catch_up;
pub mod linearizability;
pub mod liveness;
pub mod models;
pub mod queue;
pub mod raft_leadership;
pub mod raft_safety;
pub mod workload;

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

    /// Passes with `pass` if there are no `problems`, else fails listing the first
    /// `PROBLEMS_SHOWN_MAX` of them and how many more there were.
    pub fn from_problems(name: &str, problems: Vec<String>, pass: String) -> Self {
        if problems.is_empty() {
            return Self::pass(name, pass);
        }
        let more = problems.len().saturating_sub(PROBLEMS_SHOWN_MAX);
        let mut detail = problems.into_iter().take(PROBLEMS_SHOWN_MAX).collect::<Vec<_>>().join("; ");
        if more > 0 {
            detail.push_str(&format!("; and {more} more"));
        }
        Self::fail(name, detail)
    }
}

/// Problems a failing check lists in its detail before "and N more".
pub const PROBLEMS_SHOWN_MAX: usize = 3;

/// The nearest-rank `p`-quantile (0..=1) of an ascending slice; `None` if it is empty.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get(((last as f64) * p).round() as usize).copied()
}
