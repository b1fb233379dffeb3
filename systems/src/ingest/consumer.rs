//! A consumer: for each partition it is given, acquires and renews a lease (a fencing token)
//! from the coordinator, opens the partition at the sink (which returns the committed offset),
//! then loops fetch -> write (counters + offset, one atomic write) -> fetch. It keeps nothing
//! on disk: after a restart it gets a fresh token and resumes from the sink's offset.
use super::broker::COORDINATOR_GROUP;
use super::event::TraceId;
use super::message::{decode_wire, encode_wire, Wire, WriteMode};
use super::observe::IngestObservation;
use super::partition::LogRecord;
use super::{IngestBugs, Output};
use crate::node::SansIoNode;
use crate::storage::StorageError;
use crate::time::Time;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// How a consumer is set up.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    /// This consumer.
    pub id: u64,
    /// The brokers (coordinator and partition replicas).
    pub brokers: Vec<u64>,
    /// The sink.
    pub sink: u64,
    /// Partitions this consumer tries to hold.
    pub partitions: Vec<u32>,
    /// Period of the consumer's timer.
    pub tick_interval: Duration,
    /// Wait for an answer before resending.
    pub retry_interval: Duration,
    /// Time between lease renewals (well under the lease duration).
    pub renew_interval: Duration,
    /// Most records fetched (and written) at once.
    pub fetch_records_max: u32,
    /// Planted bugs.
    pub bugs: IngestBugs,
}

impl ConsumerConfig {
    /// Defaults: 20 ms ticks, 100 ms retries, 200 ms renewals, 128-record fetches.
    pub fn new(id: u64, brokers: Vec<u64>, sink: u64, partitions: Vec<u32>) -> Self {
        ConsumerConfig {
            id,
            brokers,
            sink,
            partitions,
            tick_interval: Duration::from_millis(20),
            retry_interval: Duration::from_millis(100),
            renew_interval: Duration::from_millis(200),
            fetch_records_max: 128,
            bugs: IngestBugs::default(),
        }
    }
}

#[derive(Clone, Debug)]
struct PendingWrite {
    from: u64,
    to: u64,
    records: Vec<(u64, TraceId)>,
    mode: WriteMode,
}

#[derive(Clone, Debug)]
enum Stage {
    Acquiring,
    Opening,
    Fetching,
    Writing(PendingWrite),
}

#[derive(Clone, Debug)]
struct Claim {
    token: Option<u64>,
    stage: Stage,
    position: u64,
    retry_at: Time,
    renew_at: Time,
    coord_unanswered: bool,
    coordinator: usize,
    fetch_from: usize,
}

/// One consumer.
pub struct Consumer {
    cfg: ConsumerConfig,
    claims: BTreeMap<u32, Claim>,
    next_tick: Time,
    outputs: VecDeque<Output>,
    observations: VecDeque<IngestObservation>,
    decode_errors: u64,
}

impl Consumer {
    /// A consumer holding nothing yet; it starts asking for leases at `now`.
    pub fn new(cfg: ConsumerConfig, now: Time) -> Self {
        assert!(!cfg.brokers.is_empty(), "consumer config needs brokers");
        let claim = |i: usize| Claim {
            token: None,
            stage: Stage::Acquiring,
            position: 0,
            retry_at: now,
            renew_at: now,
            coord_unanswered: false,
            coordinator: 0,
            fetch_from: i % cfg.brokers.len(),
        };
        let claims = cfg.partitions.iter().enumerate().map(|(i, p)| (*p, claim(i))).collect();
        Consumer {
            cfg,
            claims,
            next_tick: now,
            outputs: VecDeque::new(),
            observations: VecDeque::new(),
            decode_errors: 0,
        }
    }

    fn send(&mut self, to: u64, message: Wire) {
        self.outputs.push_back(Output::Send { to, bytes: encode_wire(&message) });
    }

    /// Sends whatever the partition's stage is waiting for, and arms its retry.
    fn act(&mut self, p: u32, now: Time) {
        let Some(c) = self.claims.get_mut(&p) else { return };
        c.retry_at = now.saturating_add(self.cfg.retry_interval);
        let brokers = &self.cfg.brokers;
        let (to, message) = match (&c.stage, c.token) {
            (Stage::Acquiring, _) | (_, None) => {
                // Move on from the presumed coordinator leader only once it failed to answer.
                if c.coord_unanswered {
                    c.coordinator = (c.coordinator + 1) % brokers.len();
                }
                c.coord_unanswered = true;
                (brokers[c.coordinator], Wire::Acquire { partition: p, current: None })
            }
            (Stage::Opening, Some(token)) => (self.cfg.sink, Wire::Open { partition: p, token }),
            (Stage::Fetching, Some(_)) => {
                c.fetch_from = (c.fetch_from + 1) % brokers.len();
                let records_max = self.cfg.fetch_records_max;
                (brokers[c.fetch_from], Wire::Fetch { partition: p, from: c.position, records_max })
            }
            (Stage::Writing(w), Some(token)) => {
                let records = if w.mode == WriteMode::OffsetOnly { Vec::new() } else { w.records.clone() };
                let write = Wire::Write { partition: p, token, mode: w.mode, from: w.from, to: w.to, records };
                (self.cfg.sink, write)
            }
        };
        self.send(to, message);
    }

    fn renew(&mut self, p: u32, now: Time) {
        let Some(c) = self.claims.get_mut(&p) else { return };
        let Some(token) = c.token else { return };
        if now < c.renew_at {
            return;
        }
        if c.coord_unanswered {
            c.coordinator = (c.coordinator + 1) % self.cfg.brokers.len();
        }
        c.coord_unanswered = true;
        c.renew_at = now.saturating_add(self.cfg.renew_interval);
        let to = self.cfg.brokers[c.coordinator];
        self.send(to, Wire::Acquire { partition: p, current: Some(token) });
    }

