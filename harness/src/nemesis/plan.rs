//! Fault schedules: the scenario's explicit faults plus, in generated mode, faults drawn
//! from the seed. Swarm testing: each seed enables a random subset of the fault kinds, so
//! different seeds stress different combinations.
use crate::scenario::{secs_to_us, FaultKind, NemesisMode, Scenario};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One fault to start at `start_us` and heal at `end_us`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFault {
    /// What.
    pub kind: FaultKind,
    /// Start, simulated microseconds.
    pub start_us: u64,
    /// Heal, simulated microseconds (never after the scenario's heal point).
    pub end_us: u64,
    /// Target node (0-based) for single-node faults; None = chosen when applied.
    pub node: Option<usize>,
}

/// Salt for the nemesis RNG stream.
const NEMESIS_RNG_SALT: u64 = 0x4e45_4d45_5349_5300;

/// The run's fault schedule, sorted by start time.
pub fn plan(scenario: &Scenario, seed: u64) -> Vec<PlannedFault> {
    let ne = &scenario.nemesis;
    let heal_us = scenario.heal_us();
    let mut faults: Vec<PlannedFault> = Vec::new();
    if ne.mode == NemesisMode::None {
        return faults;
    }
    for f in &ne.schedule {
        let start_us = secs_to_us(f.at_s);
        if start_us >= heal_us {
            continue;
        }
        // At least 1 µs: a fault planned to end as it starts would heal before it starts
        // (heals sort first at an instant) and stay in force past the heal point.
        let end_us = (start_us + secs_to_us(f.duration_s).max(1)).min(heal_us);
        faults.push(PlannedFault { kind: f.fault, start_us, end_us, node: f.node.map(|n| n - 1) });
    }
    if ne.mode == NemesisMode::Generated {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ NEMESIS_RNG_SALT);
        let kinds = enabled_kinds(&ne.kinds, ne.swarm, &mut rng);
        let mut t = secs_to_us(ne.start_s);
        let mut partition_until = 0u64;
        loop {
            t += rng.random_range(ne.interval_ms_min * 1000..=ne.interval_ms_max * 1000);
            if t >= heal_us {
                break;
            }
            let kind = kinds[rng.random_range(0..kinds.len())];
            let length_us = match kind {
                FaultKind::Crash | FaultKind::KillLeader => {
                    rng.random_range(ne.restart_delay_ms_min * 1000..=ne.restart_delay_ms_max * 1000)
                }
                _ => rng.random_range(ne.fault_ms_min * 1000..=ne.fault_ms_max * 1000),
            };
            // One partition at a time: overlapping cuts would heal each other's links.
            if kind.is_partition() {
                if t < partition_until {
                    continue;
                }
                partition_until = t + length_us;
            }
            let node = match kind {
                FaultKind::KillLeader
                | FaultKind::PartitionLeader
                | FaultKind::PartitionHalves
                | FaultKind::PartitionRing
                | FaultKind::PartitionBridge => None,
                _ => Some(rng.random_range(0..scenario.node_count().max(1))),
            };
            // A 0 ms restart delay is valid; the crash still lasts 1 µs (see above).
            let end_us = (t + length_us.max(1)).min(heal_us);
            faults.push(PlannedFault { kind, start_us: t, end_us, node });
        }
    }
    faults.sort_by_key(|f| (f.start_us, f.kind, f.node));
    faults
}

fn enabled_kinds(kinds: &[FaultKind], swarm: bool, rng: &mut ChaCha8Rng) -> Vec<FaultKind> {
    let mut all: Vec<FaultKind> = kinds.to_vec();
    all.sort_unstable();
    all.dedup();
    if !swarm || all.len() <= 1 {
        return all;
    }
    loop {
        let subset: Vec<FaultKind> = all.iter().copied().filter(|_| rng.random_bool(0.5)).collect();
        if !subset.is_empty() {
            return subset;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_plan_different_seed_different_plan() {
        let s = default_scenario();
        assert_eq!(plan(&s, 7), plan(&s, 7));
        assert_ne!(plan(&s, 7), plan(&s, 8));
    }

    /// The defaults as a scenario file gets them: five relations voters.
    fn default_scenario() -> Scenario {
        crate::scenario::load_str("default.toml", "").expect("the defaults are valid")
    }

    #[test]
    fn faults_heal_by_the_heal_point_and_partitions_do_not_overlap() {
        let s = default_scenario();
        for seed in 0..50 {
            let p = plan(&s, seed);
            let mut last_partition_end = 0;
            for f in &p {
                assert!(f.start_us < f.end_us && f.end_us <= s.heal_us());
                if f.kind.is_partition() {
                    assert!(f.start_us >= last_partition_end);
                    last_partition_end = f.end_us;
                }
            }
        }
    }

    /// Found writing the plan checks of the `scenario` fuzz target: a fault shorter than
    /// half a microsecond (or a crash with a 0 ms restart delay) was planned as
    /// start == end, so its heal sorted before its start and it stayed in force to the end
    /// of the run, past the heal point.
    #[test]
    fn every_planned_fault_lasts_at_least_a_microsecond() {
        let explicit =
            "[nemesis]\nmode = \"explicit\"\nschedule = [{ at_s = 1.0, fault = \"pause\", duration_s = 1e-9 }]\n";
        let generated = "[nemesis]\nkinds = [\"crash\"]\nrestart_delay_ms_min = 0\nrestart_delay_ms_max = 0\n";
        for text in [explicit, generated] {
            let s = crate::scenario::load_str("tiny.toml", text).expect("valid");
            let p = plan(&s, 3);
            assert!(!p.is_empty());
            assert!(p.iter().all(|f| f.start_us < f.end_us && f.end_us <= s.heal_us()), "{p:?}");
        }
    }

    #[test]
    fn mode_none_plans_nothing() {
        let mut s = Scenario::default();
        s.nemesis.mode = NemesisMode::None;
        assert!(plan(&s, 1).is_empty());
    }
}
