//! openraft's type configuration: the relations client wire (`Request` in, `Reply` out) as its
//! application data (no reply for a stale retry), u64 node ids (our wire ids), and the
//! simulated runtime.
use super::runtime::SimRuntime;
use faultline_systems::relations::{Reply, Request};
use std::io::Cursor;

openraft::declare_raft_types!(
    /// openraft hosting the follow graph on the simulation.
    pub TypeConfig:
        D = Request,
        R = Option<Reply>,
        NodeId = u64,
        Node = openraft::EmptyNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = SimRuntime,
);

/// The Raft handle of one node.
pub type OpenRaft = openraft::Raft<TypeConfig>;
/// A log entry.
pub type Entry = openraft::Entry<TypeConfig>;
/// A log id.
pub type LogId = openraft::LogId<u64>;
/// openraft's storage error.
pub type OrStorageError = openraft::StorageError<u64>;

/// Our storage error as openraft's (its I/O error kind: openraft then stops the node).
pub fn to_openraft(e: faultline_systems::storage::StorageError) -> OrStorageError {
    let io = std::io::Error::other(e.0);
    openraft::StorageError::from_io_error(openraft::ErrorSubject::Store, openraft::ErrorVerb::Write, io)
}

/// openraft's leader id (term, node) packed into one number that orders as openraft orders
/// them: its default mode may elect several leaders in one term, one per node id, so the
/// checks' "term" is the leader id (node ids are below 16).
pub fn packed_term(term: u64, node: u64) -> u64 {
    term.saturating_mul(16).saturating_add(node & 15)
}

/// openraft's log index as ours (openraft's first entry, the initial membership, is index 0;
/// the checks count from 1).
pub fn our_index(log_id: &LogId) -> u64 {
    log_id.index + 1
}
