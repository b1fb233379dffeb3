//! The shared state of one simulated run: everything that outlives a node crash (clocks,
//! disks), the recorders (history, trace, faults) and the observer. Hosts reach it through
//! `World`; the simulation is single-threaded, so the lock is never contended, and no code
//! holds it across an `.await`.
use super::{SharedDisk, SimClock, Trace};
use crate::check::crdt::CrdtObserver;
use crate::check::logsync::LogSyncObserver;
use crate::check::raft_safety::RaftObserver;
use crate::history::{Event, EventKind};
use crate::nemesis::FaultWindow;
use crate::scenario::Scenario;
use faultline_systems::crdt::replica::CrdtBugs;
use faultline_systems::logsync::LogSyncBugs;
use faultline_systems::raft::RaftBugs;
use faultline_systems::relations::RequestId;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Handle to the run's shared state.
#[derive(Clone)]
pub struct World(Arc<Mutex<WorldState>>);

impl World {
    /// Wraps fresh state.
    pub fn new(state: WorldState) -> Self {
        World(Arc::new(Mutex::new(state)))
    }

    /// Runs `f` with the state locked. A panic elsewhere (a finding) must not hide the
    /// state, so a poisoned lock is recovered.
    pub fn with<R>(&self, f: impl FnOnce(&mut WorldState) -> R) -> R {
        let mut guard: MutexGuard<'_, WorldState> = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// Harness-level network faults that neither engine has (duplication, reordering).
#[derive(Clone, Debug, Default)]
pub struct WireFaults {
    /// Probability a datagram is sent twice.
    pub duplicate_rate: f64,
    /// Probability a datagram is held back.
    pub reorder_rate: f64,
    /// Longest hold-back, microseconds.
    pub reorder_max_us: u64,
}

/// Per-node state that survives crashes.
pub struct NodeSlot {
    /// The node's name, e.g. "n1".
    pub name: String,
    /// Its local clock.
    pub clock: SimClock,
    /// Its disk.
    pub disk: SharedDisk,
    /// While set, the node is paused until this simulated time.
    pub paused_until_us: Option<u64>,
    /// How many times it has started.
    pub boots: u64,
}

/// Counters reported in results.json.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Stats {
    /// Datagrams delivered to nodes.
    pub messages_delivered: u64,
    /// Datagrams that failed to decode.
    pub decode_errors: u64,
    /// Datagrams duplicated by the nemesis.
    pub duplicated: u64,
    /// Datagrams held back by the nemesis.
    pub reordered: u64,
    /// Node boots (first start and every restart).
    pub boots: u64,
    /// Fail-stops after a disk error.
    pub storage_failures: u64,
}

/// The planted-bug switches of every system.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlantedSwitches {
    /// Raft's.
    pub raft: RaftBugs,
    /// The CRDT replicas'.
    pub crdt: CrdtBugs,
    /// LogSync's.
    pub logsync: LogSyncBugs,
}

/// Everything a run shares.
pub struct WorldState {
    /// The run seed.
    pub seed: u64,
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Planted Raft bugs switched on.
    pub raft_bugs: RaftBugs,
    /// Planted CRDT bugs switched on.
    pub crdt_bugs: CrdtBugs,
    /// Planted LogSync bugs switched on.
    pub logsync_bugs: LogSyncBugs,
    /// Node addresses, index = node index (Raft id - 1).
    pub node_addrs: Vec<SocketAddr>,
    /// Client addresses, index = client index.
    pub client_addrs: Vec<SocketAddr>,
    /// Per-node durable state.
    pub nodes: Vec<NodeSlot>,
    /// Duplication / reordering in force.
    pub wire_faults: WireFaults,
    /// Randomness for harness-level decisions (duplication, reordering, disk tearing).
    pub rng: ChaCha8Rng,
    /// The client history.
    pub history: Vec<Event>,
    /// Writes the clients saw acknowledged.
    pub acked_writes: Vec<RequestId>,
    /// Faults as they happened.
    pub faults: Vec<FaultWindow>,
    /// The ordered trace digest.
    pub trace: Trace,
    /// Raft safety observer.
    pub observer: RaftObserver,
    /// CRDT replicas' digests and states over time, and the CRDT clients' operations.
    pub crdt: CrdtObserver,
    /// The committed log replayed, LogSync replicas' positions, and their clients' reads.
    pub logsync: LogSyncObserver,
    /// Counters.
    pub stats: Stats,
}

