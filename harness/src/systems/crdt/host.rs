//! A CRDT data-centre replica as the host loop drives it. Its replica id is its 1-based
//! host id, so gossip uses the same envelope and addresses as every other peer traffic.
use super::{bugs, Crdt, CrdtRecord, NAME, REPLICA};
use crate::world::{wire, Boot, Hosted, Routed, SharedDisk, World, WorldState};
use faultline_systems::crdt::replica::{CrdtReplica, CrdtRequest, ReplicaConfig};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::time::Duration;

/// Boots replica `index` from its disk.
pub fn boot(
    system: &Crdt,
    world: &World,
    index: usize,
    boot: Boot,
    now: Time,
) -> Result<CrdtReplica<SharedDisk>, StorageError> {
    let (config, disk) = world.with(|w| {
        let config = ReplicaConfig {
            id: index as u64 + 1,
            replicas: w.scenario.topology().hosts(NAME, REPLICA).map(|h| h as u64 + 1).collect(),
            gossip_interval: Duration::from_millis(system.config.gossip_interval_ms),
            rng_seed: boot.rng_seed(index),
            bugs: bugs::switches(&w.bugs),
        };
        (config, w.nodes[index].disk.clone())
    });
    CrdtReplica::new(config, disk, now)
}

impl Hosted for CrdtReplica<SharedDisk> {
    fn handle_client(&mut self, now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match wire::decode::<CrdtRequest>(bytes) {
            Ok(request) => self.handle_request(now, client, request),
            Err(_) => Ok(()),
        }
    }

    fn next_output(&mut self, w: &mut WorldState, _: usize, _: u64) -> Option<Routed> {
        Routed::next(w, || self.poll_output())
    }

    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64) {
        w.records.get_mut::<CrdtRecord>().observe(now_us, index, self.digest(), self.graphs());
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
