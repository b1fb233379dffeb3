//! The leader's side of LogSync: streams applied (hence committed) entries to every read
//! replica, go-back-N from what each replica last acknowledged. Only the leader ships; after
//! a leader change the new leader probes each replica for its position and carries on.
use super::message::{LogSyncMessage, WalEntry};
use super::{LogSyncBugs, RELATIONS_LOG};
use crate::crdt::VersionVector;
use crate::raft::{NodeId, Raft, Role, StateMachine};
use crate::storage::Storage;
use crate::time::Time;
use std::collections::BTreeMap;
use std::time::Duration;

/// How a voter ships to replicas.
#[derive(Clone, Debug, Default)]
pub struct ShipperConfig {
    /// Replica ids (no replicas: the shipper is idle).
    pub replicas: Vec<NodeId>,
    /// Time between shipping rounds (each also a heartbeat carrying the commit index).
    pub interval: Duration,
    /// Most entries per message.
    pub batch_max: usize,
    /// Planted bugs.
    pub bugs: LogSyncBugs,
}

/// Per-voter shipping state.
#[derive(Clone, Debug)]
pub struct LogShipper {
    config: ShipperConfig,
    /// What each replica last said it applied (`None`: unknown, probe first).
    acked: BTreeMap<NodeId, Option<u64>>,
    next_round: Time,
}

impl LogShipper {
    /// A shipper that starts its first round at `now`.
    pub fn new(config: ShipperConfig, now: Time) -> Self {
        let acked = config.replicas.iter().map(|&r| (r, None)).collect();
        LogShipper { config, acked, next_round: now }
    }

    /// Whether `from` is one of our replicas (its messages are ours, not Raft's).
    pub fn is_replica(&self, from: NodeId) -> bool {
        self.acked.contains_key(&from)
    }

    /// When `handle_timeout` is next due (never, without replicas).
    pub fn poll_timeout(&self) -> Option<Time> {
        (!self.acked.is_empty()).then_some(self.next_round)
    }

    /// A round: the leader ships to every replica.
    pub fn handle_timeout<S: Storage, M: StateMachine>(
        &mut self,
        now: Time,
        raft: &Raft<S, M>,
        out: &mut Vec<(NodeId, Vec<u8>)>,
    ) {
        if now < self.next_round || self.acked.is_empty() {
            return;
        }
        self.next_round = now.saturating_add(self.config.interval);
        if raft.role() != Role::Leader {
            // Positions learnt under another leader may be stale by the time we lead.
            self.acked.values_mut().for_each(|a| *a = None);
            return;
        }
        if !raft.committed_in_current_term() {
            // Our commit index may still lag an earlier leader's: a replica that heard it
            // would count itself fresh while missing committed entries. The no-op commits soon.
            return;
        }
        let replicas: Vec<NodeId> = self.acked.keys().copied().collect();
        for r in replicas {
            self.ship(raft, r, out);
        }
    }

    /// An acknowledgement from a replica: remember its position and, as leader, send what
    /// it lacks at once. Garbage is dropped.
    pub fn handle_message<S: Storage, M: StateMachine>(
        &mut self,
        raft: &Raft<S, M>,
        from: NodeId,
        bytes: &[u8],
        out: &mut Vec<(NodeId, Vec<u8>)>,
    ) {
        let Ok(LogSyncMessage::Ack { applied }) = LogSyncMessage::decode(bytes) else { return };
        // Not a max: a replica that restarted from older state must be sent it again.
        self.acked.insert(from, Some(applied));
        if raft.role() == Role::Leader && raft.committed_in_current_term() && applied < self.ship_limit(raft) {
            self.ship(raft, from, out);
        }
    }

    fn ship_limit<S: Storage, M: StateMachine>(&self, raft: &Raft<S, M>) -> u64 {
        if self.config.bugs.apply_uncommitted_tail {
            raft.last_index()
        } else {
            raft.applied_index()
        }
    }

    fn ship<S: Storage, M: StateMachine>(&self, raft: &Raft<S, M>, to: NodeId, out: &mut Vec<(NodeId, Vec<u8>)>) {
        let term = raft.term();
        let commit_index = raft.commit_index();
        let probe = LogSyncMessage::Entries { term, commit_index, entries: Vec::new() };
        let Some(Some(acked)) = self.acked.get(&to).copied() else {
            out.push((to, probe.encode()));
            return;
        };
        let limit = self.ship_limit(raft);
        let from = acked.saturating_add(1);
        if from > limit {
            out.push((to, probe.encode()));
            return;
        }
        if raft.entry_at(from).is_none() {
            // Compacted into our snapshot: send the state machine at our applied index.
            let index = raft.applied_index();
            let entry_term = raft.term_at(index).unwrap_or(0);
            let state = raft.state_machine().snapshot();
            out.push((to, LogSyncMessage::Snapshot { term, index, entry_term, state }.encode()));
            return;
        }
        let last = limit.min(from.saturating_add(self.config.batch_max.max(1) as u64 - 1));
        let entries: Vec<WalEntry> = (from..=last)
            .map_while(|index| {
                let (entry_term, payload) = raft.entry_at(index)?;
                let vv: VersionVector = [(RELATIONS_LOG, index)].into_iter().collect();
                Some(WalEntry { term: entry_term, index, vv, payload })
            })
            .collect();
        out.push((to, LogSyncMessage::Entries { term, commit_index, entries }.encode()));
    }
}
