//! Clients: each issues relation operations one at a time with timeouts and retries, and
//! records every operation as invoke then ok / fail / info with simulated times.
mod client;
mod crdt_client;
mod op;
mod receive;
mod session;

pub use crdt_client::{crdt_client_main, pick_crdt_operation, raft_events, CRDT_FUNCTIONS};
pub use op::{pick_operation, HistoryOp};
pub use session::{is_replica_function, Session};

use crate::engine::Io;
use crate::world::World;

/// Runs client `index`: the first `Scenario::raft_clients()` drive the Raft service, then
/// come the CRDT clients in the data centres, then the LogSync clients.
pub async fn client_main<I: Io>(world: World, index: usize) {
    let scenario = world.with(|w| w.scenario.clone());
    let raft_clients = scenario.raft_clients();
    let crdt_clients = scenario.crdt_clients();
    if index < raft_clients {
        client::raft_client_main::<I>(world, index, None).await;
    } else if index < raft_clients + crdt_clients {
        crdt_client_main::<I>(world, index, index - raft_clients).await;
    } else {
        let l = &scenario.logsync;
        let replicas: Vec<usize> = scenario.logsync_hosts().collect();
        let session = Session {
            token: 0,
            current: (index - raft_clients - crdt_clients) % replicas.len().max(1),
            replicas,
            read_percent: l.read_percent,
            max_staleness_ms: l.max_staleness_ms,
            attempt_us: (l.read_wait_ms + 50) * 1000,
            op_timeout_us: scenario.workload.op_timeout_ms * 1000,
        };
        client::raft_client_main::<I>(world, index, Some(session)).await;
    }
}
