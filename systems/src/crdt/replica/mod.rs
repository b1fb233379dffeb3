//! A data-centre replica of the follow graph: accepts writes locally whatever the network
//! does, and converges with its peers by anti-entropy gossip. Sans-IO like the Raft node:
//! messages, client requests and timer fires go in; datagrams and replies come out.
//!
//! Gossip: every `gossip_interval` the replica sends a random peer its digests. The peer
//! answers with a `Sync` for each graph whose digest differs (the OR-Set as a delta against
//! the asker's version vector, the others whole); the asker merges and, where it still
//! differs, sends its own part back. Loss, duplication, reordering and delay only cost
//! rounds: every merge is idempotent and commutative.
//!
//! LWW tombstones are collected only once causally stable: each message says "I hold your
//! writes stamped below `sent`" once its receiver has merged it, each replica advertises the
//! least such bound over its peers (`stable`), and the least advertised bound over all
//! replicas is a stamp below which everyone holds everything.
mod api;
mod bugs;
mod graphs;
mod message;
mod persist;
#[cfg(test)]
mod tests;

pub use api::{CrdtReply, CrdtRequest, Edge, SetKind, SetOp};
pub use bugs::CrdtBugs;
pub use graphs::{Digest32, Graphs};
pub use message::{GossipMessage, Header, Part};
pub use persist::{Snapshot, SNAPSHOT_FILE};

use super::{HlcClock, ReplicaId, SetCrdt, Timestamp};
use crate::node::SansIoNode;
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Largest gossip datagram a replica sends; a bigger part is skipped (and counted).
pub const MESSAGE_BYTES_MAX: usize = 60 * 1024;
/// Grace period of the planted bug `crdt-tombstone-gc-early`, in HLC microseconds.
const BUGGY_TOMBSTONE_GRACE_US: u64 = 1_000_000;

/// How a replica is set up.
#[derive(Clone, Debug)]
pub struct ReplicaConfig {
    /// This replica.
    pub id: ReplicaId,
    /// Every replica, this one included.
    pub replicas: Vec<ReplicaId>,
    /// Time between gossip rounds.
    pub gossip_interval: Duration,
    /// Seeds the choice of gossip peers.
    pub rng_seed: u64,
    /// How far a peer's stamp may run ahead of our clock before its message is refused
    /// (the HLC's far-future guard; `OFFSET_US_MAX_DEFAULT` unless a scenario says).
    pub clock_offset_us_max: u64,
    /// Planted bugs.
    pub bugs: CrdtBugs,
}

/// What the replica asks its driver to do: gossip to a peer or answer a client.
pub type Output = crate::node::Output<CrdtReply>;

/// Counters a driver may report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplicaStats {
    /// Datagrams that did not decode or validate.
    pub rejected: u64,
    /// Messages dropped because their stamp was too far ahead of our clock.
    pub clock_refused: u64,
    /// OR-Set deltas refused because their base predates our state (we restarted).
    pub stale_deltas: u64,
    /// Parts too big to send.
    pub oversized: u64,
}

/// One data-centre replica.
pub struct CrdtReplica<S: Storage> {
    config: ReplicaConfig,
    storage: S,
    rng: ChaCha8Rng,
    graphs: Graphs,
    /// `graphs`' per-graph digests, refreshed on every change (digests are asked for far
    /// more often than the state changes).
    digests: [Digest32; 4],
    hlc: HlcClock,
    heard: BTreeMap<ReplicaId, Timestamp>,
    reported: BTreeMap<ReplicaId, Timestamp>,
    answered: BTreeMap<u64, (u64, CrdtReply)>,
    /// The planted dot-counter bug's counter: volatile, so it restarts at 1 on every boot.
    volatile_dot_counter: u64,
    next_gossip: Time,
    outputs: VecDeque<Output>,
    stats: ReplicaStats,
}

