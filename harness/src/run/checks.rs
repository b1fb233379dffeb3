//! Turning a finished world into checks and results: every system judges the recorded run.
use super::results::{repro_line, LatencySummary, Results};
use super::{RunOutcome, RunRequest};
use crate::check::workload::{self, Expect, WorkloadInput};
use crate::check::{nearest_rank, CheckResult};
use crate::history::{Event, EventKind};
use crate::nemesis;
use crate::report;
use crate::system::RecordedRun;
use crate::world::World;
use std::collections::BTreeMap;

/// Runs every system's checks over what the world recorded and assembles the outcome.
pub fn assemble(
    request: &RunRequest,
    world: &World,
    bugs: Vec<String>,
    failure: Option<(String, String)>,
    wall_seconds: f64,
) -> RunOutcome {
    let scenario = &request.scenario;
    world.with(|w| {
        let history = std::mem::take(&mut w.history);
        let faults = std::mem::take(&mut w.faults);
        let records = std::mem::take(&mut w.records);
        let mut checks: Vec<CheckResult> = Vec::new();
        if let Some((name, message)) = &failure {
            checks.push(CheckResult::fail(name, message.clone()));
        }
        let run = RecordedRun {
            scenario,
            history: &history,
            faults: &faults,
            records: &records,
            last_heal_us: faults.iter().filter_map(|f| f.end_us).max(),
            died: failure.is_some(),
        };
        let mut extras = BTreeMap::new();
        let mut sections = Vec::new();
        for system in &scenario.systems.list {
            let verdict = crate::engine::profile::time(crate::engine::profile::Part::Checks, || system.check(&run));
            checks.extend(verdict.checks);
            extras.extend(verdict.results);
            sections.extend(verdict.sections);
        }
        checks.push(workload_check(request, &run));
        let ok = checks.iter().all(|c| c.ok);
        let results = Results {
            scenario: scenario.name.clone(),
            seed: request.seed,
            engine: request.engine.name().to_string(),
            verdict: if ok { "pass" } else { "fail" }.to_string(),
            trace_hash: w.trace.hex(),
            sim_seconds: scenario.end_us() as f64 / 1e6,
            wall_seconds,
            ops: history.iter().filter(|e| e.kind == EventKind::Invoke).count() as u64,
            checks,
            repro: repro_line(&request.scenario_arg, request.seed, request.engine, &bugs),
            bugs,
            faults: faults.len(),
            shrunk_from: Some(scenario.shrunk_from.clone()).filter(|s| !s.is_empty()),
            latency: latency_summary(&history),
            stats: serde_json::to_value(&w.stats).unwrap_or_default(),
            extras,
        };
        RunOutcome { results, history, faults, sections }
    })
}

/// The core's `workload` check: the run did work and injected the faults planned for its seed.
fn workload_check(request: &RunRequest, run: &RecordedRun<'_>) -> CheckResult {
    let scenario = &request.scenario;
    let c = &scenario.checks;
    workload::check(&WorkloadInput {
        systems: scenario.systems.list.iter().map(|s| (s.name(), s.workload_ops())).collect(),
        history: run.history,
        planned_kinds: nemesis::plan(scenario, request.seed).iter().map(|f| f.kind.name().to_string()).collect(),
        faults: run.faults,
        expect: Expect { no_writes: c.expect_no_writes, no_reads: c.expect_no_reads, no_faults: c.expect_no_faults },
        died: run.died,
    })
}

fn latency_summary(history: &[Event]) -> LatencySummary {
    let mut ms: Vec<f64> = report::latencies(history)
        .iter()
        .filter(|o| o.kind == EventKind::Ok)
        .map(|o| o.latency_us as f64 / 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| nearest_rank(&ms, p).unwrap_or(0.0);
    LatencySummary { p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99), ms_max: q(1.0) }
}
