//! The default scenario (Raft relations service, CRDT data centres, LogSync read replicas and
//! event ingestion together), faults on, must pass on many seeds and on both engines.
mod common;
use common::{assert_has_checks, explain, run_seed, sweep_selected};
use faultline::engine::EngineKind;
use faultline::testing;

#[test]
fn twenty_seeds_of_the_default_scenario_pass_on_madsim() {
    let results = sweep_selected("social", 0..20, EngineKind::Madsim);
    let faults: usize = results.iter().map(|r| r.faults).sum();
    assert!(faults >= results.len(), "only {faults} faults over {} seeds: the nemesis is not biting", results.len());
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert_has_checks(
            r,
            &[
                "linearizability",
                "election-safety",
                "state-machine-safety",
                "acked-writes",
                "liveness",
                "crdt-convergence",
                "crdt-orset",
                "logsync-consistent-prefix",
                "logsync-sessions",
                "ingest-exactly-once",
                "ingest-log",
                "ingest-ack-durable",
                "ingest-fencing",
                "ingest-order",
            ],
        );
    }
}

#[test]
fn a_faulty_seed_passes_on_every_engine() {
    for engine in testing::engines(&EngineKind::ALL) {
        for seed in testing::seed_list(&[3, 11]) {
            let r = run_seed("social", seed, engine, &[]);
            assert!(r.faults > 0, "seed {seed} had no faults");
            assert!(r.passed(), "{}", explain(&r));
            assert_eq!(r.engine, engine.name());
        }
    }
}
