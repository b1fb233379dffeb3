//! `results.json`: the contract other tools read (see DESIGN.md, "Contracts").
use crate::check::CheckResult;
use crate::engine::EngineKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Latency summary of completed operations, milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub ms_max: f64,
}

/// The results of one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    /// Scenario name.
    pub scenario: String,
    /// Run seed.
    pub seed: u64,
    /// Engine name.
    pub engine: String,
    /// "pass" or "fail".
    pub verdict: String,
    /// Hex SHA-256 of the ordered event trace; equal for equal seed, scenario, engine, flags.
    pub trace_hash: String,
    /// Simulated seconds the run covered.
    pub sim_seconds: f64,
    /// Wall-clock seconds it took (not part of the trace).
    pub wall_seconds: f64,
    /// Client operations (invocations).
    pub ops: u64,
    /// Every checker's outcome.
    pub checks: Vec<CheckResult>,
    /// The command that replays this run exactly.
    pub repro: String,
    /// Planted bugs that were on.
    pub bugs: Vec<String>,
    /// Faults injected.
    pub faults: usize,
    /// The repro line of the run this one was shrunk from (`faultline shrink`), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrunk_from: Option<String>,
    /// Operation latency summary (ok operations).
    pub latency: LatencySummary,
    /// Harness counters.
    pub stats: serde_json::Value,
    /// What each system adds: the keys tools already read at the top level
    /// (`recovery_seconds`, `convergence_seconds`, `staleness`) and the rest under the
    /// system's own name.
    #[serde(flatten)]
    pub extras: BTreeMap<String, serde_json::Value>,
}

impl Results {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.verdict == "pass"
    }

    /// A number a system added (e.g. `convergence_seconds`), if present and not null.
    pub fn extra_f64(&self, key: &str) -> Option<f64> {
        self.extras.get(key).and_then(serde_json::Value::as_f64)
    }

    /// The names of the checks that failed, in order: the failure's signature.
    pub fn failed_checks(&self) -> Vec<&str> {
        self.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect()
    }
}

/// The one line a user pastes to replay a run bit for bit.
pub fn repro_line(scenario_arg: &str, seed: u64, engine: EngineKind, bugs: &[String]) -> String {
    let mut line = format!("cargo run --release -- run {scenario_arg} --seed {seed} --engine {engine}");
    for bug in bugs {
        line.push_str(" --bug ");
        line.push_str(bug);
    }
    line
}
