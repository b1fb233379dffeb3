//! A Raft relations voter as the host loop drives it. Applied entries feed the recorded run
//! (Raft safety, and the committed log LogSync's checks replay); a leader publishes itself as
//! the leader hint the nemesis aims at.
use super::{bugs, Relations, RelationsRecord};
use crate::systems::logsync::{self, LogSync, LogSyncRecord};
use crate::world::{wire, Boot, Hosted, Routed, SharedDisk, World, WorldState};
use faultline_systems::logsync::ShipperConfig;
use faultline_systems::raft::{AppliedEntry, Role};
use faultline_systems::relations::{Output, RelationsNode, Request};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::time::Duration;

/// Boots voter `index` from its disk, shipping to the scenario's LogSync replicas if any.
pub fn boot(
    system: &Relations,
    world: &World,
    index: usize,
    boot: Boot,
    now: Time,
) -> Result<RelationsNode<SharedDisk>, StorageError> {
    let (config, disk, shipper) = world.with(|w| {
        let mut config = system.config.raft_config(index as u64 + 1);
        config.bugs = bugs::switches(&w.bugs);
        config.rng_seed = boot.rng_seed(index);
        w.records
            .get_mut::<RelationsRecord>()
            .raft
            .restarted(index as u64 + 1, crate::engine::sim_now_us().unwrap_or(0));
        (config, w.nodes[index].disk.clone(), shipper_config(w))
    });
    let mut node = RelationsNode::new(config, disk, now)?;
    node.set_shipper(shipper, now);
    Ok(node)
}

/// Where and how the leader ships committed entries (nowhere without LogSync replicas).
fn shipper_config(w: &WorldState) -> ShipperConfig {
    let Some(l) = w.scenario.system::<LogSync>() else { return ShipperConfig::default() };
    let replicas = w.scenario.topology().hosts(logsync::NAME, logsync::REPLICA);
    ShipperConfig {
        replicas: replicas.map(|h| h as u64 + 1).collect(),
        interval: Duration::from_millis(l.config.ship_interval_ms),
        batch_max: l.config.batch_max,
        bugs: logsync::bugs::switches(&w.bugs),
    }
}

impl Hosted for RelationsNode<SharedDisk> {
    fn handle_client(&mut self, now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError> {
        decode_request(bytes).map_or(Ok(()), |request| self.handle_request(now, client, request))
    }

    fn next_output(&mut self, w: &mut WorldState, index: usize, now_us: u64) -> Option<Routed> {
        next_routed(
            w,
            || self.poll_output(),
            |w, entry| {
                if w.scenario.system::<LogSync>().is_some() {
                    // Replaying the committed log costs a state per index: only with replicas.
                    let replay = w.records.get_mut::<LogSyncRecord>();
                    replay.enabled = true;
                    replay.committed(now_us, &entry);
                }
                w.records.get_mut::<RelationsRecord>().raft.applied(now_us, index as u64 + 1, &entry);
            },
        )
    }

    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64) {
        let o = RelationsNode::observe(self);
        if o.role == Role::Leader {
            w.leader_hint.publish(o.term, index);
        }
        w.records.get_mut::<RelationsRecord>().raft.observe(now_us, &o);
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}

/// A client request of a relations-shaped voter (ours or raft-rs); garbage is dropped, as a
/// server drops a request it cannot parse (the client times out and retries).
pub fn decode_request(bytes: &[u8]) -> Option<Request> {
    wire::decode::<Request>(bytes).ok()
}

/// The next network output of a relations-shaped voter, handing each applied entry on the
/// way to `applied` (it feeds the recorded run) and counting replies that fail to encode.
pub fn next_routed(
    w: &mut WorldState,
    mut poll: impl FnMut() -> Option<Output>,
    mut applied: impl FnMut(&mut WorldState, AppliedEntry),
) -> Option<Routed> {
    loop {
        match poll()? {
            Output::Send { to, bytes } => return Some(Routed::Peer { to, bytes }),
            Output::Reply { client, request, reply } => match Routed::reply(client, request, &reply) {
                Ok(routed) => return Some(routed),
                Err(_) => w.stats.encode_errors += 1,
            },
            Output::Applied(entry) => applied(w, entry),
        }
    }
}
