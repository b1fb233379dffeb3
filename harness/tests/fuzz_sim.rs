//! The `simulation` fuzz target, searched the way a fuzzer starts: from an empty corpus, with
//! a bounded deterministic stream of random byte strings (ChaCha, seed 0). With a planted bug
//! on, the search finds a failing input within `SEARCH_RUNS` executions, its failed checks
//! are the bug's own, and the printed repro replays it; with no bug, the same inputs pass.
use faultline::fuzzing::{run_case, simulation_with_bug, Finding, SimCase, REPRO_FILE};
use faultline::scenario::Scenario;
use faultline::simulation::Simulation;
use faultline::systems::relations::Relations;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The planted bug the search looks for: found fast, since a crash in an election is enough.
const BUG: &str = "raft-vote-before-persist";
/// Executions the search may spend (the same inputs are replayed without the bug).
const SEARCH_RUNS: usize = 400;

/// The search's inputs: random lengths (up to a full twelve-fault schedule) and bytes.
fn inputs() -> impl Iterator<Item = Vec<u8>> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    (0..SEARCH_RUNS).map(move |_| {
        let len = rng.random_range(0..=160);
        (0..len).map(|_| rng.random()).collect()
    })
}

/// The first input (its index and finding) that fails with `bug` on, if any.
fn search(bug: Option<&str>) -> Option<(usize, Vec<u8>, Finding)> {
    inputs().enumerate().find_map(|(i, bytes)| {
        let finding = run_case(bug, &bytes).unwrap_or_else(|e| panic!("input {i}: {e}"))?;
        Some((i, bytes, finding))
    })
}

#[test]
fn the_search_finds_the_planted_bug_and_its_repro_replays_it() {
    let caught_by = faultline::bugs::find(BUG).expect("a planted bug").caught_by;
    let (i, bytes, finding) = search(Some(BUG)).unwrap_or_else(|| panic!("{BUG} not found in {SEARCH_RUNS} runs"));
    eprintln!("{BUG} found by input {i} (execution {} of at most {SEARCH_RUNS}):\n{finding}", i + 1);
    let names: Vec<&str> = finding.failed.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.iter().any(|n| caught_by.contains(n)), "failed {names:?}, none of {caught_by:?}");

    // The entry point panics with the repro: the scenario file and the command line.
    let message = std::panic::catch_unwind(|| simulation_with_bug(BUG, &bytes)).expect_err("the target panics");
    let message = message.downcast_ref::<String>().cloned().unwrap_or_default();
    let case = SimCase::decode(&bytes).expect("bytes decode");
    let command = format!("cargo run --release -- run {REPRO_FILE} --seed {} --engine native --bug {BUG}", case.seed);
    assert!(message.contains(&finding.scenario_toml) && message.ends_with(&command), "{message}");

    // Replaying the printed scenario at the printed seed fails the same checks.
    let replay = Simulation::from_toml(REPRO_FILE, &finding.scenario_toml, faultline::systems::plugins())
        .expect("the printed scenario loads")
        .seed(case.seed)
        .bug(BUG)
        .run()
        .expect("it runs");
    let replayed: Vec<&str> = replay.results.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
    assert_eq!(replayed, names, "the repro replays the finding");
}

#[test]
fn with_no_bug_every_search_input_passes() {
    if let Some((i, _, finding)) = search(None) {
        panic!("input {i} fails with no bug on:\n{finding}");
    }
}

#[test]
fn every_input_decodes_to_a_case_whose_toml_loads_to_the_scenario_it_runs() {
    for bytes in inputs().chain([Vec::new(), vec![0xFF; 4096]]) {
        let case = SimCase::decode(&bytes).expect("any bytes decode");
        assert!(case.faults.len() <= faultline::fuzzing::FAULTS_MAX && (1..=2).contains(&case.clients));
        // The run uses the scenario built directly; the repro prints the TOML: they must agree.
        let text = case.to_toml().unwrap_or_else(|e| panic!("{e}"));
        let loaded = faultline::scenario::load_str(REPRO_FILE, &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let built = case.scenario().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(described(&built), described(&loaded), "{text}");
    }
}

/// Everything a run reads of a scenario: the core keys and the relations system's sections.
fn described(scenario: &Scenario) -> String {
    let core = serde_json::to_string(scenario).expect("a scenario serializes");
    format!("{core}\n{:?}\n{:?}", scenario.systems, scenario.system::<Relations>())
}
