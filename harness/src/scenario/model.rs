//! The scenario's shape. Every field has a default so a scenario file says only what differs.
use serde::{Deserialize, Serialize};

/// A complete scenario: one run of the backend under one fault plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
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
    /// The Raft relations cluster.
    pub relations: RelationsConfig,
    /// Clients and their operation mix.
    pub workload: WorkloadConfig,
    /// CRDT follow-graph replicas in data centres (none unless `crdt.replicas > 0`).
    pub crdt: CrdtConfig,
    /// LogSync read replicas fed from the Raft log (none unless `logsync.replicas > 0`).
    pub logsync: LogSyncConfig,
    /// Faults.
    pub nemesis: NemesisConfig,
    /// Checker bounds.
    pub checks: ChecksConfig,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            name: "unnamed".into(),
            description: String::new(),
            duration_s: 20.0,
            quiesce_s: 8.0,
            engine: "madsim".into(),
            turmoil_tick_ms: 1,
            bugs: Vec::new(),
            network: NetworkConfig::default(),
            relations: RelationsConfig::default(),
            workload: WorkloadConfig::default(),
            crdt: CrdtConfig::default(),
            logsync: LogSyncConfig::default(),
            nemesis: NemesisConfig::default(),
            checks: ChecksConfig::default(),
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
    /// Every server host: the Raft voters first (indices `0..relations.nodes`), then the
    /// CRDT data-centre replicas, then the LogSync read replicas.
    pub fn node_count(&self) -> usize {
        self.relations.nodes + self.crdt.replicas + self.logsync.replicas
    }
    /// What host `index` runs.
    pub fn host_kind(&self, index: usize) -> HostKind {
        if index < self.relations.nodes {
            HostKind::Raft
        } else if index < self.relations.nodes + self.crdt.replicas {
            HostKind::Crdt
        } else {
            HostKind::LogSync
        }
    }
    /// Host indices of the CRDT data-centre replicas.
    pub fn crdt_hosts(&self) -> std::ops::Range<usize> {
        self.relations.nodes..self.relations.nodes + self.crdt.replicas
    }
    /// Host indices of the LogSync replicas.
    pub fn logsync_hosts(&self) -> std::ops::Range<usize> {
        let first = self.relations.nodes + self.crdt.replicas;
        first..first + self.logsync.replicas
    }
    /// Every client: the Raft clients first, then the CRDT clients, then LogSync clients.
    pub fn client_count(&self) -> usize {
        self.raft_clients() + self.crdt_clients() + self.logsync_clients()
    }
    /// LogSync clients (none without LogSync replicas).
    pub fn logsync_clients(&self) -> usize {
        if self.logsync.replicas == 0 {
            0
        } else {
            self.logsync.clients
        }
    }
    /// CRDT clients.
    pub fn crdt_clients(&self) -> usize {
        self.crdt.replicas * self.crdt.clients_per_replica
    }
    /// Raft clients (none when there are no Raft voters).
    pub fn raft_clients(&self) -> usize {
        if self.relations.nodes == 0 {
            0
        } else {
            self.workload.clients
        }
    }
}

/// What a server host runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    /// A Raft voter of the relations service (shipping to LogSync replicas when leader).
    Raft,
    /// A CRDT data-centre replica.
    Crdt,
    /// A LogSync read replica.
    LogSync,
}

/// LogSync read replicas: they follow the Raft log without voting and serve reads locally;
/// their clients write through Raft and read through them with a session token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSyncConfig {
    /// Read replicas (0: no LogSync part in this scenario).
    pub replicas: usize,
    /// Clients that write through Raft and read through replicas.
    pub clients: usize,
    /// The leader's shipping round (also a heartbeat to replicas), milliseconds.
    pub ship_interval_ms: u64,
    /// Most entries per shipped message.
    pub batch_max: usize,
    /// Time between a replica's acknowledgements, milliseconds.
    pub ack_interval_ms: u64,
    /// How long a read waits at a replica for its session token, milliseconds.
    pub read_wait_ms: u64,
    /// Share of a LogSync client's operations that are reads (percent).
    pub read_percent: u32,
    /// If set, reads also ask for this maximum staleness, milliseconds.
    pub max_staleness_ms: Option<u64>,
    /// Declared staleness bound: a read at a replica no fault has touched for a while must be
    /// at most this far behind the committed log, milliseconds.
    pub staleness_bound_ms: u64,
}

