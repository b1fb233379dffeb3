//! A LogSync read replica as the host loop drives it.
use super::node_host::{Boot, Hosted};
use super::wire::Envelope;
use super::{SharedDisk, World};
use faultline_systems::logsync::{LogSyncReplica, Output, ReplicaConfig};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::net::SocketAddr;
use std::time::Duration;

/// Reads one replica holds at once before answering `Behind` straight away.
const PENDING_READS_MAX: usize = 256;

impl Hosted for LogSyncReplica<SharedDisk> {
    fn boot(world: &World, index: usize, _boot: Boot, now: Time) -> Result<Self, StorageError> {
        let (config, disk) = world.with(|w| {
            let l = &w.scenario.logsync;
            let config = ReplicaConfig {
                id: index as u64 + 1,
                voters: (1..=w.scenario.relations.nodes as u64).collect(),
                ack_interval: Duration::from_millis(l.ack_interval_ms),
                read_wait: Duration::from_millis(l.read_wait_ms),
                pending_reads_max: PENDING_READS_MAX,
                bugs: w.logsync_bugs,
            };
            (config, w.nodes[index].disk.clone())
        });
        LogSyncReplica::new(config, disk, now)
    }

    fn handle_client(&mut self, now: Time, envelope: Envelope) -> Result<(), StorageError> {
        match envelope {
            Envelope::ReplicaRead { client, read } => self.handle_request(now, client, read),
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
                        w.client_datagram(client, || Envelope::ReplicaReply { node: id, request, reply }.encode()),
                    ),
                }
            }
            w.logsync.replica_state(now_us, index, &self.observe());
        });
        outgoing
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
