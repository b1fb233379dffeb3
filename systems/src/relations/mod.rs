//! The relations (follow graph) service: its client API and its replicated state machine.
mod api;
mod node;
mod state_machine;

pub use crate::raft::decode_message;
pub use api::{Operation, Reply, Request, RequestId, UserId};
pub use node::{Output, RelationsNode, PENDING_PROPOSALS_MAX};
pub use state_machine::{encode_request, FollowGraph};
