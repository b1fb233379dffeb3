//! A CRDT data-centre replica as the host loop drives it. Its replica id is its 1-based
//! host id, so gossip uses the same envelope and addresses as every other peer traffic.
//! The host notes, for every read it hands the replica, what the replica's state held at
//! that moment (computed from the state's elements, not the replica's own membership test),
//! so `crdt-read` can judge each answer against it.
use super::checks::ReadServed;
use super::{bugs, Crdt, CrdtRecord, NAME, REPLICA};
use crate::world::{wire, Boot, Hosted, Routed, SharedDisk, World, WorldState};
use faultline_systems::crdt::replica::{CrdtReplica, CrdtRequest, ReplicaConfig, SetOp};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use std::time::Duration;

/// A replica and the reads it served since the last observation.
pub struct ReplicaHost {
    replica: CrdtReplica<SharedDisk>,
    served: Vec<ReadServed>,
}

/// Boots replica `index` from its disk.
pub fn boot(system: &Crdt, world: &World, index: usize, boot: Boot, now: Time) -> Result<ReplicaHost, StorageError> {
    let (config, disk) = world.with(|w| {
        let config = ReplicaConfig {
            id: index as u64 + 1,
            replicas: w.scenario.topology().hosts(NAME, REPLICA).map(|h| h as u64 + 1).collect(),
            gossip_interval: Duration::from_millis(system.config.gossip_interval_ms),
            rng_seed: boot.rng_seed(index),
            clock_offset_us_max: system.config.clock_offset_ms_max.saturating_mul(1000),
            bugs: bugs::switches(&w.bugs),
        };
        (config, w.nodes[index].disk.clone())
    });
    Ok(ReplicaHost { replica: CrdtReplica::new(config, disk, now)?, served: Vec::new() })
}

impl SansIoNode for ReplicaHost {
    fn poll_timeout(&self) -> Option<Time> {
        self.replica.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        self.replica.handle_timeout(now)
    }

    fn handle_message(&mut self, now: Time, from: u64, bytes: &[u8]) -> Result<(), StorageError> {
        self.replica.handle_message(now, from, bytes)
    }
}

impl Hosted for ReplicaHost {
    fn handle_client(&mut self, now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError> {
        let Ok(request) = wire::decode::<CrdtRequest>(bytes) else { return Ok(()) };
        let CrdtRequest { id, kind, op } = request;
        self.replica.handle_request(now, client, request)?;
        if let SetOp::Contains(edge) = op {
            let present = self.replica.graphs().elements(kind).contains(&edge);
            self.served.push(ReadServed { id, kind, edge, present });
        }
        Ok(())
    }

    fn next_output(&mut self, w: &mut WorldState, _: usize, _: u64) -> Option<Routed> {
        Routed::next(w, || self.replica.poll_output())
    }

    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64) {
        let record = w.records.get_mut::<CrdtRecord>();
        record.observe(now_us, index, self.replica.digest(), self.replica.graphs());
        record.served(index, std::mem::take(&mut self.served));
        record.clock_refused(index, self.replica.stats().clock_refused);
    }

    fn disk(&self) -> &SharedDisk {
        self.replica.storage()
    }
}
