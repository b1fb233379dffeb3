//! The scenario's shape. Every field has a default so a scenario file says only what differs.
use crate::system::{System, Topology};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A complete scenario: one run of the backend under one fault plan.
/// Top-level keys are checked against the core's and the systems' sections at load.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// Short name, used in reports and repro lines.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Simulated seconds of workload with faults; every fault is healed at this point.
    pub duration_s: f64,
    /// Simulated seconds after the heal: clients keep going, liveness is measured here.
    pub quiesce_s: f64,
    /// Engine used when the command line does not choose one.
    pub engine: String,
    /// turmoil's fixed tick, milliseconds.
    pub turmoil_tick_ms: u64,
    /// Planted bugs switched on by the scenario itself (the `--bug` flag adds more).
    pub bugs: Vec<String>,
    /// The simulated network's healthy behaviour.
    pub network: NetworkConfig,
    /// Faults.
    pub nemesis: NemesisConfig,
    /// Checker bounds.
    pub checks: ChecksConfig,
    /// The repro line of the run this scenario was shrunk from (`faultline shrink`); empty if none.
    pub shrunk_from: String,
    /// The systems under test this scenario runs, configured from their own sections.
    #[serde(skip)]
    pub systems: SystemList,
    /// The whole file as loaded, so systems' sections can be written back (`--explain-to`).
    #[serde(skip)]
    pub document: toml::Table,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            name: "unnamed".into(),
            description: String::new(),
            duration_s: 20.0,
            quiesce_s: 8.0,
            engine: "native".into(),
            turmoil_tick_ms: 1,
            bugs: Vec::new(),
            network: NetworkConfig::default(),
            nemesis: NemesisConfig::default(),
            checks: ChecksConfig::default(),
            shrunk_from: String::new(),
            systems: SystemList::default(),
            document: toml::Table::new(),
        }
    }
}

impl Scenario {
    /// Total simulated run length in microseconds.
    pub fn end_us(&self) -> u64 {
        secs_to_us(self.duration_s + self.quiesce_s)
    }
    /// When faults stop, in microseconds.
    pub fn heal_us(&self) -> u64 {
        secs_to_us(self.duration_s)
    }
    /// The host and client index space.
    pub fn topology(&self) -> &Topology {
        &self.systems.topology
    }
    /// Every server host of every system.
    pub fn node_count(&self) -> usize {
        self.systems.topology.host_count()
    }
    /// Every client of every system.
    pub fn client_count(&self) -> usize {
        self.systems.topology.client_count()
    }
    /// The first configured system's reason it cannot run deterministically on `engine`,
    /// named by the system ("openraft: ..."); None when every system can.
    pub fn engine_refusal(&self, engine: crate::engine::EngineKind) -> Option<String> {
        self.systems.list.iter().find_map(|s| s.engine_refusal(engine).map(|why| format!("{}: {why}", s.name())))
    }
    /// The configured system of type `T`, if the scenario runs it.
    pub fn system<T: System>(&self) -> Option<&T> {
        crate::system::find(&self.systems.list)
    }
}

/// The configured systems and the index space they span.
#[derive(Clone, Default)]
pub struct SystemList {
    /// In registration order.
    pub list: Vec<Arc<dyn System>>,
    /// Their hosts and clients.
    pub topology: Topology,
}

impl SystemList {
    /// Lays out `list`.
    pub fn new(list: Vec<Arc<dyn System>>) -> Self {
        let topology = Topology::of(&list);
        SystemList { list, topology }
    }
}

impl std::fmt::Debug for SystemList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.list.iter().map(|s| s.name())).finish()
    }
}

/// Seconds (as written in scenarios) to microseconds.
pub fn secs_to_us(s: f64) -> u64 {
    (s * 1e6).round().max(0.0) as u64
}

/// Healthy network behaviour.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Smallest one-way message latency, milliseconds.
    pub latency_ms_min: u64,
    /// Largest one-way message latency, milliseconds.
    pub latency_ms_max: u64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self { latency_ms_min: 1, latency_ms_max: 5 }
    }
}

