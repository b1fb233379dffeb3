//! A read replica: applies the leader's committed entries in index order exactly once, keeps
//! them in its own WAL, and serves session-consistent reads locally.
use super::message::{LogSyncMessage, ReplicaRead, ReplicaReply, WalEntry};
use super::wal::{self, Snapshot};
use super::LogSyncBugs;
use crate::node::SansIoNode;
use crate::raft::{NodeId, StateMachine};
use crate::relations::{FollowGraph, RequestId};
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use std::collections::VecDeque;
use std::time::Duration;

/// Entries applied between snapshots (each snapshot rotates the WAL).
const SNAPSHOT_EVERY: u64 = 64;

/// How a replica is set up.
#[derive(Clone, Debug)]
pub struct ReplicaConfig {
    /// This replica's id.
    pub id: NodeId,
    /// The Raft voters (any may lead and ship).
    pub voters: Vec<NodeId>,
    /// Time between acknowledgements (which also ask for what is missing).
    pub ack_interval: Duration,
    /// How long a read may wait for the replica to catch up to its token.
    pub read_wait: Duration,
    /// Most reads waiting at once; more are answered `Behind` at once.
    pub pending_reads_max: usize,
    /// Planted bugs.
    pub bugs: LogSyncBugs,
}

/// What the replica asks its driver to do: acknowledge to a voter or answer a client.
pub type Output = crate::node::Output<ReplicaReply>;

/// What observers see after each step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaObservation {
    /// The index the replica claims its state is at.
    pub applied: u64,
    /// Term of the entry at `applied`.
    pub applied_term: u64,
    /// SHA-256 of the state machine's snapshot encoding.
    pub digest: [u8; 32],
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplicaStats {
    /// Datagrams that did not decode.
    pub rejected: u64,
    /// Entries skipped because they were already applied.
    pub duplicates: u64,
    /// Entries that disagreed with an applied one at the same index (never, if Raft holds).
    pub conflicts: u64,
    /// Gaps seen (an entry beyond the next index).
    pub gaps: u64,
}

struct Waiting {
    client: u64,
    read: ReplicaRead,
    deadline: Time,
}

/// One read replica.
pub struct LogSyncReplica<S: Storage> {
    config: ReplicaConfig,
    storage: S,
    state: FollowGraph,
    /// `state`'s digest, computed when first asked for after a change.
    digest: Option<[u8; 32]>,
    applied: u64,
    applied_term: u64,
    since_snapshot: u64,
    /// The highest commit index and term any leader told us, and when (local time).
    known_commit: u64,
    leader: Option<(u64, NodeId)>,
    last_heard: Option<Time>,
    waiting: Vec<Waiting>,
    next_ack: Time,
    outputs: VecDeque<Output>,
    stats: ReplicaStats,
}

impl<S: Storage> LogSyncReplica<S> {
    /// Recovers from `storage`: the snapshot, then the WAL past it, in index order.
    pub fn new(config: ReplicaConfig, storage: S, now: Time) -> Result<Self, StorageError> {
        let (snapshot, entries) = wal::load(&storage)?;
        let mut r = LogSyncReplica {
            state: FollowGraph::default(),
            digest: None,
            applied: 0,
            applied_term: 0,
            since_snapshot: 0,
            known_commit: 0,
            leader: None,
            last_heard: None,
            waiting: Vec::new(),
            next_ack: now,
            outputs: VecDeque::new(),
            stats: ReplicaStats::default(),
            storage,
            config,
        };
        if let Some(s) = snapshot {
            r.state.restore(&s.state).map_err(|e| StorageError(format!("{}: {e}", wal::SNAPSHOT_FILE)))?;
            r.applied = s.index;
            r.applied_term = s.term;
        }
        if r.config.bugs.forget_applied_position {
            // The planted bug: the state comes back but its position does not, so the replica
            // claims index 0 and has the leader send (and re-applies) everything again.
            r.applied = 0;
            r.applied_term = 0;
            return Ok(r);
        }
        if r.config.bugs.skip_wal_replay {
            return Ok(r);
        }
        for e in entries {
            if e.index == r.applied + 1 {
                r.apply_one(&e);
            }
        }
        Ok(r)
    }

