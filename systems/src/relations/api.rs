//! Client-facing API of the relations service. These types cross the wire (serde + postcard).
use serde::{Deserialize, Serialize};

/// A user of the social network.
pub type UserId = u64;

/// Identifies one client request; a retry reuses it so the state machine applies it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestId {
    /// The client (unique per client incarnation).
    pub client: u64,
    /// Per-client sequence number, increasing.
    pub seq: u64,
}

/// A relations operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// `follower` starts following `followee` (write).
    Follow { follower: UserId, followee: UserId },
    /// `follower` stops following `followee` (write).
    Unfollow { follower: UserId, followee: UserId },
    /// Whether `follower` follows `followee` (read).
    IsFollowing { follower: UserId, followee: UserId },
    /// Everyone who follows `user`, sorted (read).
    Followers { user: UserId },
    /// Everyone `user` follows, sorted (read).
    Following { user: UserId },
    /// Follower and following counts of `user` (read).
    Counts { user: UserId },
}

impl Operation {
    /// Whether this operation changes state (goes through the log) rather than reads.
    pub fn is_write(&self) -> bool {
        matches!(self, Operation::Follow { .. } | Operation::Unfollow { .. })
    }
}

/// A client request: an operation with its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Dedup id.
    pub id: RequestId,
    /// What to do.
    pub op: Operation,
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// A write committed and was applied; `changed` says whether the edge set changed.
    /// `index` is the log index the write committed at (a session token for LogSync reads;
    /// for a retried write answered from the dedupe table, the retry's index, which is later).
    Written { changed: bool, index: u64 },
    /// Answer to `IsFollowing`.
    Bool(bool),
    /// Answer to `Followers` / `Following`, sorted ascending.
    Users(Vec<UserId>),
    /// Answer to `Counts`.
    Counts { followers: u64, following: u64 },
    /// This node is not the leader (or lost leadership before answering); try `leader_hint`.
    /// The request was NOT applied by this attempt... unless it had been proposed already,
    /// in which case the node does not reply at all and the client times out.
    NotLeader { leader_hint: Option<u64> },
    /// This node leads but has too much work queued (backpressure); the request was NOT
    /// applied. Retry the same node after a back-off: the leader has not changed.
    Busy,
}
