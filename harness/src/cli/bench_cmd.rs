//! `faultline bench`: ratios, not timed assertions. Simulated seconds per wall second and
//! seeds per second for each engine, a 2-job sweep, and the linearizability checker's speed.
use super::{prepare, BadInput, BenchArgs};
use crate::check::linearizability::{self, Budget};
use crate::check::models::ModelKind;
use crate::engine::EngineKind;
use crate::run::{run, sweep, RunRequest, SweepRequest};
use std::time::Instant;

pub(super) fn bench(args: BenchArgs) -> Result<bool, BadInput> {
    let engines: Vec<EngineKind> =
        [EngineKind::Madsim, EngineKind::Turmoil].into_iter().filter(|e| e.available()).collect();
    println!("scenario {}, {} seeds per engine, one thread unless noted", args.scenario, args.seeds);
    println!(
        "{:<10} {:>14} {:>10} {:>16} {:>12}",
        "engine", "sim s/wall s", "seeds/s", "datagrams/wall s", "ops/wall s"
    );
    let mut histories = Vec::new();
    for &engine in &engines {
        let (scenario, _) = prepare(&args.scenario, Some(engine.name()), &[])?;
        let (mut sim, mut wall, mut ops, mut datagrams) = (0.0, 0.0, 0u64, 0u64);
        let start = Instant::now();
        for seed in 0..args.seeds {
            let outcome = run(&RunRequest {
                scenario_arg: args.scenario.clone(),
                scenario: scenario.clone(),
                seed,
                engine,
                bugs: vec![],
            });
            sim += outcome.results.sim_seconds;
            // Simulation only: the engine's wall time, excluding checks.
            wall += outcome.results.wall_seconds;
            ops += outcome.results.ops;
            datagrams +=
                outcome.results.stats.get("messages_delivered").and_then(serde_json::Value::as_u64).unwrap_or(0);
            if engine == engines[0] {
                histories.push(relations_events(&outcome.history));
            }
        }
        // Seeds per second counts whole runs: simulation and every checker.
        let full = start.elapsed().as_secs_f64().max(1e-9);
        let wall = wall.max(1e-9);
        println!(
            "{:<10} {:>14.0} {:>10.2} {:>16.0} {:>12.0}",
            engine.name(),
            sim / wall,
            args.seeds as f64 / full,
            datagrams as f64 / wall,
            ops as f64 / wall
        );
    }
    if let Some(&engine) = engines.first() {
        let (scenario, _) = prepare(&args.scenario, Some(engine.name()), &[])?;
        let jobs = 2;
        let outcome = sweep(&SweepRequest {
            scenario_arg: args.scenario.clone(),
            scenario,
            seeds: 0..args.seeds * 2,
            jobs,
            engine,
            bugs: vec![],
            stop_at_first_failure: false,
            progress: false,
        });
        println!(
            "sweep on {engine} with {jobs} jobs: {:.2} seeds/s, {:.0} simulated s per wall s",
            outcome.results.len() as f64 / outcome.wall_seconds.max(1e-9),
            outcome.sim_seconds() / outcome.wall_seconds.max(1e-9)
        );
    }
    let events: usize = histories.iter().map(Vec::len).sum();
    if events == 0 {
        return Ok(true); // No Raft clients: nothing for the linearizability checker.
    }
    let start = Instant::now();
    for h in &histories {
        let _ = linearizability::check_history(ModelKind::Follow, h, Budget::default());
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    println!(
        "linearizability checker: {:.0} operations checked per second ({} ops in {} histories)",
        events as f64 / 2.0 / secs,
        events / 2,
        histories.len()
    );
    Ok(true)
}

/// The relations service's events of a history: what its linearizability check judges.
fn relations_events(history: &[crate::history::Event]) -> Vec<crate::history::Event> {
    let relations = Some(crate::systems::relations::NAME);
    history.iter().filter(|e| e.system.as_deref() == relations).cloned().collect()
}
