//! A CRDT data-centre replica as the host loop drives it. Its replica id is its 1-based
//! host id, so gossip uses the same envelope and addresses as Raft traffic.
use super::node_host::{Boot, Hosted, Routed};
use super::wire::Envelope;
use super::{SharedDisk, World, WorldState};
use faultline_systems::crdt::replica::{CrdtReplica, ReplicaConfig};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::time::Duration;

impl Hosted for CrdtReplica<SharedDisk> {
    fn boot(world: &World, index: usize, boot: Boot, now: Time) -> Result<Self, StorageError> {
        let (config, disk) = world.with(|w| {
            let s = &w.scenario;
            let config = ReplicaConfig {
                id: index as u64 + 1,
                replicas: s.crdt_hosts().map(|h| h as u64 + 1).collect(),
                gossip_interval: Duration::from_millis(s.crdt.gossip_interval_ms),
                rng_seed: boot.rng_seed(index),
                bugs: w.crdt_bugs,
            };
            (config, w.nodes[index].disk.clone())
        });
        CrdtReplica::new(config, disk, now)
    }

    fn handle_client(&mut self, now: Time, envelope: Envelope) -> Result<(), StorageError> {
        match envelope {
            Envelope::CrdtRequest { client, request } => self.handle_request(now, client, request),
            _ => Ok(()),
        }
    }

    fn next_output(&mut self, _: &mut WorldState, id: u64, _: u64) -> Option<Routed> {
        let output = self.poll_output()?;
        Some(Routed::of(output, |request, reply| Envelope::CrdtReply { node: id, request, reply }))
    }

    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64) {
        w.crdt.observe(now_us, index, self.digest(), self.graphs());
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
