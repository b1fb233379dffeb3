//! The LogSync scenario: read replicas fed from the Raft log, under partitions, crashes and
//! leader changes, keep a consistent prefix, session guarantees and bounded staleness.
mod common;
use common::{assert_has_checks, explain, run_seed, sweep_selected};
use faultline::engine::EngineKind;
use faultline::systems::logsync::StalenessSummary;

const LOGSYNC_CHECKS: [&str; 6] = [
    "logsync-consistent-prefix",
    "logsync-no-phantom-reads",
    "logsync-sessions",
    "logsync-staleness",
    "logsync-recovery",
    "logsync-freshness",
];

#[test]
fn six_seeds_of_the_logsync_scenario_pass_on_madsim() {
    let results = sweep_selected("logsync", 0..6, EngineKind::Madsim);
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert!(r.faults > 0, "seed {}: no faults", r.seed);
        assert_has_checks(r, &LOGSYNC_CHECKS);
        assert_has_checks(r, &["linearizability", "state-machine-safety"]);
        let s: StalenessSummary = r
            .extras
            .get("staleness")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_else(|| panic!("seed {}: no staleness summary", r.seed));
        assert!(s.reads > 100, "seed {}: only {} replica reads", r.seed, s.reads);
        assert!(s.ms_p50 <= s.ms_p99 && s.ms_p99 <= s.ms_max);
    }
}

#[test]
fn logsync_seeds_pass_on_every_engine_and_replay_exactly() {
    for engine in EngineKind::ALL {
        let a = run_seed("logsync", 3, engine, &[]);
        assert!(a.passed(), "{engine}: {}", explain(&a));
        let b = run_seed("logsync", 3, engine, &[]);
        assert_eq!(a.trace_hash, b.trace_hash, "{engine}: seed 3 diverged between runs");
        assert_eq!(a.extras.get("staleness"), b.extras.get("staleness"));
    }
}

/// Seed 46 on native once failed `logsync-freshness`: a new leader's probe carried a commit
/// index that lagged its predecessor's, and a replica that heard it counted itself fresh. New
/// leaders now ship only after committing in their own term.
#[test]
fn timeline_reads_asking_for_freshness_are_judged_and_hold() {
    let r = run_seed("logsync", 46, EngineKind::Native, &[]);
    assert!(r.passed(), "{}", explain(&r));
    let freshness = r.checks.iter().find(|c| c.name == "logsync-freshness").expect("freshness check ran");
    assert!(freshness.detail.contains("answered reads that asked for a staleness bound"), "{}", freshness.detail);
}
