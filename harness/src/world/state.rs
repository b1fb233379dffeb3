//! The shared state of one simulated run: everything that outlives a node crash (clocks,
//! disks) and the recorded run (history, trace, faults, each system's records, the leader
//! hint hosts publish for the nemesis). Hosts reach it through `World`; the simulation is
//! single-threaded, so the lock is never contended, and no code holds it across an `.await`.
use super::{SharedDisk, SimClock, Trace};
use crate::history::{node_name, Event, FaultWindow};
use crate::scenario::Scenario;
use crate::system::Records;
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
    pub reorder_us_max: u64,
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
    /// Outputs a host could not encode for the wire (a bug in a system's types), dropped.
    pub encode_errors: u64,
    /// Datagrams the engine corrupted in flight (bit flips, truncation).
    pub corrupted: crate::engine::corrupt::CorruptionCounts,
}

/// Which host leads, as hosts themselves publish it (the nemesis aims kill-leader and
/// partition-leader faults with it, so a checker's bug cannot change the fault schedule).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeaderHint {
    /// (term, host index) of the highest-term leader any host has reported being.
    pub leader: Option<(u64, usize)>,
}

impl LeaderHint {
    /// Host `index` reports leading in `term`; a later term replaces an earlier one.
    pub fn publish(&mut self, term: u64, index: usize) {
        if self.leader.is_none_or(|(t, _)| term >= t) {
            self.leader = Some((term, index));
        }
    }

    /// The host to aim at.
    pub fn host(&self) -> Option<usize> {
        self.leader.map(|(_, i)| i)
    }
}

/// Everything a run shares.
pub struct WorldState {
    /// The run seed.
    pub seed: u64,
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Planted bugs switched on (each system turns on the switches of its own).
    pub bugs: Vec<String>,
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
    /// Faults as they happened.
    pub faults: Vec<FaultWindow>,
    /// The ordered trace digest.
    pub trace: Trace,
    /// Each system's own records.
    pub records: Records,
    /// Who leads, as hosts report it.
    pub leader_hint: LeaderHint,
    /// Counters.
    pub stats: Stats,
}

/// Salt so the harness's RNG stream differs from the engines' and the nemesis's.
const WORLD_RNG_SALT: u64 = 0x5752_4c44_0000_0001;
/// Salt for each disk's error-injection stream.
const DISK_RNG_SALT: u64 = 0x4449_534b_0000_0000;

impl WorldState {
    /// Fresh state for a run; addresses are filled in by the engine.
    pub fn new(seed: u64, scenario: Arc<Scenario>, bugs: Vec<String>) -> Self {
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
            bugs,
            node_addrs: Vec::new(),
            client_addrs: Vec::new(),
            nodes,
            wire_faults: WireFaults::default(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ WORLD_RNG_SALT),
            history: Vec::new(),
            faults: Vec::new(),
            trace: Trace::default(),
            records: Records::default(),
            leader_hint: LeaderHint::default(),
            stats: Stats::default(),
        }
    }

    /// Appends a history event (its index is assigned here) and folds it into the trace.
    pub fn record(&mut self, mut event: Event) {
        event.index = self.history.len() as u64;
        crate::log::note_sim_time(event.time_us);
        tracing::trace!(target: "faultline::history", system = ?event.system, process = event.process, kind = ?event.kind, f = %event.f, key = ?event.key, value = %event.value, node = ?event.node);
        // An `Event` is plain JSON data; should serialising it ever fail, the trace still
        // changes (by the error text), so a divergence cannot hide.
        let bytes = serde_json::to_vec(&event).unwrap_or_else(|e| e.to_string().into_bytes());
        self.trace.record("op", event.time_us, &bytes);
        self.history.push(event);
    }

    /// A datagram carrying a peer message from host id `from` to host id `to` (1-based), if
    /// that host exists.
    pub fn peer_datagram(&mut self, from: u64, to: u64, bytes: Vec<u8>) -> Option<(SocketAddr, Vec<u8>)> {
        let addr = *self.node_addrs.get(usize::try_from(to).ok()?.checked_sub(1)?)?;
        self.encoded(addr, &super::wire::Envelope::Peer { from, bytes })
    }

    /// A datagram with a reply from host id `node` to client `client`, if that client exists.
    pub fn reply_datagram(&mut self, node: u64, client: u64, bytes: Vec<u8>) -> Option<(SocketAddr, Vec<u8>)> {
        let addr = *self.client_addrs.get(usize::try_from(client).ok()?)?;
        self.encoded(addr, &super::wire::Envelope::Reply { node, bytes })
    }

    fn encoded(&mut self, addr: SocketAddr, envelope: &super::wire::Envelope) -> Option<(SocketAddr, Vec<u8>)> {
        match envelope.encode() {
            Ok(bytes) => Some((addr, bytes)),
            Err(e) => {
                self.stats.encode_errors += 1;
                tracing::error!(target: "faultline::wire", "cannot encode a datagram: {e}");
                None
            }
        }
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