/// Salt so the harness's RNG stream differs from the engines' and the nemesis's.
const WORLD_RNG_SALT: u64 = 0x5752_4c44_0000_0001;
/// Salt for each disk's error-injection stream.
const DISK_RNG_SALT: u64 = 0x4449_534b_0000_0000;

impl WorldState {
    /// Fresh state for a run; addresses are filled in by the engine.
    pub fn new(seed: u64, scenario: Arc<Scenario>, bugs: PlantedSwitches) -> Self {
        let PlantedSwitches { raft: raft_bugs, crdt: crdt_bugs, logsync: logsync_bugs } = bugs;
        let logsync_enabled = scenario.logsync.replicas > 0;
        let nodes = (0..scenario.node_count())
            .map(|i| NodeSlot {
                name: node_name(i),
                clock: SimClock::new(),
                disk: SharedDisk::new(seed ^ DISK_RNG_SALT ^ i as u64),
                paused_until_us: None,
                boots: 0,
            })
            .collect();
        WorldState {
            seed,
            scenario,
            raft_bugs,
            crdt_bugs,
            logsync_bugs,
            node_addrs: Vec::new(),
            client_addrs: Vec::new(),
            nodes,
            wire_faults: WireFaults::default(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ WORLD_RNG_SALT),
            history: Vec::new(),
            acked_writes: Vec::new(),
            faults: Vec::new(),
            trace: Trace::default(),
            observer: RaftObserver::default(),
            crdt: CrdtObserver::default(),
            logsync: LogSyncObserver::new(logsync_enabled),
            stats: Stats::default(),
        }
    }

    /// Appends a history event (index assigned here) and folds it into the trace.
    #[allow(clippy::too_many_arguments)]
    pub fn record_op(
        &mut self,
        time_us: u64,
        process: u64,
        kind: EventKind,
        f: &str,
        key: Option<serde_json::Value>,
        value: serde_json::Value,
        node: Option<String>,
    ) {
        let event =
            Event { index: self.history.len() as u64, time_us, process, kind, f: f.to_string(), key, value, node };
        crate::log::note_sim_time(time_us);
        tracing::trace!(target: "faultline::history", process, kind = ?event.kind, f, key = ?event.key, value = %event.value, node = ?event.node);
        let bytes = serde_json::to_vec(&event).unwrap_or_default();
        self.trace.record("op", time_us, &bytes);
        self.history.push(event);
    }

    /// A datagram carrying a peer message from host id `from` to host id `to` (1-based), if
    /// that host exists.
    pub fn peer_datagram(&self, from: u64, to: u64, bytes: Vec<u8>) -> Option<(SocketAddr, Vec<u8>)> {
        let addr = *self.node_addrs.get((to as usize).wrapping_sub(1))?;
        Some((addr, super::wire::Envelope::Peer { from, bytes }.encode()))
    }

    /// A datagram to client `client` with the envelope `encode` builds, if that client exists.
    pub fn client_datagram(&self, client: u64, encode: impl FnOnce() -> Vec<u8>) -> Option<(SocketAddr, Vec<u8>)> {
        let addr = *self.client_addrs.get(usize::try_from(client).ok()?)?;
        Some((addr, encode()))
    }

    /// Records a fault starting; returns its index for `fault_healed`.
    pub fn fault_started(&mut self, time_us: u64, kind: &str, description: String, nodes: Vec<String>) -> usize {
        self.trace.record("fault", time_us, description.as_bytes());
        crate::log::note_sim_time(time_us);
        tracing::info!(target: "faultline::nemesis", "{kind} starts: {description}");
        self.faults.push(FaultWindow { kind: kind.to_string(), description, nodes, start_us: time_us, end_us: None });
        self.faults.len() - 1
    }

    /// Records a fault healing.
    pub fn fault_healed(&mut self, index: usize, time_us: u64) {
        if let Some(f) = self.faults.get_mut(index) {
            self.trace.record("heal", time_us, f.description.as_bytes());
            crate::log::note_sim_time(time_us);
            tracing::info!(target: "faultline::nemesis", "{} heals: {}", f.kind, f.description);
            f.end_us = Some(time_us);
        }
    }
}

/// The name of node `i` (0-based): "n1", "n2", …
pub fn node_name(i: usize) -> String {
    format!("n{}", i + 1)
}

/// The name of client `i` (0-based): "c1", "c2", …
pub fn client_name(i: usize) -> String {
    format!("c{}", i + 1)
}
