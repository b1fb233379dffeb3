//! What the `scenario` fuzz target does with a scenario that loaded: plan its faults for a
//! few seeds, build the world, the nemesis and every host and client, and run it on the
//! native engine for a few simulated milliseconds. Loading alone never reached the code
//! that turns a valid scenario into a run, where a value validation let through can still
//! overflow, index out of range or divide by zero.
use crate::engine::{self, EngineKind, Program};
use crate::nemesis::{self, Nemesis, NemesisRun, PlannedFault};
use crate::scenario::{secs_to_us, NemesisMode, Scenario};
use crate::world::{World, WorldProgram, WorldState};
use std::sync::Arc;

/// Seeds each loaded scenario is planned and set up for.
const SEEDS: [u64; 2] = [0, 1];
/// Simulated µs of the bounded run: enough for every host to boot and every client to send.
const RUN_US: u64 = 20_000;
/// Generated plans expected to hold more faults than this are not planned: a scenario may
/// ask for a fault every millisecond of a simulated day (86 million faults), which is valid
/// but would make the fuzzer measure memory, not find bugs.
const PLANNED_FAULTS_MAX: u64 = 20_000;

/// Plans, sets up and briefly runs `scenario`. Panics outside the simulated systems (the
/// planner, the world's set-up) are findings; a panic inside a simulated system is the
/// simulation target's business (a scenario may switch planted bugs on), so it is caught.
pub fn set_up(scenario: Scenario) {
    let scenario = Arc::new(scenario);
    if expected_generated_faults(&scenario) > PLANNED_FAULTS_MAX {
        return;
    }
    for seed in SEEDS {
        let plan = nemesis::plan(&scenario, seed);
        check_plan(&scenario, &plan);
        let world = World::new(WorldState::new(seed, scenario.clone(), scenario.bugs.clone()));
        let program = WorldProgram::new(world.clone()).until_us(RUN_US);
        let mut nemesis = NemesisRun::new(Nemesis::new(plan, scenario.clone(), seed), world);
        if scenario.engine_refusal(EngineKind::Native).is_none() {
            let program: Arc<dyn Program> = Arc::new(program);
            let _ = crate::run::panic_capture::catch(|| engine::run(EngineKind::Native, program, &mut nemesis));
        }
    }
}

/// Roughly how many faults a generated plan holds: the fault phase over the shortest gap.
fn expected_generated_faults(s: &Scenario) -> u64 {
    if s.nemesis.mode != NemesisMode::Generated {
        return 0;
    }
    let phase_us = s.heal_us().saturating_sub(secs_to_us(s.nemesis.start_s));
    phase_us / s.nemesis.interval_ms_min.saturating_mul(1000).max(1)
}

/// What every plan promises the nemesis: sorted by start, each fault starts before it heals
/// and heals by the heal point, targets only hosts that exist.
fn check_plan(s: &Scenario, plan: &[PlannedFault]) {
    let heal_us = s.heal_us();
    for (i, f) in plan.iter().enumerate() {
        assert!(f.start_us < f.end_us && f.end_us <= heal_us, "fault {i} {f:?}: outside (start, heal {heal_us}]");
        assert!(f.node.is_none_or(|n| n < s.node_count()), "fault {i} {f:?}: no such host");
    }
    assert!(plan.windows(2).all(|w| w[0].start_us <= w[1].start_us), "plan not sorted by start");
}
