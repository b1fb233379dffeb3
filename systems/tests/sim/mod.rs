//! A small deterministic in-memory cluster for testing `RelationsNode`: seeded network with
//! delay/drop/duplicate/reorder, partitions, crashes (MemStorage::crash), a virtual clock, and
//! safety checks (one leader per term; every index applies the same entry everywhere).
#![allow(dead_code)]
use faultline_systems::raft::{AppliedEntry, EntryId, NodeId, Observation, RaftConfig, Role};
use faultline_systems::relations::{FollowGraph, Output, RelationsNode, Reply, Request, RequestId};
use faultline_systems::storage::MemStorage;
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Network fault knobs, in percent.
#[derive(Clone, Copy, Debug)]
pub struct NetFaults {
    pub drop_pct: u32,
    pub dup_pct: u32,
    pub min_delay_us: u64,
    pub max_delay_us: u64,
}

impl NetFaults {
    pub fn none() -> Self {
        NetFaults { drop_pct: 0, dup_pct: 0, min_delay_us: 1_000, max_delay_us: 2_000 }
    }
    pub fn lossy() -> Self {
        NetFaults { drop_pct: 5, dup_pct: 3, min_delay_us: 500, max_delay_us: 15_000 }
    }
}

pub struct Sim {
    pub rng: ChaCha8Rng,
    pub now: u64,
    pub configs: Vec<RaftConfig>,
    pub nodes: Vec<Option<RelationsNode<MemStorage>>>,
    pub disks: Vec<MemStorage>,
    pub net: BTreeMap<(u64, u64), (NodeId, NodeId, Vec<u8>)>,
    pub seq: u64,
    pub faults: NetFaults,
    /// Partition group per node; messages only flow within a group.
    pub groups: Vec<u32>,
    pub replies: Vec<(u64, RequestId, Reply)>,
    pub leaders_by_term: BTreeMap<u64, NodeId>,
    pub committed: BTreeMap<u64, EntryId>,
    pub applied: Vec<Vec<AppliedEntry>>,
    pub last_applied: Vec<u64>,
    pub trace: DefaultHasher,
    pub max_term_seen: Vec<u64>,
    /// When false, safety violations are recorded in `violations` instead of panicking.
    pub strict: bool,
    pub violations: Vec<String>,
    /// When true, every peer message a node emits is also kept in `sent` (for crafted replays).
    pub tap: bool,
    pub sent: Vec<(NodeId, NodeId, Vec<u8>)>,
}

impl Sim {
    pub fn new(n: u64, seed: u64, tweak: impl Fn(&mut RaftConfig)) -> Self {
        let voters: Vec<NodeId> = (1..=n).collect();
        let configs: Vec<RaftConfig> = voters
            .iter()
            .map(|&id| {
                let mut c = RaftConfig::new(id, voters.clone());
                c.rng_seed = seed.wrapping_mul(1000).wrapping_add(id);
                tweak(&mut c);
                c
            })
            .collect();
        let nodes = configs
            .iter()
            .map(|c| Some(RelationsNode::new(c.clone(), MemStorage::new(), Time::ZERO).expect("empty disk boots")))
            .collect();
        Sim {
            rng: ChaCha8Rng::seed_from_u64(seed),
            now: 0,
            configs,
            nodes,
            disks: vec![MemStorage::new(); n as usize],
            net: BTreeMap::new(),
            seq: 0,
            faults: NetFaults::none(),
            groups: vec![0; n as usize],
            replies: Vec::new(),
            leaders_by_term: BTreeMap::new(),
            committed: BTreeMap::new(),
            applied: vec![Vec::new(); n as usize],
            last_applied: vec![0; n as usize],
            trace: DefaultHasher::new(),
            max_term_seen: vec![0; n as usize],
            strict: true,
            violations: Vec::new(),
            tap: false,
            sent: Vec::new(),
        }
    }

    pub fn n(&self) -> usize {
        self.nodes.len()
    }

    pub fn node(&self, id: NodeId) -> &RelationsNode<MemStorage> {
        self.nodes[(id - 1) as usize].as_ref().expect("node is up")
    }

    pub fn observe(&self, id: NodeId) -> Option<Observation> {
        self.nodes[(id - 1) as usize].as_ref().map(|n| n.observe())
    }