impl<S: Storage> CrdtReplica<S> {
    /// Recovers from `storage` (a fresh disk starts empty).
    pub fn new(config: ReplicaConfig, storage: S, now: Time) -> Result<Self, StorageError> {
        let mut hlc = HlcClock::with_offset_max(config.id, config.clock_offset_us_max);
        let mut replica = CrdtReplica {
            rng: ChaCha8Rng::seed_from_u64(config.rng_seed),
            graphs: Graphs::new(config.id),
            digests: [[0; 32]; 4],
            hlc: hlc.clone(),
            heard: BTreeMap::new(),
            reported: BTreeMap::new(),
            answered: BTreeMap::new(),
            volatile_dot_counter: 1,
            next_gossip: now,
            outputs: VecDeque::new(),
            stats: ReplicaStats::default(),
            storage,
            config,
        };
        if let Some(s) = persist::load(&replica.storage)? {
            hlc.restore(s.hlc_last);
            replica.hlc = hlc;
            replica.graphs = s.graphs;
            replica.heard = s.heard;
            replica.answered = s.answered;
        }
        replica.digests = replica.graphs.digests();
        // Spread first rounds so replicas do not gossip in lockstep.
        let jitter = replica.rng.random_range(0..=replica.interval_us());
        replica.next_gossip = now.saturating_add(Duration::from_micros(jitter));
        Ok(replica)
    }

    /// This replica's id.
    pub fn id(&self) -> ReplicaId {
        self.config.id
    }

    /// The current state.
    pub fn graphs(&self) -> &Graphs {
        &self.graphs
    }

    /// The digest of the whole state (equal on two replicas iff their states are equal).
    pub fn digest(&self) -> Digest32 {
        debug_assert_eq!(self.digests, self.graphs.digests(), "digest cache out of date");
        graphs::combine(&self.digests)
    }

    /// Counters.
    pub fn stats(&self) -> ReplicaStats {
        self.stats
    }

    /// The storage (for drivers that model fsync latency).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Applies a client request; writes are durable before they are answered.
    pub fn handle_request(&mut self, now: Time, client: u64, request: CrdtRequest) -> Result<(), StorageError> {
        if let Some((seq, reply)) = self.answered.get(&client) {
            if *seq == request.id.seq {
                let reply = reply.clone();
                self.outputs.push_back(Output::Reply { client, request: request.id, reply });
                return Ok(());
            }
            if *seq > request.id.seq {
                return Ok(()); // A stale retry of something already superseded.
            }
        }
        let reply = self.apply(now, request);
        if request.op.is_write() {
            self.refresh(request.kind);
            self.answered.insert(client, (request.id.seq, reply.clone()));
            self.persist(true)?;
        }
        self.outputs.push_back(Output::Reply { client, request: request.id, reply });
        Ok(())
    }

    fn refresh(&mut self, kind: SetKind) {
        self.digests[kind.index()] = self.graphs.digest_of(kind);
    }

    fn interval_us(&self) -> u64 {
        u64::try_from(self.config.gossip_interval.as_micros()).unwrap_or(u64::MAX).max(1)
    }

    fn apply(&mut self, now: Time, request: CrdtRequest) -> CrdtReply {
        let g = &mut self.graphs;
        let bugs = self.config.bugs;
        match (request.kind, request.op) {
            (SetKind::OrSet, SetOp::Contains(_)) if bugs.orset_contains_absent => CrdtReply::Contains(false),
            (_, SetOp::Contains(e)) => CrdtReply::Contains(g.contains(request.kind, &e)),
            (SetKind::GSet, SetOp::Add(e)) => {
                g.gset.add(e);
                CrdtReply::Added { dot: None, replaced: Vec::new(), stamp: None }
            }
            (SetKind::GSet, SetOp::Remove(_)) => CrdtReply::Unsupported,
            (SetKind::TwoPhase, SetOp::Add(e)) => {
                g.two_phase.add(e);
                CrdtReply::Added { dot: None, replaced: Vec::new(), stamp: None }
            }
            (SetKind::TwoPhase, SetOp::Remove(e)) => {
                g.two_phase.remove(e);
                CrdtReply::Removed { dots: Vec::new(), stamp: None }
            }
            (SetKind::Lww, op) => {
                let stamp = if bugs.lww_wall_clock {
                    Timestamp { wall_us: now.as_micros(), logical: 0, replica: self.config.id }
                } else {
                    self.hlc.now(now)
                };
                match op {
                    SetOp::Add(e) => {
                        self.graphs.lww.add(e, stamp);
                        CrdtReply::Added { dot: None, replaced: Vec::new(), stamp: Some(stamp) }
                    }
                    _ => {
                        self.graphs.lww.remove(op.edge(), stamp);
                        CrdtReply::Removed { dots: Vec::new(), stamp: Some(stamp) }
                    }
                }
            }
            (SetKind::OrSet, SetOp::Add(e)) => {
                let replaced: Vec<_> = g.orset.dots_of(&e).copied().collect();
                let dot = if bugs.dot_counter_not_persisted {
                    let d = g.orset.add_with_counter(e, self.volatile_dot_counter);
                    self.volatile_dot_counter = d.counter + 1;
                    d
                } else {
                    g.orset.add(e)
                };
                CrdtReply::Added { dot: Some(dot), replaced, stamp: None }
            }
            (SetKind::OrSet, SetOp::Remove(e)) => {
                let dots: Vec<_> = g.orset.dots_of(&e).copied().collect();
                if bugs.orset_remove_unobserved {
                    g.orset.remove_claiming_unseen(&e);
                } else {
                    g.orset.remove(&e);
                }
                CrdtReply::Removed { dots, stamp: None }
            }
        }
    }

