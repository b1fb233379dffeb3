//! `faultline bench`: ratios, not timed assertions. For each engine: simulated seconds per
//! wall second, seeds per second, datagrams per wall second and where the wall time goes;
//! madsim's bare-datagram ceiling; a 2-job sweep; the linearizability checker's speed.
use super::bench_figures::{header, measure, row};
use super::{prepare, BadInput, BenchArgs};
use crate::check::linearizability::{self, Budget};
use crate::check::models::ModelKind;
use crate::engine::EngineKind;
use crate::run::{sweep, SweepRequest};
use std::time::Instant;

/// Hosts in madsim's bare-datagram probe (about the default scenario's count).
const PROBE_HOSTS: usize = 10;

fn engines(args: &BenchArgs) -> Result<Vec<EngineKind>, BadInput> {
    let chosen = if args.engine.is_empty() {
        EngineKind::ALL.to_vec()
    } else {
        args.engine
            .iter()
            .map(|e| EngineKind::parse(e).map_err(|m| BadInput(format!("--engine: {m}"))))
            .collect::<Result<_, _>>()?
    };
    Ok(chosen.into_iter().filter(|e| e.available()).collect())
}

/// Drops the engines the scenario's systems refuse, saying so; an engine asked for by name
/// that is refused is bad input (as for `run`).
fn runnable(args: &BenchArgs, engines: Vec<EngineKind>) -> Result<Vec<EngineKind>, BadInput> {
    let scenario = crate::scenario::load(&args.scenario)?;
    let mut kept = Vec::new();
    for engine in engines {
        match scenario.engine_refusal(engine) {
            Some(why) if !args.engine.is_empty() => return Err(BadInput(format!("--engine {engine} refused: {why}"))),
            Some(why) => println!("engine {engine} skipped: {why}"),
            None => kept.push(engine),
        }
    }
    Ok(kept)
}

pub(super) fn bench(args: BenchArgs) -> Result<bool, BadInput> {
    let engines = runnable(&args, engines(&args)?)?;
    println!("scenario {}, {} seeds per engine, one thread unless noted", args.scenario, args.seeds);
    println!("shares of wall time from up to 3 profiled seeds per engine (host loop excludes handlers)");
    println!("{}", header());
    let mut histories = Vec::new();
    for &engine in &engines {
        let (scenario, _) = prepare(&args.scenario, Some(engine.name()), &[])?;
        let mut keep = |h: &[crate::history::Event]| {
            if Some(&engine) == engines.first() {
                histories.push(relations_events(h));
            }
        };
        let figures = measure(&args.scenario, &scenario, engine, args.seeds, &mut keep);
        println!("{}", row(engine, &figures));
    }
    print_madsim_ceiling();
    if let Some(&engine) = engines.first() {
        bench_sweep(&args, engine)?;
    }
    bench_checker(&histories);
    Ok(true)
}

#[cfg(madsim)]
fn print_madsim_ceiling() {
    let rate = crate::engine::madsim_probe::bare_datagrams_per_wall_second(PROBE_HOSTS, 20);
    println!(
        "madsim bare-datagram ceiling ({PROBE_HOSTS} hosts, a ring, nothing else): {rate:.0} datagrams per wall s"
    );
}

#[cfg(not(madsim))]
fn print_madsim_ceiling() {
    let _ = PROBE_HOSTS;
    println!("madsim bare-datagram ceiling: not measured (built without --cfg madsim)");
}

fn bench_sweep(args: &BenchArgs, engine: EngineKind) -> Result<(), BadInput> {
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
    Ok(())
}

fn bench_checker(histories: &[Vec<crate::history::Event>]) {
    let events: usize = histories.iter().map(Vec::len).sum();
    if events == 0 {
        println!("linearizability checker: no Raft client operations in this scenario, nothing to time");
        return;
    }
    let start = Instant::now();
    for h in histories {
        let _ = linearizability::check_history(ModelKind::Follow, h, Budget::default());
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    println!(
        "linearizability checker: {:.0} operations checked per second ({} ops in {} histories)",
        events as f64 / 2.0 / secs,
        events / 2,
        histories.len()
    );
}

/// The relations service's events of a history: what its linearizability check judges.
fn relations_events(history: &[crate::history::Event]) -> Vec<crate::history::Event> {
    let relations = Some(crate::systems::relations::NAME);
    history.iter().filter(|e| e.system.as_deref() == relations).cloned().collect()
}
