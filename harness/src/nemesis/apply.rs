//! Starting and healing planned faults. Network and process faults go through the engine's
//! own features (`NetControl`); clock, disk, pause, duplication and reordering are the
//! harness's, applied the same way under both engines.
use super::plan::PlannedFault;
use super::shapes::{bridge_cuts, halves_cuts, isolate_cuts, ring_cuts};
use crate::engine::NetControl;
use crate::history::node_name;
use crate::scenario::{FaultKind, Scenario};
use crate::world::World;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};

/// A fault that took effect: its description, the hosts it touched, and how to undo it.
type Applied = Option<(String, Vec<usize>, Undo)>;

/// How to undo a fault that is in force.
#[derive(Clone, Debug)]
enum Undo {
    Repair(Vec<(usize, usize)>),
    Restart(usize),
    Resume(usize),
    ClockReset(usize),
    /// Clocks stop drifting but keep the offset they gained: healing drift must not jump a
    /// clock, since a jump breaks assumptions (leases) that drift within bounds keeps.
    ClockSteady(Vec<usize>),
    Global(FaultKind),
    DiskEio(usize),
    DiskSlow(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    // Heals sort before starts at the same instant, so a fault ending as another begins
    // does not undo the new one.
    Heal(usize),
    Start(usize),
}

/// Walks a fault plan through simulated time.
pub struct Nemesis {
    plan: Vec<PlannedFault>,
    steps: Vec<(u64, Step)>,
    next: usize,
    active: BTreeMap<usize, (usize, Undo)>,
    global_active: BTreeMap<FaultKind, usize>,
    down: BTreeSet<usize>,
    /// The clock-drift fault whose rates are in force: a newer one replaces the rates, and
    /// only the one in force may end them.
    drift_in_force: Option<usize>,
    /// Apply-time choices (victims, magnitudes, shapes) come from each fault's own stream.
    seed: u64,
    scenario: std::sync::Arc<Scenario>,
}

impl Nemesis {
    /// A nemesis that will run `plan`.
    pub fn new(plan: Vec<PlannedFault>, scenario: std::sync::Arc<Scenario>, seed: u64) -> Self {
        let mut steps: Vec<(u64, Step)> = plan
            .iter()
            .enumerate()
            .flat_map(|(i, f)| [(f.start_us, Step::Start(i)), (f.end_us, Step::Heal(i))])
            .collect();
        steps.sort();
        Nemesis {
            plan,
            steps,
            next: 0,
            active: BTreeMap::new(),
            global_active: BTreeMap::new(),
            down: BTreeSet::new(),
            drift_in_force: None,
            seed,
            scenario,
        }
    }

    /// When the next start or heal is due.
    pub fn next_due_us(&self) -> Option<u64> {
        self.steps.get(self.next).map(|s| s.0)
    }

    /// Applies every step due at or before `now_us`.
    pub fn apply_due(&mut self, now_us: u64, world: &World, net: &mut dyn NetControl) {
        while let Some(&(at, step)) = self.steps.get(self.next) {
            if at > now_us {
                break;
            }
            self.next += 1;
            match step {
                Step::Start(i) => self.start(i, now_us, world, net),
                Step::Heal(i) => self.heal(i, now_us, world, net),
            }
        }
    }

    /// Heals everything still in force (end of run).
    pub fn heal_all(&mut self, now_us: u64, world: &World, net: &mut dyn NetControl) {
        let active: Vec<usize> = self.active.keys().copied().collect();
        for i in active {
            self.heal(i, now_us, world, net);
        }
        self.next = self.steps.len();
    }

    /// The current leader's host index, as hosts last published it.
    fn leader(&self, world: &World) -> Option<usize> {
        world.with(|w| w.leader_hint.host())
    }

    fn pick_up_node(&self, wanted: Option<usize>, rng: &mut ChaCha8Rng) -> Option<usize> {
        let n = self.scenario.node_count();
        let node = wanted.unwrap_or_else(|| rng.random_range(0..n));
        (node < n && !self.down.contains(&node)).then_some(node)
    }

    fn start(&mut self, i: usize, now_us: u64, world: &World, net: &mut dyn NetControl) {
        let fault = self.plan[i].clone();
        let mut rng = super::fault_rng(self.seed, &fault);
        let rng = &mut rng;
        let kind = fault.kind;
        let applied = match kind {
            FaultKind::PartitionIsolate
            | FaultKind::PartitionLeader
            | FaultKind::PartitionHalves
            | FaultKind::PartitionRing
            | FaultKind::PartitionBridge => self.start_partition(&fault, rng, world, net),
            FaultKind::KillLeader | FaultKind::Crash | FaultKind::Pause => self.start_process(&fault, rng, world, net),
            FaultKind::ClockDrift | FaultKind::ClockBump | FaultKind::ClockStrobe => {
                self.start_clock(i, &fault, rng, now_us, world)
            }
            FaultKind::Loss | FaultKind::Delay | FaultKind::Duplicate | FaultKind::Reorder | FaultKind::Corrupt => {
                Some(self.start_global(kind, world, net))
            }
            FaultKind::DiskEio | FaultKind::DiskSlow => self.start_disk(&fault, rng, world),
        };
        if let Some((description, nodes, undo)) = applied {
            let window = world.with(|w| {
                w.fault_started(now_us, kind.name(), description, nodes.iter().map(|&x| node_name(x)).collect())
            });
            self.active.insert(i, (window, undo));
        }
    }

