//! A CRDT data-centre replica as the host loop drives it. Its replica id is its 1-based
//! host id, so gossip uses the same envelope and addresses as Raft traffic.
use super::node_host::{Boot, Hosted};
use super::wire::Envelope;
use super::{SharedDisk, World};
use faultline_systems::crdt::replica::{CrdtReplica, Output, ReplicaConfig};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::net::SocketAddr;
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

    fn drain(&mut self, world: &World, index: usize, now_us: u64) -> Vec<(SocketAddr, Vec<u8>)> {
        let id = index as u64 + 1;
        let mut outgoing = Vec::new();
        world.with(|w| {
            while let Some(output) = self.poll_output() {
                match output {
                    Output::Send { to, bytes } => outgoing.extend(w.peer_datagram(id, to, bytes)),
                    Output::Reply { client, request, reply } => outgoing.extend(
                        w.client_datagram(client, || Envelope::CrdtReply { node: id, request, reply }.encode()),
                    ),
                }
            }
            w.crdt.observe(now_us, index, self.digest(), self.graphs());
        });
        outgoing
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
