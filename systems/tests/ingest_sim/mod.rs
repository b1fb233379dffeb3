//! A deterministic in-memory world for the ingestion pipeline: 2 collectors, 3 brokers (4
//! partitions + the coordinator, each its own Raft group), 2 consumers and 1 sink on a seeded
//! network with loss, duplication and reordering; crash-restart (MemStorage::crash), pause,
//! and a ledger check: every acknowledged event counted exactly once, unacked at most once.
#![allow(dead_code)]
use faultline_systems::ingest::{
    BehaviourEvent, Broker, BrokerConfig, Collector, CollectorConfig, Consumer, ConsumerConfig, IngestBugs,
    IngestObservation, IngestReply, IngestRequest, Output, Rejection, Sink, SinkConfig, TraceId,
};
use faultline_systems::raft::EntryId;
use faultline_systems::relations::RequestId;
use faultline_systems::storage::{MemStorage, StorageError};
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};

pub const MS: u64 = 1_000;
pub const COLLECTORS: [u64; 2] = [1, 2];
pub const BROKERS: [u64; 3] = [11, 12, 13];
pub const CONSUMERS: [u64; 2] = [21, 22];
pub const SINK: u64 = 31;
pub const PARTITIONS: u32 = 4;
const CLIENT: u64 = 1000;
const TYPES: [&str; 3] = ["click", "view", "like"];

pub enum Node {
    Collector(Collector<MemStorage>),
    // Boxed: a broker (five Raft groups) dwarfs the other roles.
    Broker(Box<Broker<MemStorage>>),
    Consumer(Consumer),
    Sink(Sink<MemStorage>),
}

impl Node {
    fn sans(&mut self) -> &mut dyn SansIoNode {
        match self {
            Node::Collector(n) => n,
            Node::Broker(n) => n.as_mut(),
            Node::Consumer(n) => n,
            Node::Sink(n) => n,
        }
    }

    fn poll_timeout(&self) -> Option<Time> {
        match self {
            Node::Collector(n) => n.poll_timeout(),
            Node::Broker(n) => n.poll_timeout(),
            Node::Consumer(n) => n.poll_timeout(),
            Node::Sink(n) => n.poll_timeout(),
        }
    }

    fn poll(&mut self) -> (Option<Output>, Option<IngestObservation>) {
        match self {
            Node::Collector(n) => (n.poll_output(), n.poll_observation()),
            Node::Broker(n) => (n.poll_output(), n.poll_observation()),
            Node::Consumer(n) => (n.poll_output(), n.poll_observation()),
            Node::Sink(n) => (n.poll_output(), n.poll_observation()),
        }
    }

    /// The storage a crash leaves behind (consumers keep none).
    fn crashed_disk(&self) -> Option<MemStorage> {
        let mut disk = match self {
            Node::Collector(n) => n.storage().clone(),
            Node::Broker(n) => n.storage().expect("broker storage lock"),
            Node::Consumer(_) => return None,
            Node::Sink(n) => n.storage().clone(),
        };
        disk.crash();
        Some(disk)
    }
}

/// Network fault knobs.
#[derive(Clone, Copy, Debug)]
pub struct NetFaults {
    pub drop_pct: u32,
    pub dup_pct: u32,
    pub min_delay_us: u64,
    pub max_delay_us: u64,
}

impl NetFaults {
    pub fn none() -> Self {
        NetFaults { drop_pct: 0, dup_pct: 0, min_delay_us: 500, max_delay_us: 2_000 }
    }
    pub fn lossy() -> Self {
        NetFaults { drop_pct: 4, dup_pct: 4, min_delay_us: 500, max_delay_us: 20_000 }
    }
}

struct Outstanding {
    collector: u64,
    request: IngestRequest,
    sent_at: u64,
}

