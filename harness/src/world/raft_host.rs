//! A Raft relations voter as the host loop drives it.
use super::node_host::{Boot, Hosted, Routed};
use super::wire::Envelope;
use super::{SharedDisk, World, WorldState};
use faultline_systems::logsync::ShipperConfig;
use faultline_systems::raft::RaftConfig;
use faultline_systems::relations::{Output, RelationsNode};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::time::Duration;

fn raft_config(world: &World, index: usize, boot: Boot) -> (RaftConfig, SharedDisk) {
    world.with(|w| {
        let r = &w.scenario.relations;
        let voters: Vec<u64> = (1..=r.nodes as u64).collect();
        let mut c = RaftConfig::new(index as u64 + 1, voters);
        c.election_timeout_min = Duration::from_millis(r.election_timeout_min_ms);
        c.election_timeout_max = Duration::from_millis(r.election_timeout_max_ms);
        c.heartbeat_interval = Duration::from_millis(r.heartbeat_ms);
        c.pre_vote = r.pre_vote;
        c.check_quorum = r.check_quorum;
        c.lease_reads = r.lease_reads;
        c.clock_drift_ppm_max = r.max_clock_drift_ppm;
        c.snapshot_threshold = r.snapshot_threshold;
        c.entries_per_append_max = r.max_entries_per_append;
        c.bugs = w.raft_bugs;
        c.rng_seed = boot.rng_seed(index);
        (c, w.nodes[index].disk.clone())
    })
}

impl Hosted for RelationsNode<SharedDisk> {
    fn boot(world: &World, index: usize, boot: Boot, now: Time) -> Result<Self, StorageError> {
        let (config, disk) = raft_config(world, index, boot);
        let shipper = world.with(|w| {
            w.observer.restarted(index as u64 + 1, crate::engine::sim_now_us().unwrap_or(0));
            let l = &w.scenario.logsync;
            ShipperConfig {
                replicas: w.scenario.logsync_hosts().map(|h| h as u64 + 1).collect(),
                interval: Duration::from_millis(l.ship_interval_ms),
                batch_max: l.batch_max,
                bugs: w.logsync_bugs,
            }
        });
        let mut node = RelationsNode::new(config, disk, now)?;
        node.set_shipper(shipper, now);
        Ok(node)
    }

    fn handle_client(&mut self, now: Time, envelope: Envelope) -> Result<(), StorageError> {
        match envelope {
            Envelope::Request { client, request } => self.handle_request(now, client, request),
            _ => Ok(()),
        }
    }

    fn next_output(&mut self, w: &mut WorldState, id: u64, now_us: u64) -> Option<Routed> {
        loop {
            match self.poll_output()? {
                Output::Send { to, bytes } => return Some(Routed::Peer { to, bytes }),
                Output::Reply { client, request, reply } => {
                    return Some(Routed::Client { client, envelope: Envelope::Reply { node: id, request, reply } })
                }
                Output::Applied(entry) => {
                    w.logsync.committed(now_us, &entry);
                    w.observer.applied(now_us, id, &entry);
                }
            }
        }
    }

    fn observe(&mut self, w: &mut WorldState, _: usize, now_us: u64) {
        w.observer.observe(now_us, &RelationsNode::observe(self));
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
