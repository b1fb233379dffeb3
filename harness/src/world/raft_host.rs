//! A Raft relations voter as the host loop drives it.
use super::node_host::{Boot, Hosted};
use super::wire::Envelope;
use super::{SharedDisk, World};
use faultline_systems::logsync::ShipperConfig;
use faultline_systems::raft::RaftConfig;
use faultline_systems::relations::{Output, RelationsNode};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use std::net::SocketAddr;
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
        c.max_clock_drift_ppm = r.max_clock_drift_ppm;
        c.snapshot_threshold = r.snapshot_threshold;
        c.max_entries_per_append = r.max_entries_per_append;
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

    fn drain(&mut self, world: &World, index: usize, now_us: u64) -> Vec<(SocketAddr, Vec<u8>)> {
        let id = index as u64 + 1;
        let mut outgoing = Vec::new();
        world.with(|w| {
            while let Some(output) = self.poll_output() {
                match output {
                    Output::Send { to, bytes } => outgoing.extend(w.peer_datagram(id, to, bytes)),
                    Output::Reply { client, request, reply } => outgoing
                        .extend(w.client_datagram(client, || Envelope::Reply { node: id, request, reply }.encode())),
                    Output::Applied(entry) => {
                        w.logsync.committed(now_us, &entry);
                        w.observer.applied(now_us, id, &entry);
                    }
                }
            }
            w.observer.observe(now_us, &self.observe());
        });
        outgoing
    }

    fn disk(&self) -> &SharedDisk {
        self.storage()
    }
}
