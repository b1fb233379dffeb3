//! The bench's per-engine figures: rates of plain runs, and where the wall time of
//! profiled runs goes (inside the systems' handlers, the host loops, the clients, the
//! checks, and elsewhere: the engine, world set-up and results).
use crate::engine::profile::{self, Profile};
use crate::engine::EngineKind;
use crate::history::Event;
use crate::run::{run, RunRequest};
use crate::scenario::Scenario;
use std::sync::Arc;
use std::time::Instant;

/// Profiled seeds per engine: enough for stable shares, few enough to keep the bench short.
const PROFILED_SEEDS_MAX: u64 = 3;

/// One engine's figures over a range of seeds.
pub struct EngineFigures {
    /// Simulated seconds per wall second of simulation (checks excluded).
    pub sim_per_wall: f64,
    /// Whole runs (checks included) per wall second.
    pub seeds_per_s: f64,
    /// Datagrams delivered per wall second of simulation.
    pub datagrams_per_wall_s: f64,
    /// Operations per wall second of simulation.
    pub ops_per_wall_s: f64,
    /// Wall time of the profiled runs and its parts.
    pub profile: Profile,
    /// Wall nanoseconds of the profiled runs, whole.
    pub profiled_ns: u64,
}

fn request(scenario_arg: &str, scenario: &Arc<Scenario>, seed: u64, engine: EngineKind) -> RunRequest {
    RunRequest { scenario_arg: scenario_arg.to_string(), scenario: scenario.clone(), seed, engine, bugs: vec![] }
}

/// Runs `seeds` seeds plainly, then a few profiled; `keep` gets every plain run's history.
pub fn measure(
    scenario_arg: &str,
    scenario: &Arc<Scenario>,
    engine: EngineKind,
    seeds: u64,
    keep: &mut dyn FnMut(&[Event]),
) -> EngineFigures {
    let (mut sim, mut wall, mut ops, mut datagrams) = (0.0, 0.0, 0u64, 0u64);
    let start = Instant::now();
    for seed in 0..seeds {
        let outcome = run(&request(scenario_arg, scenario, seed, engine));
        sim += outcome.results.sim_seconds;
        wall += outcome.results.wall_seconds;
        ops += outcome.results.ops;
        datagrams += outcome.results.stats.get("messages_delivered").and_then(serde_json::Value::as_u64).unwrap_or(0);
        keep(&outcome.history);
    }
    let full = start.elapsed().as_secs_f64().max(1e-9);
    let wall = wall.max(1e-9);
    let profiled = Instant::now();
    profile::start();
    for seed in 0..seeds.min(PROFILED_SEEDS_MAX) {
        let _ = run(&request(scenario_arg, scenario, seed, engine));
    }
    let profile = profile::stop();
    EngineFigures {
        sim_per_wall: sim / wall,
        seeds_per_s: seeds as f64 / full,
        datagrams_per_wall_s: datagrams as f64 / wall,
        ops_per_wall_s: ops as f64 / wall,
        profile,
        profiled_ns: u64::try_from(profiled.elapsed().as_nanos()).unwrap_or(u64::MAX),
    }
}

/// The header of `row`.
pub fn header() -> String {
    format!(
        "{:<8} {:>9} {:>8} {:>11} {:>9} | {:>8} {:>9} {:>8} {:>7} {:>9}",
        "engine", "sim/wall", "seeds/s", "dgrams/s", "ops/s", "handlers", "host loop", "clients", "checks", "elsewhere"
    )
}

/// One engine's line: rates, then the shares of wall time.
pub fn row(engine: EngineKind, f: &EngineFigures) -> String {
    let p = &f.profile;
    let total = f.profiled_ns.max(1) as f64;
    // Host and client polls both zero: the clock stood still inside the simulation (quanta
    // fell back to an OS clock that madsim simulates), so those shares cannot be told.
    let measurable = p.host_polls_ns > 0 || p.client_polls_ns > 0;
    let pct = |ns: u64| if measurable { format!("{:.1}%", ns as f64 * 100.0 / total) } else { "n/a".to_string() };
    let host_loop = p.host_polls_ns.saturating_sub(p.handlers_ns);
    let accounted = p.host_polls_ns.saturating_add(p.client_polls_ns).saturating_add(p.checks_ns);
    let elsewhere = f.profiled_ns.saturating_sub(accounted);
    format!(
        "{:<8} {:>9.0} {:>8.2} {:>11.0} {:>9.0} | {:>8} {:>9} {:>8} {:>7} {:>9}",
        engine.name(),
        f.sim_per_wall,
        f.seeds_per_s,
        f.datagrams_per_wall_s,
        f.ops_per_wall_s,
        pct(p.handlers_ns),
        pct(host_loop),
        pct(p.client_polls_ns),
        format!("{:.1}%", p.checks_ns as f64 * 100.0 / total),
        pct(elsewhere)
    )
}
