//! The explicit form of a run: the scenario with generation switched off and every planned
//! fault written out in `[[nemesis.schedule]]` at its exact time, length and target. The
//! fault plan is a pure function of (scenario, seed), so the form is exact before the run even
//! starts; apply-time choices come from each fault's own stream (`nemesis::fault_rng`), so the
//! explicit run draws what the generated one drew.
use crate::engine::EngineKind;
use crate::nemesis::{plan, PlannedFault};
use crate::scenario::{NemesisMode, Scenario, ScheduledFault};

/// `scenario` at `seed` as a self-contained document: core keys rewritten (explicit schedule,
/// engine, every bug), the systems' sections as the file gave them.
pub fn explicit_document(
    scenario: &Scenario,
    seed: u64,
    engine: EngineKind,
    bugs: &[String],
) -> Result<toml::Table, String> {
    let mut core = scenario.clone();
    core.nemesis.schedule = plan(scenario, seed).iter().map(scheduled).collect();
    core.nemesis.mode = NemesisMode::Explicit;
    core.engine = engine.name().to_string();
    core.bugs = bugs.to_vec();
    scenario_document(&core)
}

/// `scenario` as a document: its core keys as they stand, its systems' sections as its file
/// (or whoever built it) gave them in `Scenario::document`.
pub fn scenario_document(scenario: &Scenario) -> Result<toml::Table, String> {
    let core = toml::Table::try_from(scenario).map_err(|e| format!("cannot write the scenario's core keys: {e}"))?;
    let mut document = scenario.document.clone();
    document.extend(core);
    Ok(document)
}

/// A planned fault as a schedule entry that plans back to exactly it.
fn scheduled(fault: &PlannedFault) -> ScheduledFault {
    ScheduledFault {
        at_s: us_to_secs(fault.start_us),
        fault: fault.kind,
        duration_s: us_to_secs(fault.end_us.saturating_sub(fault.start_us)),
        node: fault.node.map(|n| n + 1),
    }
}

/// Microseconds as scenario seconds; `secs_to_us` maps the result back to the same integer.
pub fn us_to_secs(us: u64) -> f64 {
    us as f64 / 1e6
}

/// The document as scenario file text.
pub fn document_text(document: &toml::Table) -> Result<String, String> {
    toml::to_string(document).map_err(|e| format!("cannot write the scenario as TOML: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{run, RunRequest};
    use crate::scenario::{load_str, secs_to_us};
    use std::sync::Arc;

    #[test]
    fn the_explicit_form_plans_the_same_faults_and_keeps_the_systems_sections() {
        let scenario = load_str("t.toml", "[relations]\nnodes = 3\n[workload]\nclients = 2\n").expect("valid");
        for seed in 0..20 {
            let doc = explicit_document(&scenario, seed, EngineKind::Madsim, &[]).expect("serialises");
            let text = document_text(&doc).expect("text");
            let again = load_str("explicit.toml", &text).expect("the explicit form loads");
            assert_eq!(again.nemesis.mode, NemesisMode::Explicit);
            assert_eq!(plan(&again, seed), plan(&scenario, seed), "seed {seed}:\n{text}");
            assert_eq!(again.node_count(), 3);
            assert_eq!(again.client_count(), 2);
        }
    }

    /// A small CRDT run with a bug every seed catches, under a generated swarm of faults.
    pub(crate) const FAILING: &str = "duration_s = 6.0\nquiesce_s = 3.0\nbugs = [\"crdt-orset-remove-unobserved\"]\n\
        [relations]\nnodes = 0\n[crdt]\nreplicas = 3\nclients_per_replica = 2\n\
        [nemesis]\nmode = \"generated\"\ninterval_ms_min = 300\ninterval_ms_max = 900\n";

    #[test]
    fn the_explicit_form_of_a_failing_seed_fails_the_same_checks_with_the_same_trace() {
        let scenario = Arc::new(load_str("failing.toml", FAILING).expect("valid"));
        let request = |scenario: Arc<Scenario>| RunRequest {
            scenario_arg: "failing.toml".into(),
            scenario,
            seed: 3,
            engine: EngineKind::Madsim,
            bugs: Vec::new(),
        };
        let original = run(&request(scenario.clone())).results;
        assert!(!original.passed(), "the planted bug must fail seed 3");
        assert!(original.faults > 0, "the run must have faults to write out");
        let doc = explicit_document(&scenario, 3, EngineKind::Madsim, &scenario.bugs).expect("serialises");
        let explicit = load_str("explicit.toml", &document_text(&doc).expect("text")).expect("loads");
        let again = run(&request(Arc::new(explicit))).results;
        assert_eq!(again.failed_checks(), original.failed_checks());
        assert_eq!(again.trace_hash, original.trace_hash, "the explicit form replays the run exactly");
    }

    #[test]
    fn microseconds_survive_the_trip_through_seconds() {
        for us in [0, 1, 999_999, 1_234_567, 19_999_999, 86_400_000_000] {
            assert_eq!(secs_to_us(us_to_secs(us)), us);
        }
    }
}
