//! What LogSync sends: entries and snapshots from the leader, acknowledgements from replicas,
//! and reads from clients.
use crate::crdt::VersionVector;
use crate::relations::{Operation, Reply, RequestId};
use serde::{Deserialize, Serialize};

/// One committed Raft entry as a replica stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalEntry {
    /// Raft term of the entry.
    pub term: u64,
    /// Raft index.
    pub index: u64,
    /// The log position this entry brings its holder to: `{RELATIONS_LOG: index}`.
    pub vv: VersionVector,
    /// The relations command (`None` for Raft's no-op entries).
    pub payload: Option<Vec<u8>>,
}

/// Leader ↔ replica traffic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogSyncMessage {
    /// Entries from `entries[0].index` on (possibly none: a probe), and the sender's commit
    /// index; the replica applies only entries at or below it.
    Entries { term: u64, commit_index: u64, entries: Vec<WalEntry> },
    /// The whole state machine at `index` (the leader's log no longer holds what the replica
    /// needs).
    Snapshot { term: u64, index: u64, entry_term: u64, state: Vec<u8> },
    /// "I have applied up to `applied`; send from `applied + 1`."
    Ack { applied: u64 },
}

impl LogSyncMessage {
    /// Encodes for the wire.
    pub fn encode(&self) -> Vec<u8> {
        // Encoding an in-memory value of plain collections cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes bytes from a peer; garbage is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

/// A client's read at a replica.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaRead {
    /// Request id (replies carry it).
    pub id: RequestId,
    /// A read operation.
    pub op: Operation,
    /// Session token: the highest index the client has written or read. The replica answers
    /// only once it has applied at least this far.
    pub token: u64,
    /// If set, the replica must also have heard from the leader within this many ms and
    /// applied everything the leader said was committed.
    pub staleness_ms_max: Option<u64>,
}

/// A replica's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplicaReply {
    /// The answer, read at `index` (the replica's applied position).
    Value { reply: Reply, index: u64 },
    /// Not caught up within the wait bound; try another replica or the leader.
    Behind { applied: u64 },
}