/// Clock faults' magnitudes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockConfig {
    /// Largest bump, milliseconds (forward or back).
    pub bump_ms_max: u64,
    /// Largest drift, ppm (either sign).
    pub drift_ppm_max: u64,
    /// Strobe amplitude, milliseconds.
    pub strobe_amplitude_ms: u64,
    /// Strobe period, milliseconds.
    pub strobe_period_ms: u64,
}

impl Default for ClockConfig {
    fn default() -> Self {
        Self { bump_ms_max: 500, drift_ppm_max: 50_000, strobe_amplitude_ms: 200, strobe_period_ms: 50 }
    }
}

/// How faults are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NemesisMode {
    /// No faults.
    None,
    /// Only `schedule`.
    Explicit,
    /// Generated from the seed out of `kinds` (swarm testing: each seed picks a subset).
    Generated,
}

/// Every kind of fault the nemesis knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// Cut one node off from all others.
    PartitionIsolate,
    /// Cut the current leader off from all others (a deposed leader may still think it leads).
    PartitionLeader,
    /// Split into a majority and a minority.
    PartitionHalves,
    /// Each node sees only its neighbours on a ring (every node in a different majority).
    PartitionRing,
    /// Two halves joined by one bridge node that sees both.
    PartitionBridge,
    /// Crash the current leader (it restarts after the restart delay).
    KillLeader,
    /// Crash a random node (restarts after the restart delay).
    Crash,
    /// Stop scheduling a node for a while; it keeps its state.
    Pause,
    /// Jump one node's clock forward or back.
    ClockBump,
    /// Make one node's clock run fast or slow.
    ClockDrift,
    /// Make one node's clock oscillate.
    ClockStrobe,
    /// Drop messages with some probability.
    Loss,
    /// Raise message latency.
    Delay,
    /// Deliver some messages twice.
    Duplicate,
    /// Hold some messages back so later ones overtake them.
    Reorder,
    /// Make one node's disk fail syncs (the node crashes and restarts).
    DiskEio,
    /// Make one node's fsyncs slow.
    DiskSlow,
    /// Corrupt messages in flight (bit flips, truncation) with some probability.
    Corrupt,
}

impl FaultKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FaultKind; 18] = [
        FaultKind::PartitionIsolate,
        FaultKind::PartitionLeader,
        FaultKind::PartitionHalves,
        FaultKind::PartitionRing,
        FaultKind::PartitionBridge,
        FaultKind::KillLeader,
        FaultKind::Crash,
        FaultKind::Pause,
        FaultKind::ClockBump,
        FaultKind::ClockDrift,
        FaultKind::ClockStrobe,
        FaultKind::Loss,
        FaultKind::Delay,
        FaultKind::Duplicate,
        FaultKind::Reorder,
        FaultKind::DiskEio,
        FaultKind::DiskSlow,
        FaultKind::Corrupt,
    ];

    /// The name used in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::PartitionIsolate => "partition-isolate",
            FaultKind::PartitionLeader => "partition-leader",
            FaultKind::PartitionHalves => "partition-halves",
            FaultKind::PartitionRing => "partition-ring",
            FaultKind::PartitionBridge => "partition-bridge",
            FaultKind::KillLeader => "kill-leader",
            FaultKind::Crash => "crash",
            FaultKind::Pause => "pause",
            FaultKind::ClockBump => "clock-bump",
            FaultKind::ClockDrift => "clock-drift",
            FaultKind::ClockStrobe => "clock-strobe",
            FaultKind::Loss => "loss",
            FaultKind::Delay => "delay",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Reorder => "reorder",
            FaultKind::DiskEio => "disk-eio",
            FaultKind::DiskSlow => "disk-slow",
            FaultKind::Corrupt => "corrupt",
        }
    }

    /// Whether this kind cuts links between nodes (only one partition is active at a time).
    pub fn is_partition(self) -> bool {
        matches!(
            self,
            FaultKind::PartitionIsolate
                | FaultKind::PartitionLeader
                | FaultKind::PartitionHalves
                | FaultKind::PartitionRing
                | FaultKind::PartitionBridge
        )
    }
}

