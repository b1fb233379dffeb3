//! Clients: each issues relation operations one at a time with timeouts and retries, and
//! records every operation as invoke then ok / fail / info with simulated times.
mod client;
mod crdt_client;
mod op;

pub use crdt_client::{crdt_client_main, pick_crdt_operation, raft_events, CRDT_FUNCTIONS};
pub use op::{pick_operation, HistoryOp};

use crate::engine::Io;
use crate::world::World;

/// Runs client `index`: the first `Scenario::raft_clients()` drive the Raft service, the
/// rest are CRDT clients in the data centres.
pub async fn client_main<I: Io>(world: World, index: usize) {
    let raft_clients = world.with(|w| w.scenario.raft_clients());
    if index < raft_clients {
        client::raft_client_main::<I>(world, index).await;
    } else {
        crdt_client_main::<I>(world, index, index - raft_clients).await;
    }
}