    /// Advances the simulation until `until` (global micros).
    pub fn run_until(&mut self, until: u64) {
        loop {
            let next_msg = self.net.keys().next().map(|k| k.0);
            let next_timer = self
                .nodes
                .iter()
                .filter_map(|n| n.as_ref().and_then(|n| n.poll_timeout()).map(|t| t.as_micros()))
                .min();
            let next = match (next_msg, next_timer) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => until,
            };
            if next > until {
                self.now = until;
                return;
            }
            self.now = self.now.max(next);
            if next_msg == Some(next) {
                let (key, (from, to, bytes)) = self.net.pop_first().expect("peeked");
                let _ = key;
                let (fi, ti) = ((from - 1) as usize, (to - 1) as usize);
                if self.groups[fi] != self.groups[ti] {
                    continue;
                }
                let now = Time::from_micros(self.now);
                if let Some(node) = self.nodes[ti].as_mut() {
                    (from, to, bytes.len()).hash(&mut self.trace);
                    if node.handle_message(now, from, &bytes).is_err() {
                        self.crash(to);
                        continue;
                    }
                    self.collect(to);
                }
            } else {
                for i in 0..self.n() {
                    let due = self.nodes[i]
                        .as_ref()
                        .and_then(|n| n.poll_timeout())
                        .is_some_and(|t| t.as_micros() <= self.now);
                    if due {
                        let now = Time::from_micros(self.now);
                        ("timeout", i).hash(&mut self.trace);
                        let ok = self.nodes[i].as_mut().map(|n| n.handle_timeout(now)).expect("due node is up");
                        if ok.is_err() {
                            self.crash(i as u64 + 1);
                            continue;
                        }
                        self.collect(i as u64 + 1);
                    }
                }
            }
        }
    }

    /// Sends a client request to node `id` now.
    pub fn request(&mut self, id: NodeId, client: u64, request: Request) {
        let now = Time::from_micros(self.now);
        let Some(node) = self.nodes[(id - 1) as usize].as_mut() else { return };
        if node.handle_request(now, client, request).is_err() {
            self.crash(id);
            return;
        }
        self.collect(id);
    }

    fn collect(&mut self, id: NodeId) {
        let i = (id - 1) as usize;
        let mut outs = Vec::new();
        if let Some(node) = self.nodes[i].as_mut() {
            while let Some(o) = node.poll_output() {
                outs.push(o);
            }
        }
        for o in outs {
            match o {
                Output::Send { to, bytes } => {
                    if self.tap {
                        self.sent.push((id, to, bytes.clone()));
                    }
                    self.schedule(id, to, bytes)
                }
                Output::Reply { client, request, reply } => {
                    format!("{client}{request:?}{reply:?}").hash(&mut self.trace);
                    self.replies.push((client, request, reply));
                }
                Output::Applied(entry) => {
                    entry.id.hash(&mut self.trace);
                    assert!(entry.id.index > self.last_applied[i], "node {id} applied out of order");
                    self.last_applied[i] = entry.id.index;
                    if let Some(prev) = self.committed.insert(entry.id.index, entry.id) {
                        if prev != entry.id {
                            self.violation(format!("state machine safety violated at index {}", entry.id.index));
                        }
                    }
                    self.applied[i].push(entry);
                }
            }
        }
        if let Some(obs) = self.observe(id) {
            if obs.term < self.max_term_seen[i] {
                self.violation(format!("term went backwards on node {id}"));
            }
            self.max_term_seen[i] = obs.term;
            assert!(obs.commit_index <= obs.snapshot_index + obs.log.len() as u64);
            if obs.role == Role::Leader {
                let leader = *self.leaders_by_term.entry(obs.term).or_insert(id);
                if leader != id {
                    self.violation(format!("two leaders in term {}", obs.term));
                }
            }
        }
    }

    fn violation(&mut self, what: String) {
        assert!(!self.strict, "{what}");
        self.violations.push(what);
    }

    fn schedule(&mut self, from: NodeId, to: NodeId, bytes: Vec<u8>) {
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

    /// Puts a message in the network for delivery at `at_us` (global micros): a crafted
    /// duplicate or reordering.
    pub fn deliver_at(&mut self, at_us: u64, from: NodeId, to: NodeId, bytes: Vec<u8>) {
        self.seq += 1;
        self.net.insert((at_us, self.seq), (from, to, bytes));
    }

    /// Crash: unsynced writes are lost; in-flight messages stay in the network.
    pub fn crash(&mut self, id: NodeId) {
        let i = (id - 1) as usize;
        if let Some(node) = self.nodes[i].take() {
            let mut disk = node.storage().clone();
            disk.crash();
            self.disks[i] = disk;
        }
    }

    pub fn restart(&mut self, id: NodeId) {
        let i = (id - 1) as usize;
        if self.nodes[i].is_some() {
            return;
        }
        let node = RelationsNode::new(self.configs[i].clone(), self.disks[i].clone(), Time::from_micros(self.now))
            .expect("recovery from a crashed MemStorage");
        self.last_applied[i] = node.observe().last_applied;
        self.nodes[i] = Some(node);
    }

    pub fn is_up(&self, id: NodeId) -> bool {
        self.nodes[(id - 1) as usize].is_some()
    }

    /// Puts `ids` in their own partition group.
    pub fn isolate(&mut self, ids: &[NodeId], group: u32) {
        for id in ids {
            self.groups[(*id - 1) as usize] = group;
        }
    }

    pub fn heal(&mut self) {
        self.groups.iter_mut().for_each(|g| *g = 0);
    }

    /// The up node that believes it leads with the highest term.
    pub fn leader(&self) -> Option<NodeId> {
        (1..=self.n() as u64)
            .filter_map(|id| self.observe(id).filter(|o| o.role == Role::Leader).map(|o| (o.term, id)))
            .max()
            .map(|(_, id)| id)
    }

    pub fn reply_for(&self, id: RequestId) -> Option<&Reply> {
        self.replies.iter().rev().find(|(_, r, _)| *r == id).map(|(_, _, reply)| reply)
    }

    pub fn graph(&self, id: NodeId) -> &FollowGraph {
        self.node(id).state_machine()
    }

    pub fn trace_hash(&self) -> u64 {
        self.trace.finish()
    }
}