/// The nemesis: which faults, how often, how long.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NemesisConfig {
    /// none | explicit | generated.
    pub mode: NemesisMode,
    /// Fault kinds a generated schedule may use.
    pub kinds: Vec<FaultKind>,
    /// Swarm testing: each seed enables a random non-empty subset of `kinds`.
    pub swarm: bool,
    /// No faults before this, seconds (lets the cluster elect a first leader).
    pub start_s: f64,
    /// Gap between generated faults, milliseconds (range).
    pub interval_ms_min: u64,
    /// Upper end of the gap, milliseconds.
    pub interval_ms_max: u64,
    /// How long a generated fault lasts, milliseconds (range).
    pub fault_ms_min: u64,
    /// Upper end of a fault's length, milliseconds.
    pub fault_ms_max: u64,
    /// Packet loss probability while a `loss` fault is active.
    pub loss_rate: f64,
    /// Extra latency ceiling while a `delay` fault is active, milliseconds.
    pub delay_ms_max: u64,
    /// Probability that a message is sent twice while `duplicate` is active.
    pub duplicate_rate: f64,
    /// Probability that a message is held back while `reorder` is active.
    pub reorder_rate: f64,
    /// How long a held-back message waits at most, milliseconds.
    pub reorder_ms_max: u64,
    /// Probability that a message is corrupted in flight while `corrupt` is active.
    pub corrupt_rate: f64,
    /// fsync latency while `disk-slow` is active, milliseconds.
    pub slow_fsync_ms: u64,
    /// How long a crashed node stays down before restarting, milliseconds (range).
    pub restart_delay_ms_min: u64,
    /// Upper end of the restart delay, milliseconds.
    pub restart_delay_ms_max: u64,
    /// Clock fault magnitudes.
    pub clock: ClockConfig,
    /// Explicit faults (mode = "explicit"); also added to a generated schedule.
    pub schedule: Vec<ScheduledFault>,
}

impl Default for NemesisConfig {
    fn default() -> Self {
        Self {
            mode: NemesisMode::Generated,
            // `corrupt` is opt-in: adding a kind to the defaults would re-draw every seed's
            // swarm subset and schedule in the scenarios that rely on the defaults.
            kinds: FaultKind::ALL.into_iter().filter(|&k| k != FaultKind::Corrupt).collect(),
            swarm: true,
            start_s: 1.0,
            interval_ms_min: 500,
            interval_ms_max: 3_000,
            fault_ms_min: 500,
            fault_ms_max: 4_000,
            loss_rate: 0.2,
            delay_ms_max: 100,
            duplicate_rate: 0.2,
            reorder_rate: 0.2,
            reorder_ms_max: 50,
            corrupt_rate: 0.1,
            slow_fsync_ms: 20,
            restart_delay_ms_min: 200,
            restart_delay_ms_max: 2_000,
            clock: ClockConfig::default(),
            schedule: Vec::new(),
        }
    }
}

/// One fault at a fixed time.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    /// Start, seconds of simulated time.
    pub at_s: f64,
    /// What.
    pub fault: FaultKind,
    /// How long, seconds.
    pub duration_s: f64,
    /// Which node (1-based), for single-node faults; random (from the seed) if absent.
    #[serde(default)]
    pub node: Option<usize>,
}

/// Checker bounds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChecksConfig {
    /// After the last heal, a leader must exist and a write must commit within this, seconds.
    pub liveness_bound_s: f64,
    /// Search budget for the linearizability checker (explored states per key).
    pub linearizability_budget: u64,
    /// The `workload` check accepts a run that acknowledged no write.
    pub expect_no_writes: bool,
    /// The `workload` check accepts a run that completed no read.
    pub expect_no_reads: bool,
    /// The `workload` check accepts a run whose planned faults never took effect.
    pub expect_no_faults: bool,
}

impl Default for ChecksConfig {
    fn default() -> Self {
        Self {
            liveness_bound_s: 5.0,
            linearizability_budget: 2_000_000,
            expect_no_writes: false,
            expect_no_reads: false,
            expect_no_faults: false,
        }
    }
}
