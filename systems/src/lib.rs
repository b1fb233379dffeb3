//! The social-network backend under test, as sans-IO state machines: no I/O, no clocks,
//! no OS randomness. Callers feed events and time in and carry outputs out.
#![forbid(unsafe_code)]

pub mod crdt;
pub mod ingest;
pub mod logsync;
pub mod node;
pub mod raft;
pub mod raftrs;
pub mod relations;
pub mod storage;
pub mod time;

pub use node::SansIoNode;
