//! Clients: each issues relation operations one at a time with timeouts and retries, and
//! records every operation as invoke then ok / fail / info with simulated times.
mod client;
mod op;

pub use client::client_main;
pub use op::{pick_operation, HistoryOp};
