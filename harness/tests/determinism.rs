//! Replay is the product: the same seed gives the same trace, bit for bit, on each engine;
//! different seeds explore different runs.
mod common;
use common::{explain, run_seed};
use faultline::engine::EngineKind;

/// A seed whose generated schedule has faults (checked below, so the test cannot go quiet).
const FAULTY_SEED: u64 = 7;

fn same_seed_same_trace(engine: EngineKind) {
    let a = run_seed("social", FAULTY_SEED, engine, &[]);
    let b = run_seed("social", FAULTY_SEED, engine, &[]);
    assert!(a.faults > 0, "seed {FAULTY_SEED} ran no faults; pick a faulty seed");
    assert!(a.ops > 100, "only {} operations", a.ops);
    assert_eq!(a.trace_hash, b.trace_hash, "{}: same seed, different trace", engine.name());
    assert_eq!(a.ops, b.ops);
    assert!(a.passed(), "{}", explain(&a));
}

#[test]
fn same_seed_same_trace_on_madsim() {
    same_seed_same_trace(EngineKind::Madsim);
}

#[test]
fn same_seed_same_trace_on_turmoil() {
    same_seed_same_trace(EngineKind::Turmoil);
}

#[test]
fn same_seed_same_trace_on_native() {
    same_seed_same_trace(EngineKind::Native);
}

/// The bench's wall-time accounting must not reach simulated code: a profiled run replays
/// exactly as a plain one.
#[test]
fn profiling_does_not_change_the_trace() {
    for engine in [EngineKind::Native, EngineKind::Madsim] {
        let plain = run_seed("social", FAULTY_SEED, engine, &[]);
        faultline::engine::profile::start();
        let profiled = run_seed("social", FAULTY_SEED, engine, &[]);
        let profile = faultline::engine::profile::stop();
        // The accounting clock is the TSC (quanta), which madsim does not simulate, so both
        // engines' shares are measurable.
        assert!(profile.handlers_ns > 0 && profile.checks_ns > 0, "{engine}: nothing was profiled: {profile:?}");
        assert_eq!(plain.trace_hash, profiled.trace_hash, "{engine}: profiling changed the trace");
    }
}

#[test]
fn different_seeds_give_different_traces() {
    for engine in EngineKind::ALL {
        let a = run_seed("social", 1, engine, &[]);
        let b = run_seed("social", 2, engine, &[]);
        assert_ne!(a.trace_hash, b.trace_hash, "{}: seeds 1 and 2 gave the same trace", engine.name());
    }
}

/// A sweep runs many seeds per worker thread; each must still replay exactly as a lone run
/// (nothing may leak from one run into the next on the same thread).
#[test]
fn sweep_results_match_single_runs() {
    for engine in [EngineKind::Native, EngineKind::Madsim] {
        let swept = common::sweep_seeds("social", 0..6, engine, &[], false);
        assert_eq!(swept.len(), 6);
        for r in &swept {
            let alone = run_seed("social", r.seed, engine, &[]);
            assert_eq!(r.trace_hash, alone.trace_hash, "{} seed {}: sweep and lone run differ", engine.name(), r.seed);
        }
    }
}
