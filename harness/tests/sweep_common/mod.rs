//! Helpers of the sweep integration tests: run the binary with a clean shard environment,
//! fresh scratch directories, and read what a sweep wrote.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Shard variables of the CI engines: removed from every child so the host's CI cannot leak in.
pub const SHARD_VARS: [&str; 10] = [
    "FAULTLINE_SHARD",
    "FAULTLINE_SHARDS",
    "JOB_COMPLETION_INDEX",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
    "BUILDKITE_PARALLEL_JOB",
    "BUILDKITE_PARALLEL_JOB_COUNT",
    "CIRCLE_NODE_INDEX",
    "CIRCLE_NODE_TOTAL",
    "GITHUB_STEP_SUMMARY",
];

/// The workspace root (scenario names resolve against its `scenarios/`).
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `faultline ARGS` with `envs` set and every other shard variable removed.
pub fn command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultline"));
    cmd.args(args).current_dir(workspace()).stdin(Stdio::null());
    for var in SHARD_VARS {
        cmd.env_remove(var);
    }
    cmd.envs(envs.iter().copied());
    cmd
}

/// Runs `faultline ARGS` to completion.
pub fn faultline(args: &[&str], envs: &[(&str, &str)]) -> Output {
    command(args, envs).output().unwrap_or_else(|e| panic!("cannot start faultline: {e}"))
}

/// Stdout and stderr of `o`, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// An empty directory under cargo's per-target temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// `path` as a &str argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap_or_else(|| panic!("non-UTF-8 path {}", path.display()))
}

/// The parsed `DIR/sweep.json`.
pub fn summary(dir: &Path) -> serde_json::Value {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Per seed: (seed, verdict, trace_hash, failing check names), the outcome two sweeps must share.
pub fn verdicts(summary: &serde_json::Value) -> Vec<(u64, String, String, Vec<String>)> {
    let runs = summary["runs"].as_array().cloned().unwrap_or_default();
    runs.iter()
        .map(|r| {
            let failing = r["failing_checks"].as_array().cloned().unwrap_or_default();
            (
                r["seed"].as_u64().unwrap_or(u64::MAX),
                r["verdict"].as_str().unwrap_or_default().to_string(),
                r["trace_hash"].as_str().unwrap_or_default().to_string(),
                failing.iter().map(|c| c["name"].as_str().unwrap_or_default().to_string()).collect(),
            )
        })
        .collect()
}

/// Files in `DIR/seeds/`.
pub fn stored_seeds(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("seeds"))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "json")
            && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
    });
    files.sort();
    files
}
