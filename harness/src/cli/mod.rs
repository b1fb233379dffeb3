//! The `faultline` command line. Exit codes: 0 pass, 1 a check failed, 2 bad input.
mod bench_cmd;
mod bench_figures;
mod check_cmd;
mod merge_cmd;
mod run_cmd;
mod shrink_cmd;
mod sweep_cmd;
mod sweep_output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Deterministic simulation and chaos testing for a social-network backend.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one simulation, check it and write a report.
    Run(RunArgs),
    /// Shrink a failing run to the smallest scenario found that fails the same checks.
    Shrink(ShrinkArgs),
    /// Run many seeds in parallel and list the failures with their repro lines.
    Sweep(SweepArgs),
    /// Combine the sweep.json of shard sweeps into one sweep.json and index.html.
    Merge(MergeArgs),
    /// Check recorded histories (ours or Jepsen's): linearizability models, or the queue and
    /// log models (total-queue, kafka); a line per file and a summary.
    Check(CheckArgs),
    /// List the planted bugs: name, scenario that exercises it, description.
    Bugs,
    /// Measure simulated seconds per wall second, seeds per second and checker speed.
    Bench(BenchArgs),
}

/// Arguments of `faultline run`.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario name (from scenarios/) or path to a TOML file.
    #[arg(default_value = "social")]
    scenario: String,
    /// Run seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Engine: native, madsim or turmoil (default: the scenario's).
    #[arg(long)]
    engine: Option<String>,
    /// Report directory (default: reports/SCENARIO-seedN-ENGINE).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Switch on a planted bug (see `faultline bugs`); repeatable.
    #[arg(long = "bug")]
    bugs: Vec<String>,
    /// Also write the run's explicit form here: a scenario file with every fault scheduled at
    /// its exact time, which fails the same checks at the same seed.
    #[arg(long)]
    explain_to: Option<PathBuf>,
}

/// How hard a shrink tries (shared by `shrink` and `sweep --shrink`).
#[derive(Debug, clap::Args)]
struct ShrinkBudgetArgs {
    /// Wall-time budget of one shrink, seconds; the smallest run found by then is reported.
    #[arg(long, default_value_t = crate::shrink::TIME_BUDGET_S_DEFAULT)]
    time_budget_s: u64,
    /// Candidate runs one shrink may try.
    #[arg(long, default_value_t = crate::shrink::CANDIDATES_MAX_DEFAULT)]
    candidates_max: usize,
}

/// Arguments of `faultline shrink`: the failing run's repro-line arguments.
#[derive(Debug, clap::Args)]
struct ShrinkArgs {
    /// Scenario name (from scenarios/) or path to a TOML file.
    scenario: String,
    /// Run seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Engine: native, madsim or turmoil (default: the scenario's).
    #[arg(long)]
    engine: Option<String>,
    /// Switch on a planted bug; repeatable.
    #[arg(long = "bug")]
    bugs: Vec<String>,
    /// Parallel candidate runs (default: the number of cores); the result does not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    #[command(flatten)]
    budget: ShrinkBudgetArgs,
    /// Output directory: scenario.toml and report/ (default: reports/shrink-SCENARIO-seedN-ENGINE).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `faultline sweep`.
#[derive(Debug, clap::Args)]
struct SweepArgs {
    /// Scenario name (from scenarios/) or path to a TOML file.
    #[arg(default_value = "social")]
    scenario: String,
    /// Seeds as a half-open range, e.g. 0..100.
    #[arg(long)]
    seeds: String,
    /// Parallel runs (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Engine: native, madsim or turmoil (default: the scenario's).
    #[arg(long)]
    engine: Option<String>,
    /// Switch on a planted bug; repeatable.
    #[arg(long = "bug")]
    bugs: Vec<String>,
    /// Output directory: seeds/<seed>.json per seed, sweep.json, index.html, seed-N/ reports of
    /// failing seeds (default: reports/sweep-SCENARIO-A-B-ENGINE[-shard-I-of-N]).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only shard I of N (0-based) of the seeds: A+I, A+I+N, ... (default: from
    /// FAULTLINE_SHARD, JOB_COMPLETION_INDEX, CI_NODE_INDEX, BUILDKITE_PARALLEL_JOB or
    /// CIRCLE_NODE_INDEX, else all seeds).
    #[arg(long)]
    shard: Option<String>,
    /// The shard count when the index comes from JOB_COMPLETION_INDEX (or set FAULTLINE_SHARDS).
    #[arg(long)]
    shards: Option<u64>,
    /// Skip seeds whose results in --out are already complete (re-run corrupt ones).
    #[arg(long)]
    resume: bool,
    /// Also write JUnit XML here (one testcase per seed).
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Shrink the first failing seed of each distinct signature (into --out/shrink-seed-N/).
    #[arg(long)]
    shrink: bool,
    #[command(flatten)]
    shrink_budget: ShrinkBudgetArgs,
}

/// Arguments of `faultline merge`.
#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// Shard sweep directories (each holding a sweep.json) or sweep.json files.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Directory for the merged sweep.json and index.html.
    #[arg(long)]
    out: PathBuf,
    /// Also write JUnit XML here (one testcase per seed).
    #[arg(long)]
    junit: Option<PathBuf>,
}

