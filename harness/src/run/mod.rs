//! One run from scenario to verdict: build the world, run it on an engine, check the
//! history, assemble `results.json`. Also the sweep over many seeds.
mod checks;
pub(crate) mod panic_capture;
mod results;
mod shard;
mod sweep;
mod sweep_summary;

pub use results::{repro_line, LatencySummary, Results};
pub use shard::{parse_seed_range, Shard, ShardSource};
pub use sweep::{load_complete, seed_results_path, sweep, sweep_with, SweepOutcome, SweepPlan, SweepRequest};
pub use sweep_summary::{SeedRange, SeedSummary, SweepSummary, SWEEP_FILE};

use crate::engine::{self, EngineKind};
use crate::history::{Event, FaultWindow};
use crate::nemesis::{self, Nemesis, NemesisRun};
use crate::scenario::Scenario;
use crate::world::{World, WorldProgram, WorldState};
use std::sync::Arc;

/// What to run.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// The scenario as the user named it (name or path), for the repro line.
    pub scenario_arg: String,
    /// The loaded scenario.
    pub scenario: Arc<Scenario>,
    /// Run seed.
    pub seed: u64,
    /// Engine.
    pub engine: EngineKind,
    /// Planted bugs from the command line (the scenario's own are added).
    pub bugs: Vec<String>,
}

impl RunRequest {
    /// Every bug switched on: the scenario's and the command line's, sorted, no repeats.
    pub fn all_bugs(&self) -> Vec<String> {
        let mut bugs: Vec<String> = self.scenario.bugs.iter().chain(self.bugs.iter()).cloned().collect();
        bugs.sort();
        bugs.dedup();
        bugs
    }
}

/// Everything a run produced.
pub struct RunOutcome {
    /// The results.json content.
    pub results: Results,
    /// The client history.
    pub history: Vec<Event>,
    /// The faults as they happened.
    pub faults: Vec<FaultWindow>,
    /// The systems' report sections (charts, the non-linearizable window's timeline).
    pub sections: Vec<crate::report::ReportSection>,
}

/// Runs one simulation and checks it. A panic inside the simulated system is a finding:
/// it becomes a failed `no-panic` check, not a crash of the caller.
pub fn run(request: &RunRequest) -> RunOutcome {
    let wall_start = std::time::Instant::now();
    let bugs = request.all_bugs();
    let world = World::new(WorldState::new(request.seed, request.scenario.clone(), bugs.clone()));
    let program = Arc::new(WorldProgram::new(world.clone()));
    let plan = nemesis::plan(&request.scenario, request.seed);
    let mut nemesis = NemesisRun::new(Nemesis::new(plan, request.scenario.clone(), request.seed), world.clone());
    let engine_result = panic_capture::catch(|| engine::run(request.engine, program, &mut nemesis));
    // Wall time is measured here, outside the simulation (under madsim, clocks inside are simulated).
    let wall_seconds = wall_start.elapsed().as_secs_f64();
    let failure = match engine_result {
        Ok(Ok(())) => None,
        Ok(Err(engine_error)) => Some(("engine".to_string(), engine_error)),
        Err(panic_message) => Some(("no-panic".to_string(), panic_message)),
    };
    checks::assemble(request, &world, bugs, failure, wall_seconds)
}
