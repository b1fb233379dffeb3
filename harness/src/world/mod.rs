//! The simulated world around each node: its clock and its disk (which outlive crashes),
//! the host loop that wraps the sans-IO node, the wire format and the shared run state.
mod clock;
mod crdt_host;
mod disk;
mod logsync_host;
mod node_host;
mod raft_host;
mod state;
mod trace;
pub mod wire;

pub use clock::SimClock;
pub use disk::{DiskStats, SharedDisk};
pub use node_host::node_main;
pub use state::{client_name, node_name, NodeSlot, PlantedSwitches, Stats, WireFaults, World, WorldState};
pub use trace::Trace;
