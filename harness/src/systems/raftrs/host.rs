//! A raft-rs voter as the host loop drives it: the same outputs and observations as a
//! relations voter, into raft-rs's own record; a leader publishes itself as the leader hint.
use super::{bugs, RaftRs, RaftRsRecord, NAME, VOTER};
use crate::systems::relations::host::{decode_request, next_routed};
use crate::world::{Boot, Hosted, Routed, SharedDisk, World, WorldState};
use faultline_systems::raft::Role;
use faultline_systems::raftrs::{decode_raftrs_message, RaftRsError, RaftRsNode};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;

/// Boots voter `index` from its disk; its peers are the scenario's raft-rs voters.
pub fn boot(
    system: &RaftRs,
    world: &World,
    index: usize,
    boot: Boot,
    now: Time,
) -> Result<RaftRsNode<SharedDisk>, StorageError> {
    let id = index as u64 + 1;
    let (config, disk) = world.with(|w| {
        let voters = w.scenario.topology().hosts(NAME, VOTER).map(|h| h as u64 + 1).collect();
        let config = system.section.node_config(id, voters, boot.rng_seed(index), bugs::switches(&w.bugs));
        w.records.get_mut::<RaftRsRecord>().0.raft.restarted(id, crate::engine::sim_now_us().unwrap_or(0));
        (config, w.nodes[index].disk.clone())
    });
    let node = RaftRsNode::new(config, disk, now).map_err(|e| match e {
        RaftRsError::Storage(e) => e,
        // Validated when the scenario loaded; should raft-rs still refuse, the node fail-stops saying why.
        RaftRsError::Config(e) => StorageError(e.to_string()),
    })?;
    // What came back from the disk, before any input: the acks of the last incarnation are
    // judged against it.
    let recovered = RaftRsNode::observe(&node);
    world.with(|w| {
        let now_us = crate::engine::sim_now_us().unwrap_or(0);
        w.records.get_mut::<RaftRsRecord>().1.booted(now_us, &recovered);
    });
    Ok(node)
}

impl Hosted for RaftRsNode<SharedDisk> {
    fn handle_client(&mut self, now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError> {
        decode_request(bytes).map_or(Ok(()), |request| self.handle_request(now, client, request))
    }

    fn next_output(&mut self, w: &mut WorldState, index: usize, now_us: u64) -> Option<Routed> {
        let id = index as u64 + 1;
        let routed = next_routed(
            w,
            || self.poll_output(),
            |w, entry| {
                w.records.get_mut::<RaftRsRecord>().0.raft.applied(now_us, id, &entry);
            },
        )?;
        // Every ack and vote grant the node sends is a claim about its disk.
        if let Routed::Peer { to, bytes } = &routed {
            if let Ok(m) = decode_raftrs_message(bytes, id, *to) {
                w.records.get_mut::<RaftRsRecord>().1.sent(id, now_us, &m);
            }
        }
        Some(routed)
    }

    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64) {
        let o = RaftRsNode::observe(self);
        if o.role == Role::Leader {
            w.leader_hint.publish(o.term, index);
        }
        let record = w.records.get_mut::<RaftRsRecord>();
        record.1.observed(&o);
        record.0.raft.observe(now_us, &o);
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
