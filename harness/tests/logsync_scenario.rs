//! The LogSync scenario: read replicas fed from the Raft log, under partitions, crashes and
//! leader changes, keep a consistent prefix, session guarantees and bounded staleness.
mod common;
use common::{explain, run_seed, sweep_selected};
use faultline::engine::EngineKind;
use faultline::systems::logsync::StalenessSummary;

const LOGSYNC_CHECKS: [&str; 4] =
    ["logsync-consistent-prefix", "logsync-no-phantom-reads", "logsync-sessions", "logsync-staleness"];

#[test]
fn six_seeds_of_the_logsync_scenario_pass_on_madsim() {
    let results = sweep_selected("logsync", 0..6, EngineKind::Madsim);
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert!(r.faults > 0, "seed {}: no faults", r.seed);
        let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
        for expected in LOGSYNC_CHECKS.iter().chain(&["linearizability", "state-machine-safety"]) {
            assert!(names.contains(expected), "seed {}: no {expected} check in {names:?}", r.seed);
        }
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
fn logsync_seeds_pass_on_turmoil_and_replay_exactly() {
    let a = run_seed("logsync", 3, EngineKind::Turmoil, &[]);
    assert!(a.passed(), "{}", explain(&a));
    let b = run_seed("logsync", 3, EngineKind::Turmoil, &[]);
    assert_eq!(a.trace_hash, b.trace_hash);
    let m1 = run_seed("logsync", 3, EngineKind::Madsim, &[]);
    let m2 = run_seed("logsync", 3, EngineKind::Madsim, &[]);
    assert_eq!(m1.trace_hash, m2.trace_hash);
    assert_eq!(m1.extras.get("staleness"), m2.extras.get("staleness"));
}