pub struct Sim {
    pub rng: ChaCha8Rng,
    pub now: u64,
    pub bugs: IngestBugs,
    pub nodes: BTreeMap<u64, Option<Node>>,
    pub disks: BTreeMap<u64, MemStorage>,
    net: BTreeMap<(u64, u64), (u64, u64, Vec<u8>)>,
    held: Vec<(u64, u64, Vec<u8>)>,
    seq: u64,
    pub faults: NetFaults,
    pub paused: BTreeSet<u64>,
    pub observations: Vec<IngestObservation>,
    pub acked: BTreeSet<TraceId>,
    pub submitted: BTreeSet<TraceId>,
    pub collisions: u64,
    outstanding: BTreeMap<RequestId, Outstanding>,
    next_request: u64,
    pub trace: DefaultHasher,
}

impl Sim {
    pub fn new(seed: u64, bugs: IngestBugs) -> Self {
        let mut sim = Sim {
            rng: ChaCha8Rng::seed_from_u64(seed),
            now: 0,
            bugs,
            nodes: BTreeMap::new(),
            disks: BTreeMap::new(),
            net: BTreeMap::new(),
            held: Vec::new(),
            seq: 0,
            faults: NetFaults::none(),
            paused: BTreeSet::new(),
            observations: Vec::new(),
            acked: BTreeSet::new(),
            submitted: BTreeSet::new(),
            collisions: 0,
            outstanding: BTreeMap::new(),
            next_request: 0,
            trace: DefaultHasher::new(),
        };
        let seed_base = seed.wrapping_mul(7919);
        let all: Vec<u64> = COLLECTORS.iter().chain(&BROKERS).chain(&CONSUMERS).chain([&SINK]).copied().collect();
        for id in all {
            sim.disks.insert(id, MemStorage::new());
            let node = sim.build(id, seed_base).expect("boot on an empty disk");
            sim.nodes.insert(id, Some(node));
        }
        sim
    }

    fn build(&self, id: u64, seed_base: u64) -> Result<Node, StorageError> {
        let now = Time::from_micros(self.now);
        let disk = self.disks.get(&id).cloned().unwrap_or_default();
        let bugs = self.bugs;
        Ok(if COLLECTORS.contains(&id) {
            let mut cfg = CollectorConfig::new(id, BROKERS.to_vec(), PARTITIONS);
            cfg.bugs = bugs;
            Node::Collector(Collector::new(cfg, disk, now)?)
        } else if BROKERS.contains(&id) {
            let mut cfg = BrokerConfig::new(id, BROKERS.to_vec(), PARTITIONS);
            cfg.rng_seed = seed_base.wrapping_add(id).wrapping_add(self.now);
            Node::Broker(Box::new(Broker::new(cfg, disk, now)?))
        } else if CONSUMERS.contains(&id) {
            let mut cfg = ConsumerConfig::new(id, BROKERS.to_vec(), SINK, (0..PARTITIONS).collect());
            cfg.bugs = bugs;
            Node::Consumer(Consumer::new(cfg, now))
        } else {
            Node::Sink(Sink::new(SinkConfig { id, bugs }, disk, now)?)
        })
    }

    pub fn is_up(&self, id: u64) -> bool {
        self.nodes.get(&id).is_some_and(|n| n.is_some())
    }

    /// Advances the world to `until` (µs).
    pub fn run_until(&mut self, until: u64) {
        loop {
            let next_msg = self.net.keys().next().map(|k| k.0);
            let next_timer = self
                .nodes
                .iter()
                .filter(|(id, _)| !self.paused.contains(id))
                .filter_map(|(_, n)| n.as_ref().and_then(|n| n.poll_timeout()).map(|t| t.as_micros()))
                .min();
            let next = [next_msg, next_timer].into_iter().flatten().min().unwrap_or(until);
            if next > until {
                self.now = until;
                return;
            }
            self.now = self.now.max(next);
            if next_msg == Some(next) {
                let (_, (from, to, bytes)) = self.net.pop_first().expect("peeked");
                self.deliver(from, to, bytes);
            } else {
                let due: Vec<u64> = self
                    .nodes
                    .iter()
                    .filter(|(id, n)| {
                        !self.paused.contains(id)
                            && n.as_ref().and_then(|n| n.poll_timeout()).is_some_and(|t| t.as_micros() <= self.now)
                    })
                    .map(|(id, _)| *id)
                    .collect();
                for id in due {
                    ("timer", id, self.now).hash(&mut self.trace);
                    self.step(id, |n, now| n.sans().handle_timeout(now));
                }
            }
        }
    }