impl Default for LogSyncConfig {
    fn default() -> Self {
        Self {
            replicas: 0,
            clients: 4,
            ship_interval_ms: 20,
            batch_max: 64,
            ack_interval_ms: 100,
            read_wait_ms: 50,
            read_percent: 60,
            max_staleness_ms: None,
            staleness_bound_ms: 250,
        }
    }
}

/// CRDT sync of the follow graph between data centres: one replica per data centre, each
/// holding the graph as all four set types, with local clients.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrdtConfig {
    /// Data-centre replicas (0: no CRDT part in this scenario).
    pub replicas: usize,
    /// Clients attached to each replica.
    pub clients_per_replica: usize,
    /// Time between a replica's anti-entropy rounds, milliseconds.
    pub gossip_interval_ms: u64,
    /// Users in the graph (edges are ordered pairs of distinct users).
    pub users: u64,
    /// Pause between a client's operations, milliseconds (uniform in [0, think_ms]).
    pub think_ms: u64,
    /// One try at the home replica, milliseconds.
    pub attempt_timeout_ms: u64,
    /// Give up after this long, milliseconds (a write is then info, a read fail).
    pub op_timeout_ms: u64,
    /// Relative weights: add, remove, contains.
    pub mix_add: u32,
    /// Weight of remove.
    pub mix_remove: u32,
    /// Weight of contains.
    pub mix_contains: u32,
}

impl Default for CrdtConfig {
    fn default() -> Self {
        Self {
            replicas: 0,
            clients_per_replica: 2,
            gossip_interval_ms: 100,
            users: 5,
            think_ms: 100,
            attempt_timeout_ms: 100,
            op_timeout_ms: 500,
            mix_add: 5,
            mix_remove: 3,
            mix_contains: 2,
        }
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
    pub latency_min_ms: u64,
    /// Largest one-way message latency, milliseconds.
    pub latency_max_ms: u64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self { latency_min_ms: 1, latency_max_ms: 5 }
    }
}

/// The Raft relations cluster.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelationsConfig {
    /// Number of Raft voters.
    pub nodes: usize,
    /// Election timeout range, milliseconds.
    pub election_timeout_min_ms: u64,
    /// Upper end of the election timeout range, milliseconds.
    pub election_timeout_max_ms: u64,
    /// Leader heartbeat interval, milliseconds.
    pub heartbeat_ms: u64,
    /// PreVote on.
    pub pre_vote: bool,
    /// CheckQuorum on.
    pub check_quorum: bool,
    /// Serve reads from the leader's lease instead of ReadIndex.
    pub lease_reads: bool,
    /// Clock-rate error the lease tolerates, ppm.
    pub max_clock_drift_ppm: u64,
    /// Applied entries between snapshots.
    pub snapshot_threshold: u64,
    /// Most log entries one append message carries (1 makes a lagging follower catch up
    /// entry by entry, which opens the figure-8 window).
    pub max_entries_per_append: usize,
    /// How long a crashed node stays down before restarting, milliseconds (range).
    pub restart_delay_min_ms: u64,
    /// Upper end of the restart delay, milliseconds.
    pub restart_delay_max_ms: u64,
}

impl Default for RelationsConfig {
    fn default() -> Self {
        Self {
            nodes: 5,
            election_timeout_min_ms: 150,
            election_timeout_max_ms: 300,
            heartbeat_ms: 50,
            pre_vote: true,
            check_quorum: true,
            lease_reads: false,
            max_clock_drift_ppm: 50_000,
            snapshot_threshold: 100,
            max_entries_per_append: 64,
            restart_delay_min_ms: 200,
            restart_delay_max_ms: 2_000,
        }
    }
}

