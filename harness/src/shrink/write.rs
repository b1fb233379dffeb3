//! Handing a shrunk run back: its scenario file, its report (from a replay of that file, so
//! the report shows what the repro line reproduces) and the repro line.
use super::explicit::document_text;
use super::Shrunk;
use crate::run::{repro_line, RunOutcome, RunRequest};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The shrunk scenario's file name in the output directory.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// What was written.
pub struct Written {
    /// The shrunk scenario file.
    pub scenario: PathBuf,
    /// Its report directory.
    pub report: PathBuf,
    /// The line that replays it.
    pub repro: String,
    /// The replay (its trace hash equals the shrunk candidate's).
    pub replay: RunOutcome,
}

/// Writes `dir/scenario.toml`, replays it and writes the report into `dir/report/`.
pub fn write_shrunk(shrunk: &Shrunk, request: &RunRequest, dir: &Path) -> Result<Written, String> {
    let text = document_text(&shrunk.shrunk.document)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let path = dir.join(SCENARIO_FILE);
    let header = "# Written by `faultline shrink`: the smallest run found that fails the same checks.\n";
    crate::atomic_file::write(&path, format!("{header}{text}").as_bytes())
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    let scenario_arg = path.display().to_string();
    let scenario = crate::scenario::load(&scenario_arg).map_err(|e| e.to_string())?;
    let replay_request = RunRequest {
        scenario_arg: scenario_arg.clone(),
        scenario: Arc::new(scenario),
        seed: request.seed,
        engine: request.engine,
        bugs: Vec::new(),
    };
    let replay = crate::run::run(&replay_request);
    let report = dir.join("report");
    replay.report_to(&report).map_err(|e| format!("{}: cannot write the report: {e}", report.display()))?;
    let repro = repro_line(&scenario_arg, request.seed, request.engine, &[]);
    Ok(Written { scenario: path, report, repro, replay })
}
