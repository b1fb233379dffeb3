//! What the relations service writes into the recorded run besides its history events.
use crate::check::raft_safety::RaftObserver;
use faultline_systems::relations::RequestId;

/// The Raft voters' observations (folded as they come: samples hold whole logs) and the
/// writes clients saw acknowledged.
#[derive(Default)]
pub struct RelationsRecord {
    /// Every voter's state after every step, and every applied entry.
    pub raft: RaftObserver,
    /// Writes clients saw acknowledged, in acknowledgement order.
    pub acked_writes: Vec<RequestId>,
}
