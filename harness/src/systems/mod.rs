//! The systems under test, one folder each: its scenario sections, host roles and boot,
//! clients, records, checks, report sections and planted bugs. The harness core reaches them
//! only through `system::Plugin` and `system::System`, from the one registration list below.
pub mod crdt;
pub mod ingest;
pub mod logsync;
pub mod openraft;
pub mod raftrs;
pub mod relations;

use crate::system::Plugin;

/// Every system, in host-numbering order (a system that builds on another comes after it).
pub fn plugins() -> &'static [&'static dyn Plugin] {
    &[
        &relations::RelationsPlugin,
        &crdt::CrdtPlugin,
        &logsync::LogSyncPlugin,
        &ingest::IngestPlugin,
        &raftrs::RaftRsPlugin,
        &openraft::OpenRaftPlugin,
    ]
}
