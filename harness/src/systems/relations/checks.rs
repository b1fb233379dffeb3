//! The relations service's checks: linearizability of its clients' operations (the follow
//! model), the five Raft safety properties, acknowledged writes and liveness after the heal.
use super::{RelationsRecord, NAME};
use crate::check::acked_writes::check_acked_writes;
use crate::check::linearizability::{self, Budget, LinearizabilityResult};
use crate::check::liveness::check_liveness;
use crate::check::models::ModelKind;
use crate::history::{Event, EventKind};
use crate::report::ReportSection;
use crate::scenario::secs_to_us;
use crate::system::{RecordedRun, Verdict};

/// Judges the relations service's part of a recorded run.
pub fn check(run: &RecordedRun<'_>) -> Verdict {
    check_raft_system(run, NAME, run.records.get::<RelationsRecord>())
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
