//! The ingestion scenario: under crashes, lease-expiring pauses, clock, network and disk
//! faults, every acknowledged event reaches the sink exactly once, on both engines.
mod common;
use common::{explain, run_seed, sweep_seeds};
use faultline::engine::EngineKind;

#[test]
fn ten_seeds_of_the_ingest_scenario_pass_on_madsim() {
    let results = sweep_seeds("ingest", 0..10, EngineKind::Madsim, &[], false);
    assert_eq!(results.len(), 10);
    for r in &results {
        assert!(r.passed(), "{}", explain(r));
        assert!(r.faults > 0, "seed {}: no faults", r.seed);
        let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"ingest-exactly-once"), "seed {}: {names:?}", r.seed);
        let ledger = r.checks.iter().find(|c| c.name == "ingest-exactly-once").map(|c| c.detail.clone());
        assert!(ledger.is_some_and(|d| !d.contains("nothing to judge")), "seed {}: nothing flowed", r.seed);
    }
}

#[test]
fn an_ingest_seed_passes_on_every_engine_and_replays() {
    for engine in [EngineKind::Turmoil, EngineKind::Native] {
        let a = run_seed("ingest", 3, engine, &[]);
        assert!(a.passed(), "{engine}: {}", explain(&a));
        let b = run_seed("ingest", 3, engine, &[]);
        assert_eq!(a.trace_hash, b.trace_hash, "{engine}: seed 3 diverged between runs");
    }
}

/// The run writes its log layer as a Kafka-workload history and its latency chart; reading that
/// file back with `faultline check --model kafka`'s code gives the run's own `ingest-log` verdict,
/// and with the duplicating bug on, both name the `duplicate` anomaly.
#[test]
fn the_log_history_file_is_judged_as_the_run_judged_it() {
    use faultline::check::queue::kafka;
    use faultline::run::{run, RunRequest};
    for (bugs, label) in [(vec![], "clean"), (vec!["ingest-ship-retry-without-sequence".to_string()], "dup")] {
        let request = RunRequest {
            scenario_arg: "ingest".into(),
            scenario: common::scenario("ingest"),
            seed: 0,
            engine: EngineKind::Madsim,
            bugs,
        };
        let outcome = run(&request);
        let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ingest-log-{label}"));
        outcome.report_to(&out).expect("report written");
        assert!(out.join("ingest-latency.png").is_file(), "{label}: no latency chart");
        let ingest = &outcome.results.extras["ingest"]["ack_to_sink_ms"];
        assert!(ingest["events"].as_u64().is_some_and(|n| n > 0), "{label}: no latency quantiles: {ingest}");
        let hf = faultline::history::read_history_file(out.join("ingest-log.edn"), None).expect("log history reads");
        let report = kafka::analyze(&hf).expect("kafka ops");
        let run_check = outcome.results.checks.iter().find(|c| c.name == "ingest-log").expect("ingest-log check");
        assert_eq!(report.valid(), run_check.ok, "{label}: {}", run_check.detail);
        assert!(report.ops > 0, "{label}: an empty log history");
        if label == "dup" {
            assert!(report.anomalies.iter().any(|a| a.name == "duplicate"), "{}", run_check.detail);
        } else {
            assert!(run_check.ok, "{}", run_check.detail);
        }
    }
}
