//! What every sans-IO node has in common, so one driver (the harness's host loop, a unit
//! test's toy network, a fuzz target) can run any of them: timers and peer messages in,
//! outputs polled out by each node's own `poll_output`.
use crate::relations::RequestId;
use crate::storage::StorageError;
use crate::time::Time;

/// What a replica asks its driver to do: send to a peer, or answer a client with `R`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output<R> {
    /// Send bytes to peer `to`.
    Send { to: u64, bytes: Vec<u8> },
    /// Answer a client.
    Reply { client: u64, request: RequestId, reply: R },
}

/// A node driven by events and local time.
pub trait SansIoNode {
    /// The next local time at which `handle_timeout` must be called.
    fn poll_timeout(&self) -> Option<Time>;
    /// Fires due timers; call when `now >= poll_timeout()`.
    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError>;
    /// Handles bytes from peer `from`; undecodable bytes are dropped (and counted).
    fn handle_message(&mut self, now: Time, from: u64, bytes: &[u8]) -> Result<(), StorageError>;
}
