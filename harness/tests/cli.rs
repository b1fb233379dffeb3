//! The command-line contract: exit 0 pass, 1 a check failed, 2 bad input with a message
//! that names the file, line and field, never a panic.
use std::path::PathBuf;
use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).current_dir(workspace()).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot start faultline: {e}"),
    }
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes `contents` to a fresh file under cargo's per-test temp dir.
fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if let Err(e) = std::fs::write(&path, contents) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

fn assert_bad_input(o: &Output, must_mention: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit 2, got {:?}; stderr: {err}", o.status.code());
    assert!(!err.contains("panicked"), "panicked: {err}");
    for m in must_mention {
        assert!(err.contains(m), "message does not mention {m:?}: {err}");
    }
}

#[test]
fn a_malformed_scenario_names_file_line_and_field() {
    let path = temp_file("bad-type.toml", "name = \"x\"\n\n[relations]\nnodes = \"five\"\n");
    let o = faultline(&["run", path.to_str().unwrap_or_default(), "--seed", "1"]);
    assert_bad_input(&o, &["bad-type.toml", ":4", "nodes"]);

    let path = temp_file("bad-field.toml", "name = \"x\"\n[workload]\nclinets = 3\n");
    let o = faultline(&["run", path.to_str().unwrap_or_default()]);
    assert_bad_input(&o, &["bad-field.toml", ":3", "clinets"]);

    let path = temp_file("bad-value.toml", "[relations]\nnodes = 0\n");
    let o = faultline(&["run", path.to_str().unwrap_or_default()]);
    assert_bad_input(&o, &["bad-value.toml", ":1", "relations", "no system under test runs a host"]);

    let path = temp_file("bad-syntax.toml", "[relations\nnodes = 3\n");
    let o = faultline(&["run", path.to_str().unwrap_or_default()]);
    assert_bad_input(&o, &["bad-syntax.toml", ":1"]);
}

#[test]
fn a_missing_scenario_is_bad_input() {
    let o = faultline(&["run", "no-such-scenario"]);
    assert_bad_input(&o, &["no-such-scenario"]);
}

#[test]
fn bad_flags_are_bad_input() {
    assert_bad_input(&faultline(&["run", "social", "--seed", "abc"]), &["--seed"]);
    assert_bad_input(&faultline(&["run", "social", "--engine", "qemu"]), &["--engine", "qemu"]);
    assert_bad_input(&faultline(&["run", "social", "--bug", "no-such-bug"]), &["--bug", "no-such-bug"]);
    assert_bad_input(&faultline(&["sweep", "social", "--seeds", "9..2"]), &["--seeds"]);
    assert_bad_input(&faultline(&["sweep", "social", "--seeds", "x"]), &["--seeds"]);
    assert_bad_input(&faultline(&["check", "nope.jsonl", "--model", "register"]), &["nope.jsonl"]);
    assert_bad_input(&faultline(&["no-such-command"]), &[]);
}

#[test]
fn bugs_lists_one_switch_per_line() {
    let o = faultline(&["bugs"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() >= 3, "{out}");
    for line in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "name, scenario, description: {line}");
        assert!(
            workspace().join("scenarios").join(format!("{}.toml", fields[1])).is_file(),
            "no scenario {}",
            fields[1]
        );
    }
}

#[test]
fn run_writes_the_results_contract() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-run");
    let o = faultline(&["run", "social", "--seed", "3", "--out", out.to_str().unwrap_or_default()]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    let text = std::fs::read_to_string(out.join("results.json")).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    for field in
        ["scenario", "seed", "engine", "verdict", "trace_hash", "sim_seconds", "wall_seconds", "ops", "checks", "repro"]
    {
        assert!(json.get(field).is_some(), "results.json lacks {field}: {text}");
    }
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["seed"], 3);
    // The default scenario includes CRDT data centres, so it has the convergence chart too.
    for file in ["history.jsonl", "index.html", "latency-raw.png", "latency-quantiles.png", "convergence.png"] {
        assert!(out.join(file).is_file(), "report lacks {file}");
    }
}

#[test]
fn a_crdt_run_reports_convergence_time_and_chart() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-run-crdt");
    let o = faultline(&["run", "crdt", "--seed", "2", "--out", out.to_str().unwrap_or_default()]);
    assert_eq!(o.status.code(), Some(0), "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    let text = std::fs::read_to_string(out.join("results.json")).unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let seconds = json["convergence_seconds"].as_f64();
    assert!(seconds.is_some_and(|s| s >= 0.0), "no convergence time in {text}");
    assert!(out.join("convergence.png").is_file(), "report lacks convergence.png");
}

#[test]
fn check_gives_0_for_linearizable_1_for_not_and_2_for_garbage() {
    let good = temp_file(
        "good.edn",
        "[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :ok, :f :write, :value 1}\n \
         {:process 1, :type :invoke, :f :read, :value nil}\n {:process 1, :type :ok, :f :read, :value 1}]\n",
    );
    let o = faultline(&["check", good.to_str().unwrap_or_default(), "--model", "register"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));

    // A stale read: 2 was written and acknowledged before the read began, yet it saw 1.
    let stale = temp_file(
        "stale.edn",
        "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 1}\n\
         {:process 0, :type :invoke, :f :write, :value 2}\n{:process 0, :type :ok, :f :write, :value 2}\n\
         {:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 1}\n",
    );
    let o = faultline(&["check", stale.to_str().unwrap_or_default(), "--model", "register"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("cannot be ordered"), "{}", stdout(&o));

    let garbage = temp_file("garbage.edn", "{:process 0, :type :invoke, :f :write, :value 1}\n{:process oops\n");
    let o = faultline(&["check", garbage.to_str().unwrap_or_default(), "--model", "register"]);
    assert_bad_input(&o, &["garbage.edn", "line 2"]);
    let o = faultline(&["check", good.to_str().unwrap_or_default(), "--model", "graph"]);
    assert_bad_input(&o, &["--model"]);
}

#[test]
fn a_failing_run_exits_1_and_prints_a_repro_line_that_replays_it() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-fail");
    let args = [
        "run",
        "raft-crash",
        "--seed",
        "1",
        "--bug",
        "raft-vote-before-persist",
        "--out",
        out.to_str().unwrap_or_default(),
    ];
    let o = faultline(&args);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    let repro = text.lines().find(|l| l.starts_with("repro: ")).unwrap_or_else(|| panic!("no repro line: {text}"));
    assert!(repro.contains("--seed 1") && repro.contains("--bug raft-vote-before-persist"), "{repro}");
    let first: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(first["verdict"], "fail");
    // Replaying the printed command's arguments gives the same trace.
    let replay_args: Vec<&str> = repro.split_whitespace().skip_while(|w| *w != "--").skip(1).collect();
    let out2 = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-fail-replay");
    let mut with_out = replay_args.clone();
    with_out.extend(["--out", out2.to_str().unwrap_or_default()]);
    let o2 = faultline(&with_out);
    assert_eq!(o2.status.code(), Some(1));
    let second: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out2.join("results.json")).unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(first["trace_hash"], second["trace_hash"]);
    assert!(first["trace_hash"].as_str().is_some_and(|h| h.len() == 64));
}

#[test]
fn a_sweep_with_failures_exits_1_and_lists_their_repro_lines() {
    let o = faultline(&["sweep", "raft-crash", "--seeds", "0..3", "--jobs", "2", "--bug", "raft-vote-before-persist"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("3 seeds"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("repro: ") && l.contains("--seed 1")), "{text}");
}