    fn start_partition(
        &mut self,
        fault: &PlannedFault,
        rng: &mut ChaCha8Rng,
        world: &World,
        net: &mut dyn NetControl,
    ) -> Applied {
        let n = self.scenario.node_count();
        match fault.kind {
            FaultKind::PartitionIsolate | FaultKind::PartitionLeader => {
                let leader = fault.kind == FaultKind::PartitionLeader;
                let wanted = if leader { Some(self.leader(world)?) } else { fault.node };
                let node = self.pick_up_node(wanted, rng)?;
                let cuts = isolate_cuts(n, node);
                net.cut(&cuts);
                let what = if leader { "isolate leader" } else { "isolate" };
                Some((format!("{what} {}", node_name(node)), vec![node], Undo::Repair(cuts)))
            }
            FaultKind::PartitionHalves => {
                let (cuts, minority) = halves_cuts(n, rng);
                net.cut(&cuts);
                Some((format!("minority {} cut from the majority", names(&minority)), minority, Undo::Repair(cuts)))
            }
            FaultKind::PartitionRing => {
                let cuts = ring_cuts(n, rng);
                net.cut(&cuts);
                Some(("majorities ring".to_string(), (0..n).collect(), Undo::Repair(cuts)))
            }
            _ => {
                let (cuts, bridge) = bridge_cuts(n, rng);
                net.cut(&cuts);
                Some((format!("bridge via {}", node_name(bridge)), vec![bridge], Undo::Repair(cuts)))
            }
        }
    }

    fn start_process(
        &mut self,
        fault: &PlannedFault,
        rng: &mut ChaCha8Rng,
        world: &World,
        net: &mut dyn NetControl,
    ) -> Applied {
        if fault.kind == FaultKind::Pause {
            let node = self.pick_up_node(fault.node, rng)?;
            world.with(|w| w.nodes[node].paused_until_us = Some(fault.end_us));
            return Some((format!("pause {}", node_name(node)), vec![node], Undo::Resume(node)));
        }
        let target = if fault.kind == FaultKind::KillLeader { self.leader(world) } else { fault.node };
        let node = self.pick_up_node(Some(target?), rng)?;
        net.crash(node);
        world.with(|w| {
            let disk = w.nodes[node].disk.clone();
            disk.crash(rng);
            w.nodes[node].paused_until_us = None;
        });
        self.down.insert(node);
        Some((format!("crash {}", node_name(node)), vec![node], Undo::Restart(node)))
    }

    fn start_clock(
        &mut self,
        i: usize,
        fault: &PlannedFault,
        rng: &mut ChaCha8Rng,
        now_us: u64,
        world: &World,
    ) -> Applied {
        let c = self.scenario.nemesis.clock.clone();
        if fault.kind == FaultKind::ClockDrift {
            // Every running node gets its own rate in ±drift_ppm_max, so some clocks run
            // fast while others run slow: the skew leases must survive.
            let nodes: Vec<usize> = (0..self.scenario.node_count()).filter(|x| !self.down.contains(x)).collect();
            let max = c.drift_ppm_max.min(999_999) as i64;
            let rates: Vec<(usize, i64)> = nodes.iter().map(|&x| (x, rng.random_range(-max..=max))).collect();
            world.with(|w| rates.iter().for_each(|&(x, ppm)| w.nodes[x].clock.set_drift_ppm(now_us, ppm)));
            let what: Vec<String> = rates.iter().map(|&(x, ppm)| format!("{} {ppm:+} ppm", node_name(x))).collect();
            self.drift_in_force = Some(i);
            return Some((format!("drift clocks: {}", what.join(", ")), nodes.clone(), Undo::ClockSteady(nodes)));
        }
        let node = self.pick_up_node(fault.node, rng)?;
        let sign = if rng.random_bool(0.5) { 1i64 } else { -1 };
        let what = world.with(|w| {
            let clock = &mut w.nodes[node].clock;
            if fault.kind == FaultKind::ClockBump {
                let delta = sign * rng.random_range(1..=c.bump_ms_max.max(1)) as i64 * 1000;
                clock.bump(now_us, delta);
                format!("bump {} clock by {} ms", node_name(node), delta / 1000)
            } else {
                clock.start_strobe(now_us, c.strobe_amplitude_ms * 1000, c.strobe_period_ms * 1000);
                let (amplitude, period) = (c.strobe_amplitude_ms, c.strobe_period_ms);
                format!("strobe {} clock ±{amplitude} ms every {period} ms", node_name(node))
            }
        });
        Some((what, vec![node], Undo::ClockReset(node)))
    }

