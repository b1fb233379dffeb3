//! A broker: hosts one Raft group per log partition plus the coordinator group, multiplexed
//! over one node's messages by group id and over its one Storage by file prefix (as TiKV
//! hosts a Raft group per Region). Appends and lease grants go through Raft; fetches are
//! answered from the applied state of any replica, which is always a committed prefix.
use super::coordinator::{AcquireCommand, LeaseTable};
use super::group_storage::{lock, GroupStorage, Shared};
use super::message::{decode_wire, encode_wire, Wire};
use super::observe::IngestObservation;
use super::partition::{AppendCommand, PartitionLog};
use super::Output;
use crate::node::SansIoNode;
use crate::raft::{Event, Observation, Raft, RaftConfig, Refused, Role, StateMachine};
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Group id of the coordinator (partitions are groups `0..partitions`).
pub const COORDINATOR_GROUP: u32 = u32::MAX;

/// How a broker is set up.
#[derive(Clone, Debug)]
pub struct BrokerConfig {
    /// This broker.
    pub id: u64,
    /// All brokers: the voters of every group.
    pub brokers: Vec<u64>,
    /// Number of log partitions.
    pub partitions: u32,
    /// Raft settings for every group; `id`, `voters` and `rng_seed` are set per group.
    pub raft: RaftConfig,
    /// Seed from which each group's election randomness is derived.
    pub rng_seed: u64,
    /// How long a consumer lease lasts without renewal.
    pub lease_duration: Duration,
    /// Most records one fetch returns.
    pub fetch_records_max: usize,
}

impl BrokerConfig {
    /// Defaults: the Raft defaults, 1 s leases, 256 records per fetch.
    pub fn new(id: u64, brokers: Vec<u64>, partitions: u32) -> Self {
        BrokerConfig {
            raft: RaftConfig::new(id, brokers.clone()),
            id,
            brokers,
            partitions,
            rng_seed: id,
            lease_duration: Duration::from_secs(1),
            fetch_records_max: 256,
        }
    }

    fn group_raft(&self, group: u32) -> RaftConfig {
        let mut raft = self.raft.clone();
        raft.id = self.id;
        raft.voters = self.brokers.clone();
        raft.rng_seed = self.rng_seed.wrapping_mul(0x100_0000_01B3).wrapping_add(u64::from(group));
        raft
    }
}

type Group<S, M> = Raft<GroupStorage<S>, M>;

/// One broker.
pub struct Broker<S: Storage> {
    cfg: BrokerConfig,
    shared: Shared<S>,
    coordinator: Group<S, LeaseTable>,
    partitions: Vec<Group<S, PartitionLog>>,
    outputs: VecDeque<Output>,
    observations: VecDeque<IngestObservation>,
    decode_errors: u64,
}

impl<S: Storage> Broker<S> {
    /// Recovers every group from its files in `storage`.
    pub fn new(cfg: BrokerConfig, storage: S, now: Time) -> Result<Self, StorageError> {
        assert!(cfg.brokers.contains(&cfg.id) && cfg.partitions > 0, "broker config");
        let shared = Arc::new(Mutex::new(storage));
        let group = |g: u32| GroupStorage::new(shared.clone(), g);
        let coordinator =
            Raft::new(cfg.group_raft(COORDINATOR_GROUP), group(COORDINATOR_GROUP), LeaseTable::default(), now)?;
        let mut partitions = Vec::new();
        for p in 0..cfg.partitions {
            partitions.push(Raft::new(cfg.group_raft(p), group(p), PartitionLog::default(), now)?);
        }
        Ok(Broker {
            cfg,
            shared,
            coordinator,
            partitions,
            outputs: VecDeque::new(),
            observations: VecDeque::new(),
            decode_errors: 0,
        })
    }

    /// The answer to a refused proposal for `group`: who leads, or that this leader is busy.
    fn refusal(group: u32, refused: Refused) -> Wire {
        match refused {
            Refused::NotLeader { leader_hint } => Wire::NotLeader { group, leader_hint },
            Refused::Busy => Wire::Busy { group },
        }
    }

    fn on_wire(&mut self, now: Time, from: u64, message: Wire) -> Result<(), StorageError> {
        match message {
            Wire::Raft { group: COORDINATOR_GROUP, bytes } => self.coordinator.handle_message(now, from, &bytes)?,
            Wire::Raft { group, bytes } if group < self.cfg.partitions => {
                self.partitions[group as usize].handle_message(now, from, &bytes)?
            }
            Wire::Produce { partition, seq, trace_ids } if partition < self.cfg.partitions => {
                let cmd = AppendCommand { producer: from, seq, trace_ids };
                let bytes = postcard::to_allocvec(&cmd).expect("postcard serialization of an append");
                if let Err(e) = self.partitions[partition as usize].handle_propose(now, bytes)? {
                    self.send(from, Self::refusal(partition, e));
                }
            }
            Wire::Fetch { partition, from: offset, records_max } if partition < self.cfg.partitions => {
                let max = (records_max as usize).min(self.cfg.fetch_records_max);
                let records = self.partitions[partition as usize].state_machine().read(offset, max);
                self.send(from, Wire::FetchReply { partition, from: offset, records });
            }
            Wire::Acquire { partition, current } if partition < self.cfg.partitions => {
                let lease_us = u64::try_from(self.cfg.lease_duration.as_micros()).unwrap_or(u64::MAX);
                let cmd = AcquireCommand { partition, consumer: from, current, now_us: now.as_micros(), lease_us };
                let bytes = postcard::to_allocvec(&cmd).expect("postcard serialization of an acquire");
                if let Err(e) = self.coordinator.handle_propose(now, bytes)? {
                    self.send(from, Self::refusal(COORDINATOR_GROUP, e));
                }
            }
            _ => self.decode_errors += 1,
        }
        Ok(())
    }

