//! The relations (follow graph) service: its client API and its replicated state machine.
mod api;

pub use api::{Operation, Reply, Request, RequestId, UserId};
