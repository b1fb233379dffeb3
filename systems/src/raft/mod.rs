//! Raft consensus as a sans-IO state machine (etcd-raft feature set).
mod observation;

pub use observation::{AppliedEntry, EntryId, NodeId, Observation, Role};
