//! A relations replica driven by tikv's raft-rs `RawNode`, with the same surface as
//! `RelationsNode`: requests in, `relations::Output` out, `raft::Observation` for the checkers.
use super::clients::Clients;
use super::config::{ConfigError, RaftRsConfig};
use super::election::ElectionRng;
use super::store::DiskStore;
use super::ticker::Ticker;
use super::wire::decode_raftrs_message;
use crate::node::SansIoNode;
use crate::raft::{NodeId, Observation, Role, StateMachine, PENDING_READS_MAX};
use crate::relations::{encode_request, FollowGraph, Output, Reply, Request, PENDING_PROPOSALS_MAX};
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use raft::{RawNode, StateRole};
use std::collections::VecDeque;
use std::fmt;

/// Why a node could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RaftRsError {
    /// The configuration is unusable.
    Config(ConfigError),
    /// The disk failed or holds something unreadable.
    Storage(StorageError),
}

impl fmt::Display for RaftRsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RaftRsError::Config(e) => e.fmt(f),
            RaftRsError::Storage(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RaftRsError {}

impl From<StorageError> for RaftRsError {
    fn from(e: StorageError) -> Self {
        RaftRsError::Storage(e)
    }
}

/// A raft-rs replica whose state machine is the follow graph.
pub struct RaftRsNode<S: Storage> {
    pub(super) raw: RawNode<DiskStore<S>>,
    pub(super) config: RaftRsConfig,
    pub(super) graph: FollowGraph,
    /// Highest index applied to `graph`.
    pub(super) applied: u64,
    pub(super) clients: Clients,
    pub(super) outputs: VecDeque<Output>,
    pub(super) ticker: Ticker,
    pub(super) election: ElectionRng,
    /// Writes made but not synced (only ever true with the planted bug on).
    pub(super) sync_pending: bool,
    /// Peers a snapshot was just sent to, to report to raft-rs after the Ready.
    pub(super) snapshots_sent: Vec<NodeId>,
    decode_errors: u64,
}

/// Discards raft-rs's log lines (the harness records what matters itself).
fn discard_logger() -> slog::Logger {
    slog::Logger::root(slog::Discard, slog::o!())
}

impl<S: Storage> RaftRsNode<S> {
    /// Recovers log, hard state and snapshot from `storage` (an empty disk is a fresh node) and
    /// starts raft-rs with `applied` = the snapshot index the recovered state machine reflects.
    pub fn new(config: RaftRsConfig, storage: S, now: Time) -> Result<Self, RaftRsError> {
        config.validate().map_err(RaftRsError::Config)?;
        let store = DiskStore::open(storage, &config.voter_set())?;
        let mut graph = FollowGraph::default();
        let snapshot = store.snapshot_ref();
        if !snapshot.data.is_empty() {
            graph.restore(&snapshot.data).map_err(|e| StorageError(format!("snapshot state machine: {e}")))?;
        }
        let applied = snapshot.get_metadata().index;
        let hard_state = raft::Storage::initial_state(&store).map_err(|e| StorageError(e.to_string()))?.hard_state;
        // Mixing in the recovered term keeps a restarted node from replaying its first life's draws.
        let seed = config.rng_seed ^ hard_state.term.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let raw = RawNode::new(&config.raft_config(applied), store, &discard_logger())
            .map_err(|e| RaftRsError::Config(ConfigError(e.to_string())))?;
        let mut node = RaftRsNode {
            raw,
            graph,
            applied,
            clients: Clients::default(),
            outputs: VecDeque::new(),
            ticker: Ticker::new(config.tick_ms, now),
            election: ElectionRng::new(seed, config.election_ticks_min, config.election_ticks_max),
            sync_pending: false,
            snapshots_sent: Vec::new(),
            decode_errors: 0,
            config,
        };
        // Replays committed entries after the snapshot and overrides raft-rs's first timeout draw.
        node.settle()?;
        Ok(node)
    }

    fn is_leader(&self) -> bool {
        self.raw.raft.state == StateRole::Leader
    }

    fn leader_hint(&self) -> Option<NodeId> {
        Some(self.raw.raft.leader_id).filter(|id| *id != raft::INVALID_ID)
    }

    fn refuse(&mut self, client: u64, request: &Request, leader_hint: Option<NodeId>) {
        self.outputs.push_back(Output::Reply { client, request: request.id, reply: Reply::NotLeader { leader_hint } });
    }

    /// Accepts a client request; `client` is the opaque reply address. Only the leader serves:
    /// writes are proposed, reads go through ReadIndex (or the lease).
    pub fn handle_request(&mut self, _now: Time, client: u64, request: Request) -> Result<(), StorageError> {
        let me = Some(self.config.id);
        if !self.is_leader() {
            self.refuse(client, &request, self.leader_hint());
        } else if request.op.is_write() {
            if self.clients.proposals_len() >= PENDING_PROPOSALS_MAX {
                self.refuse(client, &request, me);
            } else {
                let (index, term) = (self.raw.raft.raft_log.last_index() + 1, self.raw.raft.term);
                match self.raw.propose(Vec::new(), encode_request(&request)) {
                    Ok(()) => {
                        assert_eq!(self.raw.raft.raft_log.last_index(), index, "a leader appends a proposal at once");
                        self.clients.proposed(index, term, client, request.id);
                    }
                    // Dropped: a leadership transfer is under way.
                    Err(_) => self.refuse(client, &request, None),
                }
            }
        } else if self.clients.reads_len() >= PENDING_READS_MAX {
            self.refuse(client, &request, me);
        } else {
            self.clients.add_read(client, request);
        }
        self.settle()
    }

    /// Next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Peer messages dropped because they did not decode or were misaddressed.
    pub fn decode_errors(&self) -> u64 {
        self.decode_errors
    }

    /// The node's storage.
    pub fn storage(&self) -> &S {
        self.raw.store().disk()
    }

    /// The applied follow graph (for tests and debugging; not a linearizable read).
    pub fn state_machine(&self) -> &FollowGraph {
        &self.graph
    }

    /// Raft state for observers, mapped from raft-rs.
    pub fn observe(&self) -> Observation {
        let raft = &self.raw.raft;
        let store = self.raw.store();
        let meta = store.snapshot_ref().get_metadata();
        let log = store.entry_ids().collect();
        Observation {
            id: self.config.id,
            term: raft.term,
            role: match raft.state {
                StateRole::Follower => Role::Follower,
                StateRole::PreCandidate => Role::PreCandidate,
                StateRole::Candidate => Role::Candidate,
                StateRole::Leader => Role::Leader,
            },
            voted_for: Some(raft.vote).filter(|v| *v != raft::INVALID_ID),
            commit_index: raft.raft_log.committed,
            last_applied: self.applied,
            snapshot_index: meta.index,
            snapshot_term: meta.term,
            log,
        }
    }
}

impl<S: Storage> SansIoNode for RaftRsNode<S> {
    fn poll_timeout(&self) -> Option<Time> {
        Some(self.ticker.next())
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        if self.sync_pending {
            // The planted bug's late group commit.
            self.raw.mut_store().sync()?;
            self.sync_pending = false;
        }
        let ticks = self.ticker.due(now);
        let age_ticks_max = self.config.election_ticks_max as u64;
        for _ in 0..ticks {
            self.raw.tick();
            self.clients.age_reads(1, age_ticks_max);
            self.settle()?;
        }
        Ok(())
    }

    fn handle_message(&mut self, _now: Time, from: NodeId, bytes: &[u8]) -> Result<(), StorageError> {
        let peer = from != self.config.id && self.config.voters.contains(&from);
        match decode_raftrs_message(bytes, from, self.config.id) {
            Ok(message) if peer => {
                // Errors are raft-rs declining the message (unknown peer, local type): dropped.
                let _ = self.raw.step(message);
            }
            _ => {
                self.decode_errors += 1;
                return Ok(());
            }
        }
        self.settle()
    }
}
