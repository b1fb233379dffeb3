//! What clients ask a data-centre replica and what it answers.
use crate::crdt::{Dot, Timestamp};
use crate::relations::RequestId;
use serde::{Deserialize, Serialize};

/// A follow edge: (follower, followee).
pub type Edge = (u64, u64);

/// Which of the replica's four follow graphs an operation targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SetKind {
    /// Grow-only: follows are never undone.
    GSet,
    /// Two-phase: an unfollow is final.
    TwoPhase,
    /// Last-writer-wins by hybrid logical clock.
    Lww,
    /// Add-wins observed-remove.
    OrSet,
}

impl SetKind {
    /// Every kind, in digest order.
    pub const ALL: [SetKind; 4] = [SetKind::GSet, SetKind::TwoPhase, SetKind::Lww, SetKind::OrSet];

    /// Short name for histories and reports.
    pub fn name(self) -> &'static str {
        match self {
            SetKind::GSet => "gset",
            SetKind::TwoPhase => "2p",
            SetKind::Lww => "lww",
            SetKind::OrSet => "orset",
        }
    }

    /// Position in `ALL` (and in digest arrays).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the type supports removing.
    pub fn removable(self) -> bool {
        self != SetKind::GSet
    }
}

/// One set operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetOp {
    /// Follow.
    Add(Edge),
    /// Unfollow.
    Remove(Edge),
    /// Is the edge present here?
    Contains(Edge),
}

impl SetOp {
    /// The edge the operation is about.
    pub fn edge(self) -> Edge {
        match self {
            SetOp::Add(e) | SetOp::Remove(e) | SetOp::Contains(e) => e,
        }
    }

    /// Whether it changes state.
    pub fn is_write(self) -> bool {
        !matches!(self, SetOp::Contains(_))
    }
}

/// A client request to a replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrdtRequest {
    /// Idempotency key: a retried request gets the first answer again.
    pub id: RequestId,
    /// The graph.
    pub kind: SetKind,
    /// The operation.
    pub op: SetOp,
}

/// A replica's answer. Writes report what they did so checkers can judge the type's rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CrdtReply {
    /// The add is durable here. `dot` for the OR-Set, with the dots of the element it
    /// observed and superseded (`replaced`); `stamp` for LWW.
    Added { dot: Option<Dot>, replaced: Vec<Dot>, stamp: Option<Timestamp> },
    /// The remove is durable here. `dots`: the OR-Set dots it observed and removed;
    /// `stamp` for LWW.
    Removed { dots: Vec<Dot>, stamp: Option<Timestamp> },
    /// Whether the edge is present at this replica.
    Contains(bool),
    /// The type cannot do that (removing from a G-Set).
    Unsupported,
}
