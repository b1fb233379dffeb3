//! A CRDT data-centre replica as the host loop drives it.
use super::node_host::{Boot, Hosted};
use super::wire::Envelope;
use super::{SharedDisk, World};
use faultline_systems::crdt::replica::{CrdtReplica, Output, ReplicaConfig};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::net::SocketAddr;
use std::time::Duration;

/// A CRDT replica on its simulated disk. Its replica id is its 1-based host id, so gossip
/// uses the same envelope and addresses as Raft traffic.
pub struct CrdtHost(CrdtReplica<SharedDisk>);

impl Hosted for CrdtHost {
    fn boot(world: &World, index: usize, boot: Boot, now: Time) -> Result<Self, StorageError> {
        let (config, disk) = world.with(|w| {
            let s = &w.scenario;
            let first = s.relations.nodes as u64 + 1;
            let config = ReplicaConfig {
                id: index as u64 + 1,
                replicas: (first..first + s.crdt.replicas as u64).collect(),
                gossip_interval: Duration::from_millis(s.crdt.gossip_interval_ms),
                rng_seed: boot.rng_seed(index),
                bugs: w.crdt_bugs,
            };
            (config, w.nodes[index].disk.clone())
        });
        CrdtReplica::new(config, disk, now).map(CrdtHost)
    }

    fn poll_timeout(&self) -> Option<Time> {
        self.0.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        self.0.handle_timeout(now)
    }

    fn handle_envelope(&mut self, now: Time, envelope: Envelope) -> Result<(), StorageError> {
        match envelope {
            Envelope::Peer { from, bytes } => self.0.handle_message(now, from, &bytes),
            Envelope::CrdtRequest { client, request } => self.0.handle_request(now, client, request),
            _ => Ok(()),
        }
    }

    fn drain(&mut self, world: &World, index: usize, now_us: u64) -> Vec<(SocketAddr, Vec<u8>)> {
        let id = index as u64 + 1;
        let mut outgoing = Vec::new();
        world.with(|w| {
            while let Some(output) = self.0.poll_output() {
                match output {
                    Output::Send { to, bytes } => {
                        if let Some(&addr) = w.node_addrs.get((to as usize).wrapping_sub(1)) {
                            outgoing.push((addr, Envelope::Peer { from: id, bytes }.encode()));
                        }
                    }
                    Output::Reply { client, request, reply } => {
                        if let Some(&addr) = w.client_addrs.get(client as usize) {
                            outgoing.push((addr, Envelope::CrdtReply { node: id, request, reply }.encode()));
                        }
                    }
                }
            }
            w.crdt.observe(now_us, index, self.0.digest(), self.0.graphs());
        });
        outgoing
    }

    fn disk(&self) -> &SharedDisk {
        self.0.storage()
    }
}
