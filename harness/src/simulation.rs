//! The library entry point for a user's own system: build a scenario (from TOML with the
//! user's [`Plugin`]s, or in code with [`Scenario::with_systems`]), then
//! `Simulation::new(scenario).seed(7).engine(EngineKind::Madsim).bug("name").run()` gives the
//! recorded run and the verdict, and [`RunOutcome::report_to`] writes `results.json` and the
//! HTML report. It wraps [`run::run`] exactly as `faultline run` does, so a seed replays the
//! same way from a test, an example or the command line.
use crate::engine::EngineKind;
use crate::report::{self, ReportInput};
use crate::run::{self, RunOutcome, RunRequest};
use crate::scenario::{self, Scenario, ScenarioError, SystemList};
use crate::system::{PlantedBug, Plugin, System};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// One run to be made: a scenario, a seed, an engine and the planted bugs to switch on.
#[derive(Clone, Debug)]
pub struct Simulation {
    scenario: Arc<Scenario>,
    label: String,
    seed: u64,
    engine: Option<EngineKind>,
    bugs: Vec<String>,
    known_bugs: Vec<PlantedBug>,
}

/// Why a simulation could not start (bad input, never a finding about the system).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimulationError {
    /// No configured system runs a host.
    NoHosts,
    /// A bug name that neither our systems nor the given plugins declare.
    UnknownBug {
        /// The name asked for.
        name: String,
        /// Every name that is known.
        known: Vec<String>,
    },
    /// The scenario's `engine` field names no engine.
    BadEngine(String),
    /// The engine is not compiled in (madsim needs `--cfg madsim`).
    EngineUnavailable(EngineKind),
    /// A system cannot run deterministically on the engine (the message says which and why).
    EngineRefused(EngineKind, String),
}

impl fmt::Display for SimulationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimulationError::NoHosts => f.write_str("no system under test runs a host"),
            SimulationError::UnknownBug { name, known } => {
                write!(f, "bug {name:?}: unknown planted bug (known: {})", known.join(", "))
            }
            SimulationError::BadEngine(message) => write!(f, "scenario field engine: {message}"),
            SimulationError::EngineUnavailable(engine) => {
                write!(f, "engine {engine}: built without `--cfg madsim` (see .cargo/config.toml)")
            }
            SimulationError::EngineRefused(engine, why) => write!(f, "engine {engine} refused: {why}"),
        }
    }
}

impl std::error::Error for SimulationError {}

impl Simulation {
    /// A run of `scenario` at seed 0 on the scenario's engine, with no bugs beyond its own.
    pub fn new(scenario: Scenario) -> Self {
        let label = scenario.name.clone();
        Simulation {
            scenario: Arc::new(scenario),
            label,
            seed: 0,
            engine: None,
            bugs: Vec::new(),
            known_bugs: Vec::new(),
        }
    }

    /// Loads scenario TOML configured by `plugins` (whose planted bugs `bug` then accepts);
    /// `file` names the text in error messages and in the repro line.
    pub fn from_toml(file: &str, text: &str, plugins: &[&dyn Plugin]) -> Result<Self, ScenarioError> {
        let scenario = scenario::load_str_with(file, text, plugins)?;
        Ok(Simulation::new(scenario).label(file).known_bugs(plugins.iter().flat_map(|p| p.bugs())))
    }

    /// The run seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The engine (default: the scenario's `engine` field).
    pub fn engine(mut self, engine: EngineKind) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Switches a planted bug on (repeatable; the scenario's own `bugs` stay on).
    pub fn bug(mut self, name: &str) -> Self {
        self.bugs.push(name.to_string());
        self
    }

    /// Declares planted bugs of systems built in code, so `bug` accepts their names.
    pub fn known_bugs(mut self, bugs: impl IntoIterator<Item = PlantedBug>) -> Self {
        self.known_bugs.extend(bugs);
        self
    }

    /// How the repro line names the scenario (default: its name).
    pub fn label(mut self, label: &str) -> Self {
        self.label = label.to_string();
        self
    }

    /// The scenario this runs.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs it: the recorded run (history, faults), the verdict (`results`) and report sections.
    pub fn run(&self) -> Result<RunOutcome, SimulationError> {
        Ok(run::run(&self.request()?))
    }

    /// The request `run` makes, after checking what `faultline run` checks.
    pub fn request(&self) -> Result<RunRequest, SimulationError> {
        if self.scenario.node_count() == 0 {
            return Err(SimulationError::NoHosts);
        }
        let engine = match self.engine {
            Some(engine) => engine,
            None => EngineKind::parse(&self.scenario.engine).map_err(SimulationError::BadEngine)?,
        };
        if !engine.available() {
            return Err(SimulationError::EngineUnavailable(engine));
        }
        if let Some(why) = self.scenario.engine_refusal(engine) {
            return Err(SimulationError::EngineRefused(engine, why));
        }
        let known = |name: &str| crate::bugs::find(name).is_some() || self.known_bugs.iter().any(|b| b.name == name);
        if let Some(name) = self.bugs.iter().chain(&self.scenario.bugs).find(|n| !known(n)) {
            let mut names: Vec<String> =
                crate::bugs::all().iter().chain(&self.known_bugs).map(|b| b.name.to_string()).collect();
            names.sort();
            names.dedup();
            return Err(SimulationError::UnknownBug { name: name.clone(), known: names });
        }
        Ok(RunRequest {
            scenario_arg: self.label.clone(),
            scenario: self.scenario.clone(),
            seed: self.seed,
            engine,
            bugs: self.bugs.clone(),
        })
    }
}

impl Scenario {
    /// This scenario running `systems` (in host-numbering order) instead of what its file
    /// configured: for systems built in code rather than from scenario sections.
    pub fn with_systems(mut self, systems: Vec<Arc<dyn System>>) -> Self {
        self.systems = SystemList::new(systems);
        self
    }
}

impl RunOutcome {
    /// Writes `results.json` and the HTML report (history, faults, charts, sections) into `dir`.
    pub fn report_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(&self.results).map_err(std::io::Error::other)?;
        crate::atomic_file::write(&dir.join("results.json"), json.as_bytes())?;
        let r = &self.results;
        let title = format!("{} seed {} ({})", r.scenario, r.seed, r.engine);
        let repro = match &r.shrunk_from {
            Some(original) => format!("{}\n\n# a shrunk run (faultline shrink) of:\n{original}", r.repro),
            None => r.repro.clone(),
        };
        report::write_report(
            dir,
            &ReportInput {
                title: &title,
                verdict_ok: r.passed(),
                checks: &r.checks,
                history: &self.history,
                faults: &self.faults,
                sim_end_us: (r.sim_seconds * 1e6) as u64,
                repro: &repro,
                results_json: &json,
                sections: &self.sections,
            },
        )?;
        Ok(())
    }
}