    fn deliver(&mut self, from: u64, to: u64, bytes: Vec<u8>) {
        if self.paused.contains(&to) {
            self.held.push((from, to, bytes));
            return;
        }
        (from, to, bytes.len(), self.now).hash(&mut self.trace);
        self.step(to, |n, now| n.sans().handle_message(now, from, &bytes));
    }

    /// Runs one step of node `id` and collects what it produced; a storage error crashes it.
    fn step(&mut self, id: u64, f: impl FnOnce(&mut Node, Time) -> Result<(), StorageError>) {
        let now = Time::from_micros(self.now);
        let Some(Some(node)) = self.nodes.get_mut(&id) else { return };
        if f(node, now).is_err() {
            self.crash(id);
            return;
        }
        self.collect(id);
    }

    fn collect(&mut self, id: u64) {
        let mut outs = Vec::new();
        let mut obs = Vec::new();
        if let Some(Some(node)) = self.nodes.get_mut(&id) {
            loop {
                let (o, b) = node.poll();
                if o.is_none() && b.is_none() {
                    break;
                }
                outs.extend(o);
                obs.extend(b);
            }
        }
        self.observations.extend(obs);
        for o in outs {
            match o {
                Output::Send { to, bytes } => self.schedule(id, to, bytes),
                Output::Reply { request, reply, .. } => self.on_reply(request, reply),
            }
        }
    }

    fn on_reply(&mut self, request: RequestId, reply: IngestReply) {
        format!("{request:?}{reply:?}").hash(&mut self.trace);
        match reply {
            IngestReply::Acked { trace_id } => {
                self.outstanding.remove(&request);
                self.acked.insert(trace_id);
            }
            IngestReply::Rejected(Rejection::Overloaded) => {}
            IngestReply::Rejected(reason) => {
                if matches!(reason, Rejection::KeyCollision { .. }) {
                    self.collisions += 1;
                }
                self.outstanding.remove(&request);
            }
            IngestReply::Count { .. } => {}
        }
    }

    fn schedule(&mut self, from: u64, to: u64, bytes: Vec<u8>) {
        let f = self.faults;
        if self.rng.random_range(0..100) < f.drop_pct {
            return;
        }
        let copies = if self.rng.random_range(0..100) < f.dup_pct { 2 } else { 1 };
        for _ in 0..copies {
            let delay = self.rng.random_range(f.min_delay_us..=f.max_delay_us);
            self.seq += 1;
            self.net.insert((self.now + delay, self.seq), (from, to, bytes.clone()));
        }
    }

    /// Crash: unsynced writes are lost; messages in flight stay in the network.
    pub fn crash(&mut self, id: u64) {
        let Some(slot) = self.nodes.get_mut(&id) else { return };
        if let Some(node) = slot.take() {
            if let Some(disk) = node.crashed_disk() {
                self.disks.insert(id, disk);
            }
        }
    }

    pub fn restart(&mut self, id: u64) {
        if self.is_up(id) {
            return;
        }
        let node = self.build(id, self.now).expect("recovery from a crashed MemStorage");
        self.nodes.insert(id, Some(node));
        self.collect(id);
    }

    pub fn pause(&mut self, id: u64) {
        self.paused.insert(id);
    }