    /// The index the replica's state is at.
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// What observers see (the state digest is recomputed only after the state changed).
    pub fn observe(&mut self) -> ReplicaObservation {
        let digest = *self.digest.get_or_insert_with(|| self.state.digest());
        ReplicaObservation { applied: self.applied, applied_term: self.applied_term, digest }
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

    /// A client read: answered now if the replica has caught up to the token (and is fresh
    /// enough, if asked), else held until it has or until `read_wait`, then `Behind`.
    pub fn handle_request(&mut self, now: Time, client: u64, read: ReplicaRead) -> Result<(), StorageError> {
        if self.ready(now, &read) {
            self.answer(client, &read);
        } else if self.waiting.len() >= self.config.pending_reads_max {
            self.behind(client, read.id);
        } else {
            let deadline = now.saturating_add(self.config.read_wait);
            self.waiting.push(Waiting { client, read, deadline });
        }
        Ok(())
    }

    fn ready(&self, now: Time, read: &ReplicaRead) -> bool {
        if self.config.bugs.ignore_session_token {
            return true;
        }
        let fresh = match read.staleness_ms_max {
            None => true,
            Some(_) if self.config.bugs.ignore_staleness_bound => true,
            Some(ms) => {
                let heard_recently =
                    self.last_heard.is_some_and(|t| now.saturating_since(t) <= Duration::from_millis(ms));
                heard_recently && self.applied >= self.known_commit
            }
        };
        self.applied >= read.token && fresh
    }

    fn answer(&mut self, client: u64, read: &ReplicaRead) {
        let reply = ReplicaReply::Value { reply: self.state.query(&read.op), index: self.applied };
        self.outputs.push_back(Output::Reply { client, request: read.id, reply });
    }

    fn behind(&mut self, client: u64, request: RequestId) {
        let reply = ReplicaReply::Behind { applied: self.applied };
        self.outputs.push_back(Output::Reply { client, request, reply });
    }

    /// Answers every waiting read that is now ready or out of time.
    fn settle_reads(&mut self, now: Time) {
        let waiting = std::mem::take(&mut self.waiting);
        for w in waiting {
            if self.ready(now, &w.read) {
                self.answer(w.client, &w.read);
            } else if now >= w.deadline {
                self.behind(w.client, w.read.id);
            } else {
                self.waiting.push(w);
            }
        }
    }

    fn apply_one(&mut self, e: &WalEntry) {
        if let Some(payload) = &e.payload {
            // A command that does not decode is applied as nothing, like the voters do.
            let _ = self.state.apply(payload);
            self.digest = None;
        }
        self.applied = e.index;
        self.applied_term = e.term;
        self.since_snapshot += 1;
    }

    /// Applies what follows our position, logging each entry before the batch's sync.
    fn apply_entries(&mut self, commit_index: u64, entries: &[WalEntry]) -> Result<bool, StorageError> {
        let mut progressed = false;
        for e in entries {
            if e.index <= self.applied {
                self.stats.duplicates += 1;
                if e.index == self.applied && e.term != self.applied_term {
                    self.stats.conflicts += 1;
                }
                continue;
            }
            if e.index != self.applied + 1 {
                self.stats.gaps += 1;
                break;
            }
            if e.index > commit_index && !self.config.bugs.apply_uncommitted_tail {
                break;
            }
            self.storage.append(wal::WAL_FILE, &wal::frame(e))?;
            self.apply_one(e);
            progressed = true;
        }
        if progressed {
            self.storage.sync()?;
            if self.since_snapshot >= SNAPSHOT_EVERY {
                self.checkpoint()?;
            }
        }
        Ok(progressed)
    }

    fn checkpoint(&mut self) -> Result<(), StorageError> {
        let snapshot = Snapshot { index: self.applied, term: self.applied_term, state: self.state.snapshot() };
        wal::checkpoint(&mut self.storage, &snapshot)?;
        self.since_snapshot = 0;
        Ok(())
    }

    fn install(&mut self, index: u64, entry_term: u64, state: &[u8]) -> Result<(), StorageError> {
        if index <= self.applied {
            return Ok(());
        }
        let mut fresh = FollowGraph::default();
        if fresh.restore(state).is_err() {
            self.stats.rejected += 1;
            return Ok(());
        }
        self.state = fresh;
        self.digest = None;
        self.applied = index;
        self.applied_term = entry_term;
        self.checkpoint()
    }

    fn ack(&mut self, to: NodeId) {
        let bytes = LogSyncMessage::Ack { applied: self.applied }.encode();
        self.outputs.push_back(Output::Send { to, bytes });
    }

    /// Acks the leader we know of, or every voter if we know none.
    fn ack_leader(&mut self) {
        match self.leader {
            Some((_, l)) => self.ack(l),
            None => {
                for v in self.config.voters.clone() {
                    self.ack(v);
                }
            }
        }
    }
}

impl<S: Storage> SansIoNode for LogSyncReplica<S> {
    fn poll_timeout(&self) -> Option<Time> {
        let reads = self.waiting.iter().map(|w| w.deadline).min();
        Some(reads.map_or(self.next_ack, |r| r.min(self.next_ack)))
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        if now >= self.next_ack {
            self.next_ack = now.saturating_add(self.config.ack_interval);
            self.ack_leader();
        }
        self.settle_reads(now);
        Ok(())
    }

    fn handle_message(&mut self, now: Time, from: NodeId, bytes: &[u8]) -> Result<(), StorageError> {
        if !self.config.voters.contains(&from) {
            self.stats.rejected += 1;
            return Ok(());
        }
        let Ok(message) = LogSyncMessage::decode(bytes) else {
            self.stats.rejected += 1;
            return Ok(());
        };
        let term = match &message {
            LogSyncMessage::Entries { term, .. } | LogSyncMessage::Snapshot { term, .. } => *term,
            LogSyncMessage::Ack { .. } => {
                self.stats.rejected += 1;
                return Ok(());
            }
        };
        // Follow the newest leader; a deposed one's messages still carry committed entries.
        if self.leader.is_none_or(|(t, _)| term >= t) {
            self.leader = Some((term, from));
            self.last_heard = Some(now);
        }
        let before = self.applied;
        match message {
            LogSyncMessage::Entries { commit_index, entries, .. } => {
                self.known_commit = self.known_commit.max(commit_index);
                let gap = entries.first().is_some_and(|e| e.index > self.applied + 1);
                self.apply_entries(commit_index, &entries)?;
                let caught_up = self.applied >= commit_index;
                if gap || entries.is_empty() && !caught_up || self.applied != before {
                    // Tell the sender where we are, so it sends what follows (or re-sends
                    // what was lost).
                    self.ack(from);
                }
            }
            LogSyncMessage::Snapshot { index, entry_term, state, .. } => {
                self.install(index, entry_term, &state)?;
                self.ack(from);
            }
            LogSyncMessage::Ack { .. } => {}
        }
        self.settle_reads(now);
        Ok(())
    }
}
