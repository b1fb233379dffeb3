//! LogSync: read-only replicas that follow the relations service without joining Raft.
//! The Raft leader's `LogShipper` streams committed entries (`WalEntry`) to each replica; a
//! `LogSyncReplica` appends them to its own durable WAL, applies them in index order exactly
//! once, asks for what it is missing after a gap, loss or its own crash, and answers reads
//! locally once it has caught up to the client's session token.
//!
//! The replica's state is always the Raft state machine at some committed prefix: it applies
//! index `i` only after `i - 1`, and only entries the leader says are committed. Equal index
//! means equal entry (Raft's log matching), so a re-sent entry is skipped by index alone.
mod bugs;
mod message;
mod replica;
mod shipper;
#[cfg(test)]
mod tests;
mod wal;

pub use bugs::LogSyncBugs;
pub use message::{LogSyncMessage, ReplicaRead, ReplicaReply, WalEntry};
pub use replica::{LogSyncReplica, Output, ReplicaConfig, ReplicaObservation, ReplicaStats};
pub use shipper::{LogShipper, ShipperConfig};

/// The one log LogSync follows, as the key of its version vectors (a sharded service would
/// have one entry per shard).
pub const RELATIONS_LOG: u64 = 1;