    fn on_lease(&mut self, now: Time, p: u32, granted: Option<u64>) {
        let consumer = self.cfg.id;
        let Some(c) = self.claims.get_mut(&p) else { return };
        c.coord_unanswered = false;
        match (c.token, granted) {
            (Some(t), Some(g)) if g <= t => {} // renewed (or a stale reply)
            (_, Some(g)) => {
                c.token = Some(g);
                c.stage = Stage::Opening;
                c.renew_at = now.saturating_add(self.cfg.renew_interval);
                self.act(p, now);
            }
            (Some(token), None) => {
                self.observations.push_back(IngestObservation::LeaseLost { consumer, at: now, partition: p, token });
                c.token = None;
                c.stage = Stage::Acquiring;
            }
            (None, None) => {}
        }
    }

    fn on_fetched(&mut self, now: Time, p: u32, from: u64, records: Vec<LogRecord>) {
        let consumer = self.cfg.id;
        let Some(c) = self.claims.get_mut(&p) else { return };
        let (Stage::Fetching, Some(token)) = (&c.stage, c.token) else { return };
        let contiguous = records.iter().enumerate().all(|(i, r)| r.offset == from + i as u64);
        if from != c.position || records.is_empty() || !contiguous {
            // Nothing new (or an answer to an older fetch): poll again after a tick.
            c.retry_at = c.retry_at.min(now.saturating_add(self.cfg.tick_interval));
            return;
        }
        let to = from + records.len() as u64;
        for r in &records {
            let (offset, trace_id) = (r.offset, r.trace_id.clone());
            self.observations.push_back(IngestObservation::Consumed {
                consumer,
                at: now,
                partition: p,
                offset,
                token,
                trace_id,
            });
        }
        let mode = if self.cfg.bugs.offset_commit_separate { WriteMode::OffsetOnly } else { WriteMode::Atomic };
        let records = records.into_iter().map(|r| (r.offset, r.trace_id)).collect();
        c.stage = Stage::Writing(PendingWrite { from, to, records, mode });
        self.act(p, now);
    }

    fn on_written(&mut self, now: Time, p: u32, token: u64, mode: WriteMode, to: u64) {
        let Some(c) = self.claims.get_mut(&p) else { return };
        let Stage::Writing(w) = &mut c.stage else { return };
        if c.token != Some(token) || w.mode != mode || w.to != to {
            return;
        }
        if mode == WriteMode::OffsetOnly {
            w.mode = WriteMode::CountsOnly;
        } else {
            c.position = to;
            c.stage = Stage::Fetching;
        }
        self.act(p, now);
    }

    fn on_wire(&mut self, now: Time, message: Wire) {
        match message {
            Wire::LeaseReply { partition, token, .. } => self.on_lease(now, partition, token),
            Wire::NotLeader { group: COORDINATOR_GROUP, leader_hint } => {
                let hinted = leader_hint.and_then(|h| self.cfg.brokers.iter().position(|b| *b == h));
                if let Some(i) = hinted {
                    for c in self.claims.values_mut() {
                        c.coordinator = i;
                        c.coord_unanswered = false;
                    }
                }
            }
            Wire::Opened { partition, token, committed } => {
                let Some(c) = self.claims.get_mut(&partition) else { return };
                if c.token == Some(token) && matches!(c.stage, Stage::Opening) {
                    c.position = committed;
                    c.stage = Stage::Fetching;
                    self.act(partition, now);
                }
            }
            // The coordinator leads but is full: it is alive, so keep it and let the retry fire.
            Wire::Busy { group: COORDINATOR_GROUP } => {
                for c in self.claims.values_mut() {
                    c.coord_unanswered = false;
                }
            }
            // Fenced: a newer token exists, so ours is dead; ask for a lease afresh.
            Wire::Fenced { partition, token, .. } => {
                if self.token(partition) == Some(token) {
                    self.on_lease(now, partition, None);
                }
            }
            Wire::FetchReply { partition, from, records } => self.on_fetched(now, partition, from, records),
            Wire::WriteAck { partition, token, mode, to } => self.on_written(now, partition, token, mode, to),
            _ => self.decode_errors += 1,
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

    /// The token held on `p`, if any (as this consumer believes).
    pub fn token(&self, p: u32) -> Option<u64> {
        self.claims.get(&p).and_then(|c| c.token)
    }

    /// Partitions with a sink write in flight.
    pub fn writing(&self) -> Vec<u32> {
        self.claims.iter().filter(|(_, c)| matches!(c.stage, Stage::Writing(_))).map(|(p, _)| *p).collect()
    }

    /// Peer messages that did not decode or were not for a consumer.
    pub fn decode_errors(&self) -> u64 {
        self.decode_errors
    }
}

impl SansIoNode for Consumer {
    fn poll_timeout(&self) -> Option<Time> {
        Some(self.next_tick)
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        if now < self.next_tick {
            return Ok(());
        }
        self.next_tick = now.saturating_add(self.cfg.tick_interval);
        let partitions: Vec<u32> = self.claims.keys().copied().collect();
        for p in partitions {
            self.renew(p, now);
            if self.claims.get(&p).is_some_and(|c| c.retry_at <= now) {
                self.act(p, now);
            }
        }
        Ok(())
    }

    fn handle_message(&mut self, now: Time, _from: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match decode_wire(bytes) {
            Ok(message) => self.on_wire(now, message),
            Err(_) => self.decode_errors += 1,
        }
        Ok(())
    }
}