/// Clients and what they do.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadConfig {
    /// Concurrent clients (each one outstanding operation at a time).
    pub clients: usize,
    /// Users in the follow graph; few users means more contention per key.
    pub users: u64,
    /// Pause between a client's operations, milliseconds (uniform in [0, think_ms]).
    pub think_ms: u64,
    /// Give up on one attempt after this long, milliseconds.
    pub attempt_timeout_ms: u64,
    /// Give up on the operation after this long, milliseconds (then it is info or fail).
    pub op_timeout_ms: u64,
    /// Move to a fresh set of `users` every this many milliseconds (0: never), like
    /// Jepsen's independent keys: an operation in doubt can then only excuse anomalies on
    /// keys of its own period, and each key's history stays short for the checker.
    pub key_period_ms: u64,
    /// Relative weights of operations.
    pub mix: WorkloadMix,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            clients: 4,
            users: 4,
            think_ms: 50,
            attempt_timeout_ms: 250,
            op_timeout_ms: 1_000,
            key_period_ms: 0,
            mix: WorkloadMix::default(),
        }
    }
}

/// Relative weights of each operation in the workload.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadMix {
    /// follow(a, b).
    pub follow: u32,
    /// unfollow(a, b).
    pub unfollow: u32,
    /// is_following(a, b).
    pub is_following: u32,
    /// followers(u).
    pub followers: u32,
    /// counts(u): the follower count is checked.
    pub counts: u32,
}

impl Default for WorkloadMix {
    fn default() -> Self {
        Self { follow: 4, unfollow: 3, is_following: 3, followers: 2, counts: 1 }
    }
}

/// Clock faults' magnitudes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockConfig {
    /// Largest bump, milliseconds (forward or back).
    pub bump_max_ms: u64,
    /// Largest drift, ppm (either sign).
    pub drift_max_ppm: u64,
    /// Strobe amplitude, milliseconds.
    pub strobe_amplitude_ms: u64,
    /// Strobe period, milliseconds.
    pub strobe_period_ms: u64,
}

impl Default for ClockConfig {
    fn default() -> Self {
        Self { bump_max_ms: 500, drift_max_ppm: 50_000, strobe_amplitude_ms: 200, strobe_period_ms: 50 }
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
}

impl FaultKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FaultKind; 17] = [
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
    pub interval_min_ms: u64,
    /// Upper end of the gap, milliseconds.
    pub interval_max_ms: u64,
    /// How long a generated fault lasts, milliseconds (range).
    pub fault_min_ms: u64,
    /// Upper end of a fault's length, milliseconds.
    pub fault_max_ms: u64,
    /// Packet loss probability while a `loss` fault is active.
    pub loss_rate: f64,
    /// Extra latency ceiling while a `delay` fault is active, milliseconds.
    pub delay_max_ms: u64,
    /// Probability that a message is sent twice while `duplicate` is active.
    pub duplicate_rate: f64,
    /// Probability that a message is held back while `reorder` is active.
    pub reorder_rate: f64,
    /// How long a held-back message waits at most, milliseconds.
    pub reorder_max_ms: u64,
    /// fsync latency while `disk-slow` is active, milliseconds.
    pub slow_fsync_ms: u64,
    /// Clock fault magnitudes.
    pub clock: ClockConfig,
    /// Explicit faults (mode = "explicit"); also added to a generated schedule.
    pub schedule: Vec<ScheduledFault>,
}

impl Default for NemesisConfig {
    fn default() -> Self {
        Self {
            mode: NemesisMode::Generated,
            kinds: FaultKind::ALL.to_vec(),
            swarm: true,
            start_s: 1.0,
            interval_min_ms: 500,
            interval_max_ms: 3_000,
            fault_min_ms: 500,
            fault_max_ms: 4_000,
            loss_rate: 0.2,
            delay_max_ms: 100,
            duplicate_rate: 0.2,
            reorder_rate: 0.2,
            reorder_max_ms: 50,
            slow_fsync_ms: 20,
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
}

impl Default for ChecksConfig {
    fn default() -> Self {
        Self { liveness_bound_s: 5.0, linearizability_budget: 2_000_000 }
    }
}
