//! A small deterministic in-memory cluster of `RaftRsNode`s, after `tests/sim`: seeded network
//! with delay/drop/duplicate, partitions, crashes (MemStorage::crash), a virtual clock, safety
//! checks (one leader per term; every index applies the same entry everywhere), and a SHA-256
//! digest of every delivered message, reply and applied entry.
#![allow(dead_code)]
use faultline_systems::raft::{EntryId, NodeId, Observation, Role};
use faultline_systems::raftrs::{decode_raftrs_message, RaftRsConfig, RaftRsNode};
use faultline_systems::relations::{FollowGraph, Output, Reply, Request, RequestId};
use faultline_systems::storage::MemStorage;
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

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
        NetFaults { drop_pct: 0, dup_pct: 0, min_delay_us: 1_000, max_delay_us: 2_000 }
    }
    pub fn lossy() -> Self {
        NetFaults { drop_pct: 5, dup_pct: 3, min_delay_us: 500, max_delay_us: 15_000 }
    }
}

type Node = RaftRsNode<MemStorage>;

pub struct Sim {
    pub rng: ChaCha8Rng,
    pub now: u64,
    pub configs: Vec<RaftRsConfig>,
    pub nodes: Vec<Option<Node>>,
    pub disks: Vec<MemStorage>,
    pub net: BTreeMap<(u64, u64), (NodeId, NodeId, Vec<u8>)>,
    pub seq: u64,
    pub faults: NetFaults,
    /// Partition group per node; messages only flow within a group.
    pub groups: Vec<u32>,
    pub replies: Vec<(u64, RequestId, Reply)>,
    /// Acknowledged writes: request id -> log index it committed at.
    pub acked: BTreeMap<RequestId, u64>,
    pub leaders_by_term: BTreeMap<u64, NodeId>,
    /// First entry seen applied at each index, with its request.
    pub committed: BTreeMap<u64, (EntryId, Option<RequestId>)>,
    pub last_applied: Vec<u64>,
    /// Indexes at which two nodes applied different entries.
    pub diverged: Vec<u64>,
    pub violations: Vec<String>,
    /// When false, safety violations are recorded instead of panicking.
    pub strict: bool,
    pub snapshots_sent: u64,
    /// Stop `run_until` right after this request is answered.
    pub stop_on_reply: Option<RequestId>,
    digest: Sha256,
}

