//! `results.json`: the contract other tools read (see DESIGN.md, "Contracts").
use crate::check::CheckResult;
use crate::engine::EngineKind;
use serde::{Deserialize, Serialize};

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
    pub max_ms: f64,
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
    /// Seconds from the last heal until a write committed, if measured.
    pub recovery_seconds: Option<f64>,
    /// Seconds from the heal until every CRDT replica held equal state (null without CRDT
    /// replicas or if they never converged).
    #[serde(default)]
    pub convergence_seconds: Option<f64>,
    /// Staleness of LogSync replica reads (null without LogSync replicas).
    #[serde(default)]
    pub staleness: Option<crate::check::logsync::StalenessSummary>,
    /// Operation latency summary (ok operations).
    pub latency: LatencySummary,
    /// Harness counters.
    pub stats: serde_json::Value,
}

impl Results {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.verdict == "pass"
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