/// Arguments of `faultline check`.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// History files; a directory stands for the files in it, in sorted order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Model: register, cas-register, kv or follow.
    #[arg(long)]
    model: String,
    /// Format: jsonl, edn or jepsen-log (default: from the file extension).
    #[arg(long)]
    format: Option<String>,
}

/// Arguments of `faultline bench`.
#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// Scenario to measure.
    #[arg(default_value = "social")]
    scenario: String,
    /// Seeds per engine.
    #[arg(long, default_value_t = 10)]
    seeds: u64,
    /// Engines to measure (repeatable; default: every engine this binary has).
    #[arg(long)]
    engine: Vec<String>,
}

/// Bad input: printed as one line, exit code 2.
pub struct BadInput(pub String);

impl From<crate::scenario::ScenarioError> for BadInput {
    fn from(e: crate::scenario::ScenarioError) -> Self {
        BadInput(e.to_string())
    }
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    crate::log::init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => run_cmd::run(RunArgs {
            scenario: "social".into(),
            seed: 0,
            engine: None,
            out: None,
            bugs: Vec::new(),
            explain_to: None,
        }),
        Some(Command::Run(args)) => run_cmd::run(args),
        Some(Command::Shrink(args)) => shrink_cmd::run(args),
        Some(Command::Sweep(args)) => sweep_cmd::sweep(args),
        Some(Command::Merge(args)) => merge_cmd::merge(args),
        Some(Command::Check(args)) => check_cmd::check(args),
        Some(Command::Bugs) => {
            for bug in crate::bugs::all() {
                println!("{}\t{}\t{}", bug.name, bug.scenario, bug.description);
            }
            Ok(true)
        }
        Some(Command::Bench(args)) => bench_cmd::bench(args),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(BadInput(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Shared by run/sweep/bench: load the scenario, pick the engine, validate the bugs.
fn prepare(
    scenario_arg: &str,
    engine: Option<&str>,
    bugs: &[String],
) -> Result<(std::sync::Arc<crate::scenario::Scenario>, crate::engine::EngineKind), BadInput> {
    let scenario = crate::scenario::load(scenario_arg)?;
    let engine_name = engine.unwrap_or(&scenario.engine);
    let engine = crate::engine::EngineKind::parse(engine_name).map_err(|e| BadInput(format!("--engine: {e}")))?;
    if !engine.available() {
        return Err(BadInput(format!(
            "--engine {engine}: this binary was built without `--cfg madsim` (see .cargo/config.toml); use --engine turmoil"
        )));
    }
    if let Some(why) = scenario.engine_refusal(engine) {
        return Err(BadInput(format!("--engine {engine} refused: {why}")));
    }
    for bug in bugs {
        if crate::bugs::find(bug).is_none() {
            let names: Vec<&str> = crate::bugs::all().iter().map(|b| b.name).collect();
            return Err(BadInput(format!("--bug {bug}: unknown planted bug (known: {})", names.join(", "))));
        }
    }
    Ok((std::sync::Arc::new(scenario), engine))
}
