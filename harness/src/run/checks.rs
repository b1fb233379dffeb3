//! Turning a finished world into checks and results.
use super::results::{repro_line, LatencySummary, Results};
use super::{RunOutcome, RunRequest};
use crate::check::acked_writes::check_acked_writes;
use crate::check::crdt;
use crate::check::linearizability::{self, Budget, LinearizabilityResult};
use crate::check::liveness::check_liveness;
use crate::check::logsync;
use crate::check::models::ModelKind;
use crate::check::{nearest_rank, CheckResult};
use crate::history::{Event, EventKind};
use crate::report::{self, Divergence, StalenessPoints};
use crate::workload::raft_events;
use crate::world::World;

/// Runs every checker over what the world recorded and assembles the outcome.
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
        let mut checks: Vec<CheckResult> = Vec::new();
        let mut extra_html = Vec::new();
        if let Some((name, message)) = &failure {
            checks.push(CheckResult::fail(name, message.clone()));
        }
        let end_us = scenario.end_us();
        let last_heal_us = faults.iter().filter_map(|f| f.end_us).max();
        if scenario.relations.nodes > 0 {
            let raft_history = raft_events(&history);
            let budget = Budget::steps(scenario.checks.linearizability_budget);
            let lin = linearizability::check_history(ModelKind::Follow, &raft_history, budget);
            if let LinearizabilityResult::NotLinearizable(window) = &lin {
                extra_html.push((
                    "Operations that cannot be linearized".to_string(),
                    linearizability::render_timeline_html(window),
                ));
            }
            checks.push(linearizability::to_check_result(&lin));
            checks.extend(w.observer.result());
            checks.push(check_acked_writes(&w.acked_writes, &w.observer));
            let bound_us = crate::scenario::secs_to_us(scenario.checks.liveness_bound_s);
            // A run that died early has nothing to say about liveness beyond its failure.
            if failure.is_none() {
                checks.push(check_liveness(last_heal_us, end_us, bound_us, &w.observer, &raft_history));
            }
        }
        let mut convergence_seconds = None;
        let mut divergence = None;
        if scenario.crdt.replicas > 0 {
            let replicas: Vec<usize> = scenario.crdt_hosts().collect();
            let (result, convergence) = crdt::check_convergence(&w.crdt.samples, &replicas, scenario.heal_us());
            convergence_seconds = convergence.seconds_after_heal;
            checks.push(result);
            checks.extend(crdt::check_semantics(&w.crdt.ops, &w.crdt.latest));
            divergence = Some(Divergence {
                points: convergence.series,
                pairs: replicas.len() * (replicas.len() - 1) / 2,
                heal_us: scenario.heal_us(),
                converged_after_heal_s: convergence_seconds,
            });
        }
        let mut staleness = None;
        let mut stale_reads = Vec::new();
        if scenario.logsync.replicas > 0 {
            let l = &w.logsync;
            checks.push(logsync::check_prefix(&l.samples, &l.committed));
            checks.push(logsync::check_read_values(&l.reads, &l.committed));
            checks.push(logsync::check_sessions(&l.reads, &l.writes));
            stale_reads = logsync::read_staleness(&l.reads, &l.committed, &faults);
            let (result, summary) = logsync::check_staleness(&stale_reads, scenario.logsync.staleness_bound_ms);
            checks.push(result);
            staleness = Some(summary);
        }
        let ok = checks.iter().all(|c| c.ok);
        let ops = history.iter().filter(|e| e.kind == EventKind::Invoke).count() as u64;
        let latency = latency_summary(&history);
        let recovery_seconds = first_write_after(&history, last_heal_us.unwrap_or(0))
            .map(|t| (t - last_heal_us.unwrap_or(0)) as f64 / 1e6);
        let results = Results {
            scenario: scenario.name.clone(),
            seed: request.seed,
            engine: request.engine.name().to_string(),
            verdict: if ok { "pass" } else { "fail" }.to_string(),
            trace_hash: w.trace.hex(),
            sim_seconds: end_us as f64 / 1e6,
            wall_seconds,
            ops,
            checks,
            repro: repro_line(&request.scenario_arg, request.seed, request.engine, &bugs),
            bugs,
            faults: faults.len(),
            recovery_seconds,
            convergence_seconds,
            staleness,
            latency,
            stats: serde_json::to_value(&w.stats).unwrap_or_default(),
        };
        let staleness_points = (scenario.logsync.replicas > 0).then(|| StalenessPoints {
            reads: stale_reads.iter().map(|s| (s.node, s.time_us, s.ms)).collect(),
            replicas: scenario.logsync_hosts().collect(),
            bound_ms: scenario.logsync.staleness_bound_ms,
        });
        RunOutcome { results, history, faults, extra_html, divergence, staleness: staleness_points }
    })
}

fn first_write_after(history: &[Event], t_us: u64) -> Option<u64> {
    history
        .iter()
        .filter(|e| e.kind == EventKind::Ok && (e.f == "follow" || e.f == "unfollow") && e.time_us >= t_us)
        .map(|e| e.time_us)
        .next()
}

fn latency_summary(history: &[Event]) -> LatencySummary {
    let mut ms: Vec<f64> = report::latencies(history)
        .iter()
        .filter(|o| o.kind == EventKind::Ok)
        .map(|o| o.latency_us as f64 / 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| nearest_rank(&ms, p).unwrap_or(0.0);
    LatencySummary { p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99), max_ms: q(1.0) }
}
