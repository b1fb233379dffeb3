//! `faultline shrink`: a shrunk run still fails the same checks and replays to the same
//! trace_hash from its written file; a passing run is refused (exit 2); the same input always
//! shrinks to the same file, whatever the number of jobs. Small scenario, tight budgets.
use faultline::engine::EngineKind;
use faultline::run::{run, RunRequest};
use faultline::scenario::{load, load_str};
use faultline::shrink::{shrink, write_shrunk, Budget, ShrinkError, ShrinkRequest, Signature};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// A small CRDT run under a generated swarm of faults; with the OR-Set bug on, every seed fails.
const SCENARIO: &str = "name = \"shrink-test\"\nduration_s = 6.0\nquiesce_s = 3.0\n\
    [relations]\nnodes = 0\n[crdt]\nreplicas = 3\nclients_per_replica = 2\n\
    [nemesis]\nmode = \"generated\"\ninterval_ms_min = 300\ninterval_ms_max = 900\n";
const BUG: &str = "crdt-orset-remove-unobserved";
const SEED: u64 = 3;

fn request(bugs: &[&str]) -> RunRequest {
    RunRequest {
        scenario_arg: "shrink-test.toml".into(),
        scenario: Arc::new(load_str("shrink-test.toml", SCENARIO).expect("valid scenario")),
        seed: SEED,
        engine: EngineKind::Madsim,
        bugs: bugs.iter().map(|b| b.to_string()).collect(),
    }
}

fn shrink_request(jobs: usize) -> ShrinkRequest {
    ShrinkRequest { run: request(&[BUG]), jobs, budget: Budget { time: Duration::from_secs(600), candidates_max: 30 } }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-shrink-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_shrunk_run_fails_the_same_way_and_replays_to_the_same_trace_hash() {
    let shrunk = shrink(&shrink_request(2)).expect("the planted bug fails this seed");
    let signature = Signature::of(&shrunk.original);
    assert!(signature.accepts(&Signature::of(&shrunk.shrunk.results)), "shrunk to another failure");
    let (before, after) = shrunk.faults;
    assert!(before > 0 && after <= before, "faults {before} -> {after}");
    let small = &shrunk.shrunk.results;
    assert!(after + (small.ops as usize) < before + shrunk.original.ops as usize, "nothing was removed");
    let dir = temp_dir("replay");
    let written = write_shrunk(&shrunk, &shrink_request(2).run, &dir).expect("written");
    assert_eq!(written.replay.results.trace_hash, small.trace_hash, "the file replays the shrunk run");
    let again = run(&RunRequest {
        scenario_arg: written.scenario.display().to_string(),
        scenario: Arc::new(load(&written.scenario.display().to_string()).expect("the shrunk file loads")),
        seed: SEED,
        engine: EngineKind::Madsim,
        bugs: Vec::new(),
    });
    assert_eq!(again.results.trace_hash, small.trace_hash);
    assert_eq!(Signature::of(&again.results), Signature::of(small), "the file fails as the shrunk run did");
    assert_eq!(
        again.results.shrunk_from.as_deref(),
        Some(shrunk.original.repro.as_str()),
        "it says where it came from"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shrinking_is_deterministic_whatever_the_number_of_jobs() {
    let text = |jobs| {
        let shrunk = shrink(&shrink_request(jobs)).expect("fails");
        faultline::shrink::document_text(&shrunk.shrunk.document).expect("text")
    };
    assert_eq!(text(1), text(2));
}

#[test]
fn a_passing_run_is_refused() {
    let passing = ShrinkRequest { run: request(&[]), ..shrink_request(1) };
    match shrink(&passing) {
        Err(ShrinkError::Passes(message)) => assert!(message.contains("passes"), "{message}"),
        other => panic!("a passing run must be refused, got {:?}", other.map(|s| s.faults)),
    }
}

#[test]
fn the_command_line_refuses_a_passing_run_with_exit_2() {
    let dir = temp_dir("cli");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("passing.toml");
    std::fs::write(&file, SCENARIO).expect("write scenario");
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["shrink", &file.display().to_string(), "--seed", "3", "--out", &dir.join("out").display().to_string()])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("passes every check"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