    fn send(&mut self, to: u64, message: Wire) {
        self.outputs.push_back(Output::Send { to, bytes: encode_wire(&message) });
    }

    /// Moves every group's Raft events into outputs; leaders answer applied commands.
    fn drain(&mut self, now: Time) {
        let broker = self.cfg.id;
        let leads = self.coordinator.role() == Role::Leader;
        for outcome in drain_group(
            &mut self.coordinator,
            COORDINATOR_GROUP,
            now,
            broker,
            &mut self.outputs,
            &mut self.observations,
        ) {
            if leads {
                let (partition, token, holder) = (outcome.partition, outcome.token, outcome.holder);
                self.send(outcome.consumer, Wire::LeaseReply { partition, token, holder });
            }
        }
        for p in 0..self.cfg.partitions {
            let raft = &mut self.partitions[p as usize];
            let leads = raft.role() == Role::Leader;
            for o in drain_group(raft, p, now, broker, &mut self.outputs, &mut self.observations) {
                if !o.duplicate {
                    let (base_offset, producer, seq) = (o.base_offset, o.producer, o.seq);
                    let trace_ids = o.trace_ids.clone();
                    let partition = p;
                    self.observations.push_back(IngestObservation::Appended {
                        broker,
                        at: now,
                        partition,
                        base_offset,
                        trace_ids,
                        producer,
                        seq,
                    });
                }
                if leads {
                    self.send(o.producer, Wire::ProduceAck { partition: p, seq: o.seq, base_offset: o.base_offset });
                }
            }
        }
    }

    /// Next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Next observation.
    pub fn poll_observation(&mut self) -> Option<IngestObservation> {
        self.observations.pop_front()
    }

    /// Raft state of every group this broker hosts, coordinator last.
    pub fn raft_observations(&self) -> Vec<(u32, Observation)> {
        let mut all: Vec<(u32, Observation)> =
            self.partitions.iter().enumerate().map(|(p, r)| (p as u32, r.observe())).collect();
        all.push((COORDINATOR_GROUP, self.coordinator.observe()));
        all
    }

    /// The applied state of partition `p` (a committed prefix).
    pub fn partition(&self, p: u32) -> Option<&PartitionLog> {
        self.partitions.get(p as usize).map(|r| r.state_machine())
    }

    /// The applied lease table.
    pub fn leases(&self) -> &LeaseTable {
        self.coordinator.state_machine()
    }

    /// Peer messages dropped because they did not decode (ours or any group's).
    pub fn decode_errors(&self) -> u64 {
        self.partitions.iter().map(|r| r.decode_errors()).sum::<u64>()
            + self.coordinator.decode_errors()
            + self.decode_errors
    }

    /// A copy of the broker's storage (all groups' files), e.g. to crash it in a test.
    pub fn storage(&self) -> Result<S, StorageError>
    where
        S: Clone,
    {
        Ok(lock(&self.shared)?.clone())
    }
}

/// Drains one group's events: sends wrapped with the group id, applied entries observed;
/// returns the outputs of applied commands.
fn drain_group<S: Storage, M: StateMachine<Output = Option<O>>, O>(
    raft: &mut Group<S, M>,
    group: u32,
    now: Time,
    broker: u64,
    outputs: &mut VecDeque<Output>,
    observations: &mut VecDeque<IngestObservation>,
) -> Vec<O> {
    let mut applied = Vec::new();
    while let Some(event) = raft.poll_event() {
        match event {
            Event::Send { to, bytes } => {
                outputs.push_back(Output::Send { to, bytes: encode_wire(&Wire::Raft { group, bytes }) })
            }
            Event::Applied { entry, output } => {
                observations.push_back(IngestObservation::RaftApplied { broker, at: now, group, entry });
                applied.extend(output.flatten());
            }
            Event::ReadReady { .. } => {}
        }
    }
    applied
}

impl<S: Storage> SansIoNode for Broker<S> {
    fn poll_timeout(&self) -> Option<Time> {
        self.partitions.iter().filter_map(|r| r.poll_timeout()).chain(self.coordinator.poll_timeout()).min()
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        let due = |t: Option<Time>| t.is_some_and(|t| t <= now);
        if due(self.coordinator.poll_timeout()) {
            self.coordinator.handle_timeout(now)?;
        }
        for raft in &mut self.partitions {
            if due(raft.poll_timeout()) {
                raft.handle_timeout(now)?;
            }
        }
        self.drain(now);
        Ok(())
    }

    fn handle_message(&mut self, now: Time, from: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match decode_wire(bytes) {
            Ok(message) => self.on_wire(now, from, message)?,
            Err(_) => self.decode_errors += 1,
        }
        self.drain(now);
        Ok(())
    }
}
