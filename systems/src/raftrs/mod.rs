//! tikv's raft-rs (`raft` 0.7), a third-party sans-IO Raft, hosted under the relations state
//! machine with the same surface as `RelationsNode`, so the same clients and checks judge it.
//! Time comes in as `Time` and becomes ticks; its randomness is replaced by a seeded RNG; its
//! storage is our `Storage` with an explicit sync before any message that claims durability.
mod clients;
mod config;
mod election;
mod entry;
mod node;
mod persist;
mod ready;
mod store;
mod ticker;
mod wire;

/// raft-rs's message types, for hosts that read what a node sends.
pub use raft::eraftpb;

pub use config::{ConfigError, RaftRsBugs, RaftRsConfig, ReadMode};
pub use node::{RaftRsError, RaftRsNode};
pub use persist::{RAFTRS_SNAPSHOT_FILE, RAFTRS_WAL_FILE};
pub use store::DiskStore;
pub use ticker::TICKS_PER_CALL_MAX;
pub use wire::{decode_raftrs_message, encode_raftrs_message, WireError, RAFTRS_WIRE_VERSION};