    fn header(&mut self, now: Time) -> Header {
        Header {
            sent: self.hlc.now(now),
            stable: self.stable_bound(),
            digests: self.digests,
            vv: self.graphs.orset.version_vector().clone(),
        }
    }

    /// The least stamp up to which we hold every peer's writes; `None` until we have
    /// heard from all of them.
    fn stable_bound(&self) -> Option<Timestamp> {
        let mut bound = self.hlc.last();
        for &r in &self.config.replicas {
            if r != self.config.id {
                bound = bound.min(*self.heard.get(&r)?);
            }
        }
        Some(bound)
    }

    fn answer_digests(&mut self, now: Time, from: ReplicaId, theirs: &Header) {
        let ours = self.digests;
        if ours[SetKind::Lww.index()] == theirs.digests[SetKind::Lww.index()] {
            self.heard_from(from, theirs.sent);
        }
        let differing: Vec<SetKind> =
            SetKind::ALL.into_iter().filter(|k| ours[k.index()] != theirs.digests[k.index()]).collect();
        if differing.is_empty() {
            return;
        }
        let header = self.header(now);
        for kind in differing {
            let part = self.part(kind, &theirs.vv);
            self.send(from, &GossipMessage::Sync { header: header.clone(), part, answer: true });
        }
    }

    /// Merges one part; answers with ours if we still differ and were asked to. Returns
    /// whether our state changed.
    fn merge_part(&mut self, now: Time, from: ReplicaId, header: &Header, part: Part, answer: bool) -> bool {
        let kind = part.kind();
        let before = self.digests[kind.index()];
        let g = &mut self.graphs;
        match part {
            Part::GSet(s) => g.gset.merge(&s),
            Part::TwoPhase(s) => g.two_phase.merge(&s),
            Part::Lww(s) => {
                g.lww.merge(&s);
                self.heard_from(from, header.sent);
            }
            Part::OrSet(delta) => {
                if delta.validate().is_err() {
                    self.stats.rejected += 1;
                    return false;
                }
                if g.orset.merge_delta(&delta).is_err() {
                    self.stats.stale_deltas += 1;
                }
            }
        }
        self.refresh(kind);
        let after = self.digests[kind.index()];
        if answer && after != header.digests[kind.index()] {
            let reply_header = self.header(now);
            let part = self.part(kind, &header.vv);
            self.send(from, &GossipMessage::Sync { header: reply_header, part, answer: false });
        }
        before != after
    }

    fn heard_from(&mut self, from: ReplicaId, sent: Timestamp) {
        let h = self.heard.entry(from).or_insert(sent);
        *h = (*h).max(sent);
    }

