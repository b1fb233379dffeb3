//! The simulated world around each node: its clock and its disk (which outlive crashes),
//! the host loop that wraps any sans-IO node, the wire format, the shared run state (which
//! holds the recorded run), and the world as an engine's program.
mod clock;
mod disk;
mod node_host;
mod program;
mod state;
mod trace;
pub mod wire;

pub use clock::SimClock;
pub use disk::{DiskStats, SharedDisk};
pub(crate) use node_host::{decode as decode_datagram, fail_stop, paused_until, send_with_wire_faults, Held};
pub use node_host::{host_future, node_main, system_host_future, Boot, BootFn, Hosted, Routed};
pub use program::WorldProgram;
pub use state::{LeaderHint, NodeSlot, Stats, WireFaults, World, WorldState};
pub use trace::Trace;