    /// Resumes a paused node; what was sent to it while paused arrives now.
    pub fn resume(&mut self, id: u64) {
        self.paused.remove(&id);
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held).into_iter().partition(|m| m.1 == id);
        self.held = rest;
        for (from, to, bytes) in mine {
            self.seq += 1;
            self.net.insert((self.now + 1, self.seq), (from, to, bytes));
        }
    }

    /// Drops every message in flight from `from` (as if a partition had eaten them).
    pub fn drop_in_flight_from(&mut self, from: u64) {
        self.net.retain(|_, m| m.0 != from);
    }

    /// Sends an event to its device's collector (a client sticks to one collector).
    pub fn submit(&mut self, event: BehaviourEvent) {
        let collector = COLLECTORS[(event.device_id % 2) as usize];
        self.next_request += 1;
        let id = RequestId { client: CLIENT, seq: self.next_request };
        self.submitted.insert(event.trace_id());
        let request = IngestRequest { id, event };
        self.outstanding.insert(id, Outstanding { collector, request: request.clone(), sent_at: self.now });
        self.send_request(collector, request);
    }

    fn send_request(&mut self, collector: u64, request: IngestRequest) {
        ("request", collector, request.id).hash(&mut self.trace);
        let client = CLIENT;
        self.step(collector, |n, now| match n {
            Node::Collector(c) => c.handle_request(now, client, request),
            _ => Ok(()),
        });
    }

    /// Clients resend (same id, same event) what has been unanswered for `after_us`.
    pub fn retry_outstanding(&mut self, after_us: u64) {
        let due: Vec<RequestId> =
            self.outstanding.iter().filter(|(_, o)| o.sent_at + after_us <= self.now).map(|(id, _)| *id).collect();
        for id in due {
            let Some(o) = self.outstanding.get_mut(&id) else { continue };
            o.sent_at = self.now;
            let (collector, request) = (o.collector, o.request.clone());
            self.send_request(collector, request);
        }
    }

    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// One random event (and sometimes a same-instant twin of another type, or a collision).
    pub fn random_events(&mut self) -> Vec<BehaviourEvent> {
        let device_id = self.rng.random_range(1..=24u64);
        let event_ts_ms = self.now / MS + 1;
        let ty = self.rng.random_range(0..TYPES.len());
        let payload = vec![device_id as u8; self.rng.random_range(0..8)];
        let event = BehaviourEvent { device_id, event_ts_ms, event_type: TYPES[ty].into(), payload };
        let mut out = vec![event.clone()];
        let roll = self.rng.random_range(0..100);
        if roll < 20 {
            let mut twin = event.clone();
            twin.event_type = TYPES[(ty + 1) % TYPES.len()].into();
            out.push(twin);
        } else if roll < 22 {
            let mut clash = event;
            clash.payload.push(0xff);
            out.push(clash);
        }
        out
    }

    pub fn sink(&self) -> &Sink<MemStorage> {
        match self.nodes.get(&SINK) {
            Some(Some(Node::Sink(s))) => s,
            _ => panic!("sink is down"),
        }
    }

    pub fn consumer(&self, id: u64) -> Option<&Consumer> {
        match self.nodes.get(&id) {
            Some(Some(Node::Consumer(c))) => Some(c),
            _ => None,
        }
    }

    /// The ledger check: problems found, empty if the run is clean.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut counted: BTreeMap<&TraceId, u64> = BTreeMap::new();
        let mut per_counter: BTreeMap<(u64, String), u64> = BTreeMap::new();
        let mut entries: BTreeMap<(u32, u64), EntryId> = BTreeMap::new();
        for o in &self.observations {
            match o {
                IngestObservation::Counted { trace_id, .. } => {
                    *counted.entry(trace_id).or_default() += 1;
                    *per_counter.entry((trace_id.device_id, trace_id.event_type.clone())).or_default() += 1;
                }
                IngestObservation::RaftApplied { group, entry, .. } => {
                    if let Some(prev) = entries.insert((*group, entry.id.index), entry.id) {
                        if prev != entry.id {
                            problems.push(format!("group {group}: two entries applied at {}", entry.id.index));
                        }
                    }
                }
                _ => {}
            }
        }
        for t in &self.acked {
            match counted.get(t).copied().unwrap_or(0) {
                1 => {}
                0 => problems.push(format!("acked {t} lost")),
                n => problems.push(format!("acked {t} counted {n} times")),
            }
        }
        for (t, n) in &counted {
            if *n > 1 && !self.acked.contains(t) {
                problems.push(format!("unacked {t} counted {n} times"));
            }
            if !self.submitted.contains(t) {
                problems.push(format!("{t} counted but never submitted"));
            }
        }
        if self.is_up(SINK) && self.sink().counters() != &per_counter {
            problems.push("sink counters differ from the records it reported counting".into());
        }
        problems
    }

    pub fn trace_hash(&self) -> u64 {
        self.trace.finish()
    }
}