    /// Collects LWW tombstones below the least stability bound every replica advertised.
    fn collect_stable_tombstones(&mut self) -> bool {
        if self.config.bugs.tombstones_never_collected {
            return false;
        }
        let Some(mut bound) = self.stable_bound() else { return false };
        for &r in &self.config.replicas {
            if r != self.config.id {
                match self.reported.get(&r) {
                    Some(&s) => bound = bound.min(s),
                    None => return false,
                }
            }
        }
        // Raise the bound only to collect something: once no tombstone is left, every
        // replica's bound stops moving and the digests can settle.
        if self.graphs.lww.gc_below() >= Some(bound) || !self.graphs.lww.has_tombstone_below(bound) {
            return false;
        }
        self.graphs.lww.collect_garbage(bound);
        self.refresh(SetKind::Lww);
        true
    }

    fn part(&self, kind: SetKind, their_vv: &super::VersionVector) -> Part {
        let g = &self.graphs;
        match kind {
            SetKind::GSet => Part::GSet(g.gset.clone()),
            SetKind::TwoPhase => Part::TwoPhase(g.two_phase.clone()),
            SetKind::Lww => Part::Lww(g.lww.clone()),
            SetKind::OrSet => Part::OrSet(g.orset.delta_since(their_vv)),
        }
    }

    fn send(&mut self, to: ReplicaId, message: &GossipMessage) {
        let bytes = message.encode();
        if bytes.len() > MESSAGE_BYTES_MAX {
            self.stats.oversized += 1;
            return;
        }
        self.outputs.push_back(Output::Send { to, bytes });
    }

    fn persist(&mut self, durable: bool) -> Result<(), StorageError> {
        let snapshot = Snapshot {
            graphs: self.graphs.clone(),
            hlc_last: self.hlc.last(),
            heard: self.heard.clone(),
            answered: self.answered.clone(),
        };
        persist::store(&mut self.storage, &snapshot, durable)
    }
}

impl<S: Storage> SansIoNode for CrdtReplica<S> {
    /// When `handle_timeout` is next due.
    fn poll_timeout(&self) -> Option<Time> {
        Some(self.next_gossip)
    }

    /// Starts a gossip round when due.
    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        if now < self.next_gossip {
            return Ok(());
        }
        self.next_gossip = now.saturating_add(Duration::from_micros(self.interval_us()));
        if self.config.bugs.tombstone_gc_early {
            let now_stamp = self.hlc.now(now);
            let before = super::Timestamp {
                wall_us: now_stamp.wall_us.saturating_sub(BUGGY_TOMBSTONE_GRACE_US),
                logical: 0,
                replica: 0,
            };
            self.graphs.lww.forget_tombstones_before(before);
            self.refresh(SetKind::Lww);
        }
        let peers: Vec<ReplicaId> = self.config.replicas.iter().copied().filter(|&r| r != self.config.id).collect();
        if peers.is_empty() {
            return Ok(());
        }
        let to = peers[self.rng.random_range(0..peers.len())];
        let header = self.header(now);
        self.send(to, &GossipMessage::Digests(header));
        Ok(())
    }

    /// Handles a gossip datagram from `from`; undecodable or invalid ones are dropped.
    fn handle_message(&mut self, now: Time, from: ReplicaId, bytes: &[u8]) -> Result<(), StorageError> {
        let Ok(message) = GossipMessage::decode(bytes) else {
            self.stats.rejected += 1;
            return Ok(());
        };
        let header = match &message {
            GossipMessage::Digests(h) | GossipMessage::Sync { header: h, .. } => h.clone(),
        };
        if from == self.config.id || !self.config.replicas.contains(&from) || header.sent.replica != from {
            self.stats.rejected += 1;
            return Ok(());
        }
        if self.hlc.observe(header.sent, now).is_err() {
            self.stats.clock_refused += 1;
            return Ok(());
        }
        if let Some(s) = header.stable {
            let r = self.reported.entry(from).or_insert(s);
            *r = (*r).max(s);
        }
        let changed = match message {
            GossipMessage::Digests(h) => {
                self.answer_digests(now, from, &h);
                false
            }
            GossipMessage::Sync { header, part, answer } => self.merge_part(now, from, &header, part, answer),
        };
        let collected = self.collect_stable_tombstones();
        if changed || collected {
            self.persist(false)?;
        }
        Ok(())
    }
}
