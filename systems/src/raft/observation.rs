//! What a node exposes to observers (the harness's Raft-safety checker). Read-only.
use crate::relations::RequestId;
use serde::{Deserialize, Serialize};

/// A Raft node's id.
pub type NodeId = u64;

/// A node's Raft role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Follows a leader (or waits for one).
    Follower,
    /// Running a PreVote round; has not bumped its term.
    PreCandidate,
    /// Asking for votes in its current term.
    Candidate,
    /// Leader of its current term.
    Leader,
}

/// Identity of one log entry: position, term, and a digest of its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntryId {
    /// Log index, from 1.
    pub index: u64,
    /// Term the entry was created in.
    pub term: u64,
    /// Digest of the payload (first 8 bytes of SHA-256, big-endian), so equal ids mean equal entries.
    pub digest: u64,
}

/// An entry this node just applied to its state machine (emitted as an output).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedEntry {
    /// Which entry.
    pub id: EntryId,
    /// The client request the entry carries, if any (no-op and config entries carry none).
    pub request: Option<RequestId>,
    /// The command applied (`None` for a no-op), so observers can replay the committed log.
    pub command: Option<Vec<u8>>,
}

/// A snapshot of a node's Raft state, taken by observers after every step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// This node.
    pub id: NodeId,
    /// Current term.
    pub term: u64,
    /// Current role.
    pub role: Role,
    /// Vote cast in `term`, if any.
    pub voted_for: Option<NodeId>,
    /// Highest index known committed.
    pub commit_index: u64,
    /// Highest index applied to the state machine.
    pub last_applied: u64,
    /// Last index covered by the snapshot (0 if none); the log holds entries after it.
    pub snapshot_index: u64,
    /// Term of the entry at `snapshot_index` (0 if none).
    pub snapshot_term: u64,
    /// Log entries after the snapshot, in index order.
    pub log: Vec<EntryId>,
}
