//! A LogSync read replica as the host loop drives it.
use super::node_host::{Boot, Hosted, Routed};
use super::wire::Envelope;
use super::{SharedDisk, World, WorldState};
use faultline_systems::logsync::{LogSyncReplica, ReplicaConfig};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
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

    fn next_output(&mut self, _: &mut WorldState, id: u64, _: u64) -> Option<Routed> {
        let output = self.poll_output()?;
        Some(Routed::of(output, |request, reply| Envelope::ReplicaReply { node: id, request, reply }))
    }

    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64) {
        w.logsync.replica_state(now_us, index, &LogSyncReplica::observe(self));
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