impl Sim {
    pub fn new(n: u64, seed: u64, tweak: impl Fn(&mut RaftRsConfig)) -> Self {
        let voters: Vec<NodeId> = (1..=n).collect();
        let configs: Vec<RaftRsConfig> = voters
            .iter()
            .map(|&id| {
                let mut c = RaftRsConfig::new(id, voters.clone());
                c.rng_seed = seed.wrapping_mul(1000).wrapping_add(id);
                tweak(&mut c);
                c
            })
            .collect();
        let nodes = configs
            .iter()
            .map(|c| Some(RaftRsNode::new(c.clone(), MemStorage::new(), Time::ZERO).expect("empty disk boots")))
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
            acked: BTreeMap::new(),
            leaders_by_term: BTreeMap::new(),
            committed: BTreeMap::new(),
            last_applied: vec![0; n as usize],
            diverged: Vec::new(),
            violations: Vec::new(),
            strict: true,
            snapshots_sent: 0,
            stop_on_reply: None,
            digest: Sha256::new(),
        }
    }

    pub fn n(&self) -> usize {
        self.nodes.len()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.nodes[(id - 1) as usize].as_ref().expect("node is up")
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.nodes[(id - 1) as usize].as_mut().expect("node is up")
    }

    pub fn observe(&self, id: NodeId) -> Option<Observation> {
        self.nodes[(id - 1) as usize].as_ref().map(|n| n.observe())
    }

    fn next_timer(&self) -> Option<u64> {
        self.nodes.iter().filter_map(|n| n.as_ref().and_then(|n| n.poll_timeout()).map(|t| t.as_micros())).min()
    }

    /// Advances the simulation until `until` (global micros), or until `stop_on_reply` is answered.
    pub fn run_until(&mut self, until: u64) {
        while self.stop_on_reply.is_none_or(|id| !self.acked.contains_key(&id)) {
            let next_msg = self.net.keys().next().map(|k| k.0);
            let next = [next_msg, self.next_timer()].into_iter().flatten().min().unwrap_or(until);
            if next > until {
                self.now = until;
                return;
            }
            self.now = self.now.max(next);
            if next_msg == Some(next) {
                self.deliver();
            } else {
                self.fire_timers();
            }
        }
    }

    fn deliver(&mut self) {
        let (_, (from, to, bytes)) = self.net.pop_first().expect("peeked");
        let (fi, ti) = ((from - 1) as usize, (to - 1) as usize);
        if self.groups[fi] != self.groups[ti] {
            return;
        }
        let now = Time::from_micros(self.now);
        let Some(node) = self.nodes[ti].as_mut() else { return };
        self.digest.update([0u8]);
        self.digest.update(from.to_be_bytes());
        self.digest.update(to.to_be_bytes());
        self.digest.update(&bytes);
        match node.handle_message(now, from, &bytes) {
            Ok(()) => self.collect(to),
            Err(_) => self.crash(to),
        }
    }

    fn fire_timers(&mut self) {
        for i in 0..self.n() {
            let due = self.nodes[i].as_ref().and_then(|n| n.poll_timeout()).is_some_and(|t| t.as_micros() <= self.now);
            if due {
                let now = Time::from_micros(self.now);
                let ok = self.nodes[i].as_mut().map(|n| n.handle_timeout(now)).expect("due node is up");
                match ok {
                    Ok(()) => self.collect(i as u64 + 1),
                    Err(_) => self.crash(i as u64 + 1),
                }
            }
        }
    }

    /// Sends a client request to node `id` now.
    pub fn request(&mut self, id: NodeId, client: u64, request: Request) {
        let now = Time::from_micros(self.now);
        let Some(node) = self.nodes[(id - 1) as usize].as_mut() else { return };
        match node.handle_request(now, client, request) {
            Ok(()) => self.collect(id),
            Err(_) => self.crash(id),
        }
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
                Output::Send { to, bytes } => self.schedule(id, to, bytes),
                Output::Reply { client, request, reply } => self.record_reply(client, request, reply),
                Output::Applied(entry) => {
                    self.digest.update([2u8]);
                    self.digest.update(format!("{id}{entry:?}"));
                    assert!(entry.id.index > self.last_applied[i], "node {id} applied out of order");
                    self.last_applied[i] = entry.id.index;
                    let first = *self.committed.entry(entry.id.index).or_insert((entry.id, entry.request));
                    if first.0 != entry.id {
                        self.diverged.push(entry.id.index);
                        self.violation(format!("state machine safety violated at index {}", entry.id.index));
                    }
                }
            }
        }
        self.check_observation(id);
    }

    fn record_reply(&mut self, client: u64, request: RequestId, reply: Reply) {
        self.digest.update([1u8]);
        self.digest.update(format!("{client}{request:?}{reply:?}"));
        if let Reply::Written { index, .. } = reply {
            self.acked.insert(request, index);
        }
        self.replies.push((client, request, reply));
    }

    fn check_observation(&mut self, id: NodeId) {
        let Some(obs) = self.observe(id) else { return };
        assert!(obs.commit_index <= obs.snapshot_index + obs.log.len() as u64);
        assert!(obs.last_applied <= obs.commit_index, "node {id} applied beyond commit");
        if obs.role == Role::Leader {
            let leader = *self.leaders_by_term.entry(obs.term).or_insert(id);
            if leader != id {
                self.violation(format!("two leaders in term {}", obs.term));
            }
        }
    }

    fn violation(&mut self, what: String) {
        assert!(!self.strict, "{what}");
        self.violations.push(what);
    }

    fn schedule(&mut self, from: NodeId, to: NodeId, bytes: Vec<u8>) {
        if decode_raftrs_message(&bytes, from, to)
            .is_ok_and(|m| m.get_msg_type() == raft::eraftpb::MessageType::MsgSnapshot)
        {
            self.snapshots_sent += 1;
        }
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
        let node = RaftRsNode::new(self.configs[i].clone(), self.disks[i].clone(), Time::from_micros(self.now))
            .expect("recovery from a crashed MemStorage");
        self.last_applied[i] = node.observe().snapshot_index;
        self.nodes[i] = Some(node);
        // Recovery replays committed entries; their Applied outputs are already queued.
        self.collect(id);
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

    /// Acknowledged writes whose index later applied a different entry somewhere.
    pub fn lost_acked(&self) -> Vec<RequestId> {
        self.acked.iter().filter(|(_, index)| self.diverged.contains(index)).map(|(id, _)| *id).collect()
    }

    /// Hex SHA-256 of everything delivered, answered and applied so far.
    pub fn digest_hex(&self) -> String {
        self.digest.clone().finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