    fn start_global(&mut self, kind: FaultKind, world: &World, net: &mut dyn NetControl) -> (String, Vec<usize>, Undo) {
        *self.global_active.entry(kind).or_default() += 1;
        let ne = &self.scenario.nemesis;
        let what = match kind {
            FaultKind::Loss => {
                net.set_loss(ne.loss_rate);
                format!("lose {:.0}% of messages", ne.loss_rate * 100.0)
            }
            FaultKind::Delay => {
                let base = &self.scenario.network;
                net.set_latency(base.latency_ms_min, base.latency_ms_max.max(ne.delay_ms_max));
                format!("latency up to {} ms", ne.delay_ms_max)
            }
            FaultKind::Corrupt => {
                net.set_corruption(ne.corrupt_rate);
                format!("corrupt {:.0}% of messages in flight", ne.corrupt_rate * 100.0)
            }
            FaultKind::Duplicate => {
                world.with(|w| w.wire_faults.duplicate_rate = ne.duplicate_rate);
                format!("duplicate {:.0}% of messages", ne.duplicate_rate * 100.0)
            }
            _ => {
                world.with(|w| {
                    w.wire_faults.reorder_rate = ne.reorder_rate;
                    w.wire_faults.reorder_us_max = ne.reorder_ms_max * 1000;
                });
                format!("hold back {:.0}% of messages up to {} ms", ne.reorder_rate * 100.0, ne.reorder_ms_max)
            }
        };
        (what, Vec::new(), Undo::Global(kind))
    }

    fn start_disk(&mut self, fault: &PlannedFault, rng: &mut ChaCha8Rng, world: &World) -> Applied {
        let node = self.pick_up_node(fault.node, rng)?;
        if fault.kind == FaultKind::DiskEio {
            world.with(|w| w.nodes[node].disk.set_eio_probability(0.5));
            return Some((format!("{} disk returns EIO", node_name(node)), vec![node], Undo::DiskEio(node)));
        }
        let ms = self.scenario.nemesis.slow_fsync_ms;
        world.with(|w| w.nodes[node].disk.set_fsync_latency_us(ms * 1000));
        Some((format!("{} fsync takes {ms} ms", node_name(node)), vec![node], Undo::DiskSlow(node)))
    }

    fn heal(&mut self, i: usize, now_us: u64, world: &World, net: &mut dyn NetControl) {
        let Some((window, undo)) = self.active.remove(&i) else { return };
        match undo {
            Undo::Repair(cuts) => net.repair(&cuts),
            Undo::Restart(node) => {
                self.down.remove(&node);
                net.restart(node);
            }
            Undo::Resume(node) => world.with(|w| w.nodes[node].paused_until_us = None),
            Undo::ClockReset(node) => world.with(|w| w.nodes[node].clock.reset(now_us)),
            Undo::ClockSteady(nodes) => {
                if self.drift_in_force == Some(i) {
                    self.drift_in_force = None;
                    world.with(|w| nodes.iter().for_each(|&x| w.nodes[x].clock.set_drift_ppm(now_us, 0)));
                }
            }
            Undo::Global(kind) => {
                let count = self.global_active.entry(kind).or_default();
                *count = count.saturating_sub(1);
                if *count == 0 {
                    match kind {
                        FaultKind::Loss => net.set_loss(0.0),
                        FaultKind::Delay => {
                            let base = &self.scenario.network;
                            net.set_latency(base.latency_ms_min, base.latency_ms_max);
                        }
                        FaultKind::Duplicate => world.with(|w| w.wire_faults.duplicate_rate = 0.0),
                        FaultKind::Corrupt => {
                            net.set_corruption(0.0);
                            let counts = net.corrupted();
                            world.with(|w| w.stats.corrupted = counts);
                        }
                        _ => world.with(|w| w.wire_faults.reorder_rate = 0.0),
                    }
                }
            }
            Undo::DiskEio(node) => world.with(|w| w.nodes[node].disk.set_eio_probability(0.0)),
            Undo::DiskSlow(node) => world.with(|w| w.nodes[node].disk.set_fsync_latency_us(0)),
        }
        world.with(|w| w.fault_healed(window, now_us));
    }
}

fn names(nodes: &[usize]) -> String {
    let names: Vec<String> = nodes.iter().map(|&n| node_name(n)).collect();
    format!("{{{}}}", names.join(","))
}

/// The nemesis as the engine's controller: it acts on `world` between engine steps.
pub struct NemesisRun {
    nemesis: Nemesis,
    world: World,
}

impl NemesisRun {
    /// `nemesis` acting on `world`.
    pub fn new(nemesis: Nemesis, world: World) -> Self {
        NemesisRun { nemesis, world }
    }
}

impl crate::engine::Controller for NemesisRun {
    fn next_due_us(&self) -> Option<u64> {
        self.nemesis.next_due_us()
    }

    fn apply_due(&mut self, now_us: u64, net: &mut dyn NetControl) {
        self.nemesis.apply_due(now_us, &self.world, net);
    }

    fn finish(&mut self, now_us: u64, net: &mut dyn NetControl) {
        self.nemesis.heal_all(now_us, &self.world, net);
    }
}
