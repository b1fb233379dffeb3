//! The four ingestion roles as the host loop drives them, behind one node type. Peer ids are
//! host index + 1, so every role's traffic uses the same envelope and addresses.
use super::{bugs, Ingest, IngestRecord, BROKER, COLLECTOR, CONSUMER, NAME, SINK};
use crate::world::{wire, Boot, Hosted, Routed, SharedDisk, World, WorldState};
use faultline_systems::ingest::{
    Broker, BrokerConfig, Collector, CollectorConfig, Consumer, ConsumerConfig, IngestObservation, IngestRequest,
    Output, Sink, SinkConfig, SinkRead,
};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use std::time::Duration;

/// One ingestion host, whichever role it plays.
pub enum IngestNode {
    /// Validates, dedupes, batches and WALs events, then ships them.
    Collector(Collector<SharedDisk>),
    /// Hosts every partition's Raft group and the coordinator (boxed: it dwarfs the others).
    Broker(Box<Broker<SharedDisk>>, SharedDisk),
    /// Reads partitions under leases; keeps nothing on disk (its slot's disk is unused).
    Consumer(Consumer, SharedDisk),
    /// Counts events with the offsets they came from, fenced by lease tokens.
    Sink(Sink<SharedDisk>),
}

/// Peer ids of `role`'s hosts.
fn ids(w: &WorldState, role: &str) -> Vec<u64> {
    w.scenario.topology().hosts(NAME, role).map(|h| h as u64 + 1).collect()
}

/// Boots host `index` in whichever role the topology gives it.
pub fn boot(system: &Ingest, world: &World, index: usize, boot: Boot, now: Time) -> Result<IngestNode, StorageError> {
    let c = &system.config;
    let (id, disk, bugs, brokers, sink, role) = world.with(|w| {
        let topology = w.scenario.topology();
        let role = [COLLECTOR, BROKER, CONSUMER, SINK]
            .into_iter()
            .find(|r| topology.hosts(NAME, r).contains(&index))
            .unwrap_or(SINK);
        let sink = ids(w, SINK).first().copied().unwrap_or(0);
        (index as u64 + 1, w.nodes[index].disk.clone(), bugs::switches(&w.bugs), ids(w, BROKER), sink, role)
    });
    Ok(match role {
        COLLECTOR => {
            let mut cfg = CollectorConfig::new(id, brokers, c.partitions);
            cfg.batch_interval = Duration::from_millis(c.batch_interval_ms);
            cfg.batch_events_max = c.batch_events_max;
            cfg.bugs = bugs;
            IngestNode::Collector(Collector::new(cfg, disk, now)?)
        }
        BROKER => {
            world.with(|w| restarted(w, id));
            let mut cfg = BrokerConfig::new(id, brokers, c.partitions);
            cfg.rng_seed = boot.rng_seed(index);
            cfg.raft.rng_seed = boot.rng_seed(index);
            cfg.lease_duration = Duration::from_millis(c.lease_ms);
            IngestNode::Broker(Box::new(Broker::new(cfg, disk.clone(), now)?), disk)
        }
        CONSUMER => {
            let mut cfg = ConsumerConfig::new(id, brokers, sink, (0..c.partitions).collect());
            cfg.bugs = bugs;
            IngestNode::Consumer(Consumer::new(cfg, now), disk)
        }
        _ => IngestNode::Sink(Sink::new(SinkConfig { id, bugs }, disk, now)?),
    })
}

/// A rebooted broker's groups lost their volatile state.
fn restarted(w: &mut WorldState, id: u64) {
    let now_us = crate::engine::sim_now_us().unwrap_or(0);
    for raft in w.records.get_mut::<IngestRecord>().raft.values_mut() {
        raft.restarted(id, now_us);
    }
}

impl IngestNode {
    fn sans(&self) -> &dyn SansIoNode {
        match self {
            IngestNode::Collector(n) => n,
            IngestNode::Broker(n, _) => n.as_ref(),
            IngestNode::Consumer(n, _) => n,
            IngestNode::Sink(n) => n,
        }
    }

    fn sans_mut(&mut self) -> &mut dyn SansIoNode {
        match self {
            IngestNode::Collector(n) => n,
            IngestNode::Broker(n, _) => n.as_mut(),
            IngestNode::Consumer(n, _) => n,
            IngestNode::Sink(n) => n,
        }
    }

    fn poll_output(&mut self) -> Option<Output> {
        match self {
            IngestNode::Collector(n) => n.poll_output(),
            IngestNode::Broker(n, _) => n.poll_output(),
            IngestNode::Consumer(n, _) => n.poll_output(),
            IngestNode::Sink(n) => n.poll_output(),
        }
    }

    fn poll_observation(&mut self) -> Option<IngestObservation> {
        match self {
            IngestNode::Collector(n) => n.poll_observation(),
            IngestNode::Broker(n, _) => n.poll_observation(),
            IngestNode::Consumer(n, _) => n.poll_observation(),
            IngestNode::Sink(n) => n.poll_observation(),
        }
    }
}

impl SansIoNode for IngestNode {
    fn poll_timeout(&self) -> Option<Time> {
        self.sans().poll_timeout()
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        self.sans_mut().handle_timeout(now)
    }

    fn handle_message(&mut self, now: Time, from: u64, bytes: &[u8]) -> Result<(), StorageError> {
        self.sans_mut().handle_message(now, from, bytes)
    }
}

impl Hosted for IngestNode {
    fn handle_client(&mut self, now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match self {
            IngestNode::Collector(n) => match wire::decode::<IngestRequest>(bytes) {
                Ok(request) => n.handle_request(now, client, request),
                Err(_) => Ok(()),
            },
            IngestNode::Sink(n) => match wire::decode::<SinkRead>(bytes) {
                Ok(read) => n.handle_request(now, client, read),
                Err(_) => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn next_output(&mut self, w: &mut WorldState, _: usize, _: u64) -> Option<Routed> {
        Routed::next(w, || self.poll_output())
    }

    fn observe(&mut self, w: &mut WorldState, _index: usize, now_us: u64) {
        let record = w.records.get_mut::<IngestRecord>();
        while let Some(o) = self.poll_observation() {
            if let IngestObservation::RaftApplied { broker, group, entry, .. } = &o {
                record.raft.entry(*group).or_default().applied(now_us, *broker, entry);
            }
            record.observations.push((now_us, o));
        }
        if let IngestNode::Broker(n, _) = self {
            for (group, o) in n.raft_observations() {
                record.raft.entry(group).or_default().observe(now_us, &o);
            }
        }
    }

    fn disk(&self) -> &SharedDisk {
        match self {
            IngestNode::Collector(n) => n.storage(),
            IngestNode::Broker(_, d) | IngestNode::Consumer(_, d) => d,
            IngestNode::Sink(n) => n.storage(),
        }
    }
}
