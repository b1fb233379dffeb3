//! Raft consensus as a sans-IO state machine (etcd-raft feature set).
mod config;
mod election;
mod log;
mod message;
mod node;
mod observation;
mod persist;
mod read;
mod replication;
mod snapshot;

pub use config::{RaftBugs, RaftConfig};
pub use message::{decode_message, encode_message, DecodeError, Entry, EntryData, Message, WIRE_VERSION};
pub use node::{Event, Raft, StateMachine, MAX_PENDING_READS};
pub use observation::{AppliedEntry, EntryId, NodeId, Observation, Role};
pub use persist::{SNAPSHOT_FILE, WAL_FILE};
// Record framing (len + crc32), shared with the raft-rs host's files.
pub(crate) use persist::{frame, unframe};
pub use replication::NotLeader;
