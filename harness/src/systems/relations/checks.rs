//! The relations service's checks: linearizability of its clients' operations (the follow
//! model), the five Raft safety properties, acknowledged writes, liveness and catch-up after
//! the heal; for our own Raft also durability across reboots, installed snapshots, and
//! leadership under faults (CheckQuorum step-down, no disruption with PreVote).
use super::{Relations, RelationsRecord, NAME};
use crate::check::acked_writes::check_acked_writes;
use crate::check::catch_up::check_catch_up;
use crate::check::linearizability::{self, Budget, LinearizabilityResult};
use crate::check::liveness::check_liveness;
use crate::check::models::ModelKind;
use crate::check::raft_leadership::{check_disruption, check_step_down, LeadershipRules};
use crate::history::{Event, EventKind};
use crate::report::ReportSection;
use crate::scenario::secs_to_us;
use crate::system::{RecordedRun, Verdict};

/// Judges the relations service's part of a recorded run.
pub fn check(system: &Relations, run: &RecordedRun<'_>) -> Verdict {
    let record = run.records.get::<RelationsRecord>();
    let mut verdict = check_raft_system(run, NAME, record);
    let Some(raft) = record.map(|r| &r.raft) else { return verdict };
    // Our Raft syncs a step's writes before releasing its outputs, so every observation is a
    // durability claim; third-party libraries persist on their own schedule.
    verdict.checks.push(raft.durability_result(run.faults));
    verdict.checks.push(raft.snapshot_result());
    let rules = leadership_rules(system, run);
    verdict.checks.push(check_step_down(raft.leaderships(), run.faults, &rules, run.scenario.end_us()));
    verdict.checks.push(check_disruption(raft.leaderships(), run.faults, &rules));
    verdict
}

/// What the configuration promises about leadership: a cut-off leader notices at its second
/// CheckQuorum tick (each `election_timeout_min` of its clock, which may run slow by the drift
/// the cluster tolerates); the slack covers a heartbeat and the network.
fn leadership_rules(system: &Relations, run: &RecordedRun<'_>) -> LeadershipRules {
    let c = &system.config;
    let drift_ppm = c.clock_drift_ppm_max.min(500_000);
    let tick_us = c.election_timeout_ms_max.saturating_mul(1000);
    let stretched_us = tick_us.saturating_mul(1_000_000 + 2 * drift_ppm) / 1_000_000;
    let slack_us = (c.heartbeat_ms + run.scenario.network.latency_ms_max + 10).saturating_mul(1000);
    let step_down_bound_us = stretched_us.saturating_mul(2).saturating_add(slack_us);
    LeadershipRules {
        voters: (1..=c.nodes as u64).collect(),
        check_quorum: c.check_quorum,
        pre_vote: c.pre_vote,
        step_down_bound_us,
        explain_after_us: step_down_bound_us.saturating_add(tick_us.saturating_mul(2)),
        settle_us: tick_us.saturating_mul(2),
    }
}

/// Judges any Raft cluster hosting the follow graph: the events `system` recorded and its
/// record (None: nothing was recorded, which the checks then report).
pub fn check_raft_system(run: &RecordedRun<'_>, system: &str, record: Option<&RelationsRecord>) -> Verdict {
    let history: Vec<Event> = run.events_of(system).cloned().collect();
    let empty = RelationsRecord::default();
    let record = record.unwrap_or(&empty);
    let mut verdict = Verdict::default();
    let budget = Budget::steps(run.scenario.checks.linearizability_budget);
    let lin = linearizability::check_history(ModelKind::Follow, &history, budget);
    if let LinearizabilityResult::NotLinearizable(window) = &lin {
        verdict.sections.push(ReportSection::html(
            "Operations that cannot be linearized",
            linearizability::render_timeline_html(window),
        ));
    }
    verdict.checks.push(linearizability::to_check_result(&lin));
    verdict.checks.extend(record.raft.result());
    verdict.checks.push(check_acked_writes(&record.acked_writes, &record.raft));
    // A run that died early has nothing to say about liveness beyond its failure.
    if !run.died {
        let bound_us = secs_to_us(run.scenario.checks.liveness_bound_s);
        let end_us = run.scenario.end_us();
        verdict.checks.push(check_liveness(run.last_heal_us, end_us, bound_us, &record.raft, &history));
        verdict.checks.push(check_catch_up(&record.raft, run.faults, run.last_heal_us, end_us, bound_us));
    }
    let heal = run.last_heal_us.unwrap_or(0);
    let recovery_seconds = first_write_after(&history, heal).map(|t| (t - heal) as f64 / 1e6);
    verdict.results.push(("recovery_seconds".into(), serde_json::json!(recovery_seconds)));
    verdict
}

fn first_write_after(history: &[Event], t_us: u64) -> Option<u64> {
    history
        .iter()
        .filter(|e| e.kind == EventKind::Ok && (e.f == "follow" || e.f == "unfollow") && e.time_us >= t_us)
        .map(|e| e.time_us)
        .next()
}
