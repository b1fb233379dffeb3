//! A LogSync read replica as the host loop drives it.
use super::{bugs, LogSync, LogSyncRecord};
use crate::systems::relations::{self, VOTER};
use crate::world::{wire, Boot, Hosted, Routed, SharedDisk, World, WorldState};
use faultline_systems::logsync::{LogSyncReplica, ReplicaConfig, ReplicaRead};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::time::Duration;

/// Reads one replica holds at once before answering `Behind` straight away.
const PENDING_READS_MAX: usize = 256;

/// Boots replica `index` from its disk; it follows the relations voters.
pub fn boot(
    system: &LogSync,
    world: &World,
    index: usize,
    _: Boot,
    now: Time,
) -> Result<LogSyncReplica<SharedDisk>, StorageError> {
    let (config, disk) = world.with(|w| {
        let l = &system.config;
        let voters = w.scenario.topology().hosts(relations::NAME, VOTER);
        let config = ReplicaConfig {
            id: index as u64 + 1,
            voters: voters.map(|h| h as u64 + 1).collect(),
            ack_interval: Duration::from_millis(l.ack_interval_ms),
            read_wait: Duration::from_millis(l.read_wait_ms),
            pending_reads_max: PENDING_READS_MAX,
            bugs: bugs::switches(&w.bugs),
        };
        (config, w.nodes[index].disk.clone())
    });
    let replica = LogSyncReplica::new(config, disk, now)?;
    let at_us = crate::engine::sim_now_us().unwrap_or(0);
    world.with(|w| w.records.get_mut::<LogSyncRecord>().replica_booted(at_us, index, replica.applied()));
    Ok(replica)
}

impl Hosted for LogSyncReplica<SharedDisk> {
    fn handle_client(&mut self, now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match wire::decode::<ReplicaRead>(bytes) {
            Ok(read) => self.handle_request(now, client, read),
            Err(_) => Ok(()),
        }
    }

    fn next_output(&mut self, w: &mut WorldState, _: usize, _: u64) -> Option<Routed> {
        Routed::next(w, || self.poll_output())
    }

    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64) {
        w.records.get_mut::<LogSyncRecord>().replica_state(now_us, index, &LogSyncReplica::observe(self));
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
