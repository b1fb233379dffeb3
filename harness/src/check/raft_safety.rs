//! Raft safety, observed continuously from node-state samples. (Stub: being written.)
use crate::check::CheckResult;
use faultline_systems::raft::{AppliedEntry, NodeId, Observation};

/// Watches every node's observations and applied entries over a run.
#[derive(Default)]
pub struct RaftObserver {}

impl RaftObserver {
    /// Takes a node-state sample.
    pub fn observe(&mut self, _now_us: u64, _o: &Observation) {}
    /// Records that `node` applied `entry`.
    pub fn applied(&mut self, _now_us: u64, _node: NodeId, _entry: &AppliedEntry) {}
    /// Records that `node` (re)started at `now_us`.
    pub fn restarted(&mut self, _node: NodeId, _now_us: u64) {}
    /// The current leader, as last observed.
    pub fn leader(&self) -> Option<NodeId> {
        None
    }
    /// One result per Raft safety property.
    pub fn result(&self) -> Vec<CheckResult> {
        Vec::new()
    }
}
