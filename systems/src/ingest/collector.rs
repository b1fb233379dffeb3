//! A collector: validates and dedupes client events, batches them (by time or count), writes
//! each batch compressed to its own WAL and syncs before acknowledging, then ships each
//! batch's per-partition slices to the log, stop-and-wait per partition, until acknowledged.
use super::batch::{self, CompressedBatch};
use super::event::{partition_of, BehaviourEvent, IngestRequest, TraceId};
use super::message::{decode_wire, encode_wire, IngestReply, Rejection, Wire};
use super::observe::IngestObservation;
use super::{IngestBugs, Output};
use crate::node::SansIoNode;
use crate::raft::{frame, unframe};
use crate::relations::RequestId;
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// The collector's WAL of compressed batches.
pub const COLLECTOR_WAL_FILE: &str = "collector.wal";

/// How a collector is set up.
#[derive(Clone, Debug)]
pub struct CollectorConfig {
    /// This collector (also its producer id in the log).
    pub id: u64,
    /// The brokers (every one hosts every partition).
    pub brokers: Vec<u64>,
    /// Number of log partitions.
    pub partitions: u32,
    /// Longest an event waits in the open batch.
    pub batch_interval: Duration,
    /// Events that close a batch at once.
    pub batch_events_max: usize,
    /// Batches whose encoding is larger use ZSTD, smaller ones Snappy.
    pub zstd_above_bytes: usize,
    /// Largest accepted payload.
    pub payload_bytes_max: usize,
    /// Wait for a broker's acknowledgement before resending (to the next broker).
    pub ship_retry_interval: Duration,
    /// Unshipped batches per partition before new events are refused (`Overloaded`).
    pub ship_queue_batches_max: usize,
    /// Planted bugs.
    pub bugs: IngestBugs,
}

impl CollectorConfig {
    /// Defaults: 200 ms or 500 events per batch, ZSTD above 16 KiB, 100 ms ship retries.
    pub fn new(id: u64, brokers: Vec<u64>, partitions: u32) -> Self {
        CollectorConfig {
            id,
            brokers,
            partitions,
            batch_interval: Duration::from_millis(200),
            batch_events_max: 500,
            zstd_above_bytes: 16 << 10,
            payload_bytes_max: 4 << 10,
            ship_retry_interval: Duration::from_millis(100),
            ship_queue_batches_max: 256,
            bugs: IngestBugs::default(),
        }
    }
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollectorStats {
    /// New events taken into a batch.
    pub accepted: u64,
    /// Retries of known events answered from the dedupe table.
    pub retries: u64,
    /// Malformed events refused.
    pub malformed: u64,
    /// Same key with a different payload, refused.
    pub collisions: u64,
    /// Events refused because shipping is backed up.
    pub overloaded: u64,
    /// Peer messages that did not decode or were not for a collector.
    pub decode_errors: u64,
    /// WAL bytes cut off at recovery (a torn or corrupt tail).
    pub wal_bytes_cut: u64,
}

#[derive(Serialize, Deserialize)]
struct WalRecord {
    record: u64,
    batch: CompressedBatch,
}

/// What the dedupe table knows of a key: its payload and its WAL record once synced.
struct Seen {
    digest: [u8; 32],
    record: Option<u64>,
}

/// One batch's slice for one partition, identified by its WAL record id.
struct Shipment {
    seq: u64,
    trace_ids: Vec<TraceId>,
}

/// Shipping state of one partition.
#[derive(Default)]
struct Lane {
    queue: VecDeque<Shipment>,
    /// Sequence number the head was last sent with.
    wire_seq: u64,
    retry_at: Option<Time>,
    /// Index into `brokers` of the presumed leader.
    broker: usize,
}

/// One collector.
pub struct Collector<S: Storage> {
    cfg: CollectorConfig,
    storage: S,
    next_record: u64,
    seen: BTreeMap<TraceId, Seen>,
    open: Vec<BehaviourEvent>,
    opened_at: Option<Time>,
    waiters: Vec<(u64, RequestId, TraceId)>,
    lanes: Vec<Lane>,
    /// Sequence source of the `ship_retry_without_sequence` bug.
    fresh_seq: u64,
    outputs: VecDeque<Output>,
    observations: VecDeque<IngestObservation>,
    stats: CollectorStats,
}

impl<S: Storage> Collector<S> {
    /// Recovers the WAL (cutting a torn tail) and queues every recovered batch for shipping:
    /// the log drops what it already has.
    pub fn new(cfg: CollectorConfig, storage: S, now: Time) -> Result<Self, StorageError> {
        assert!(!cfg.brokers.is_empty() && cfg.partitions > 0 && cfg.batch_events_max > 0, "collector config");
        let lanes = (0..cfg.partitions).map(|p| Lane { broker: p as usize % cfg.brokers.len(), ..Lane::default() });
        let mut c = Collector {
            lanes: lanes.collect(),
            cfg,
            storage,
            next_record: 1,
            seen: BTreeMap::new(),
            open: Vec::new(),
            opened_at: None,
            waiters: Vec::new(),
            fresh_seq: 0,
            outputs: VecDeque::new(),
            observations: VecDeque::new(),
            stats: CollectorStats::default(),
        };
        c.recover(now)?;
        c.fresh_seq = c.next_record << 32;
        for p in 0..c.cfg.partitions {
            c.send_head(p, now);
        }
        Ok(c)
    }

    fn recover(&mut self, now: Time) -> Result<(), StorageError> {
        let bytes = self.storage.read(COLLECTOR_WAL_FILE)?;
        let (payloads, mut valid) = unframe(&bytes);
        let mut consumed = 0usize;
        let mut records = Vec::new();
        for payload in payloads {
            let decoded = postcard::from_bytes::<WalRecord>(payload).ok();
            let Some((record, events)) = decoded.and_then(|r| Some((r.record, batch::decompress(&r.batch).ok()?)))
            else {
                valid = consumed;
                break;
            };
            self.take_durable(record, &events);
            records.push((record, events.iter().map(BehaviourEvent::trace_id).collect::<Vec<_>>()));
            consumed += payload.len() + 8;
        }
        if valid < bytes.len() {
            self.stats.wal_bytes_cut = (bytes.len() - valid) as u64;
            self.storage.replace(COLLECTOR_WAL_FILE, &bytes[..valid])?;
        }
        if records.is_empty() && valid == bytes.len() {
            return Ok(());
        }
        // What a restarted process reads back may exist only in the OS page cache (its last
        // sync may have failed: fsyncgate), so sync before acknowledging or shipping from it.
        self.storage.sync()?;
        let collector = self.cfg.id;
        let wal_records = records.iter().map(|(r, _)| *r).collect();
        for (wal_record, trace_ids) in records {
            self.observations.push_back(IngestObservation::WalSynced { collector, at: now, wal_record, trace_ids });
        }
        self.observations.push_back(IngestObservation::WalRecovered { collector, at: now, wal_records });
        Ok(())
    }

    /// Records a synced batch: dedupe entries and shipments.
    fn take_durable(&mut self, record: u64, events: &[BehaviourEvent]) {
        let mut slices: BTreeMap<u32, Vec<TraceId>> = BTreeMap::new();
        for e in events {
            let key = self.dedupe_key(&e.trace_id());
            self.seen.insert(key, Seen { digest: e.payload_digest(), record: Some(record) });
            slices.entry(partition_of(e.device_id, self.cfg.partitions)).or_default().push(e.trace_id());
        }
        for (p, trace_ids) in slices {
            self.lanes[p as usize].queue.push_back(Shipment { seq: record, trace_ids });
        }
        self.next_record = self.next_record.max(record + 1);
    }

    /// Most clients waiting on the open batch: each new event plus as many retries.
    fn waiters_max(&self) -> usize {
        self.cfg.batch_events_max.saturating_mul(2)
    }

    fn dedupe_key(&self, trace_id: &TraceId) -> TraceId {
        let mut key = trace_id.clone();
        if self.cfg.bugs.dedupe_without_event_type {
            key.event_type.clear();
        }
        key
    }

    fn reply(&mut self, client: u64, request: RequestId, reply: IngestReply) {
        self.outputs.push_back(Output::Reply { client, request, reply });
    }

    fn reject(&mut self, now: Time, client: u64, request: RequestId, trace_id: Option<TraceId>, reason: Rejection) {
        let collector = self.cfg.id;
        self.observations.push_back(IngestObservation::Rejected {
            collector,
            trace_id,
            at: now,
            reason: reason.clone(),
        });
        self.reply(client, request, IngestReply::Rejected(reason));
    }

    /// Takes an event from a client. Replies come out of `poll_output`: at once for a refusal
    /// or a retry of a durable event, after the batch's WAL sync otherwise.
    pub fn handle_request(&mut self, now: Time, client: u64, request: IngestRequest) -> Result<(), StorageError> {
        let IngestRequest { id, event } = request;
        if let Err(why) = event.validate(self.cfg.payload_bytes_max) {
            self.stats.malformed += 1;
            self.reject(now, client, id, None, Rejection::Malformed(why));
            return Ok(());
        }
        let trace_id = event.trace_id();
        let key = self.dedupe_key(&trace_id);
        if let Some(seen) = self.seen.get(&key) {
            if seen.digest != event.payload_digest() {
                self.stats.collisions += 1;
                let reason = Rejection::KeyCollision { trace_id: trace_id.clone() };
                self.reject(now, client, id, Some(trace_id), reason);
                return Ok(());
            }
            self.stats.retries += 1;
            match seen.record {
                Some(wal_record) => self.ack(now, client, id, trace_id, wal_record),
                // Retries of events still in the open batch wait too, but boundedly.
                None if self.waiters.len() >= self.waiters_max() => {
                    self.stats.overloaded += 1;
                    self.reject(now, client, id, Some(trace_id), Rejection::Overloaded);
                }
                None => self.wait(now, client, id, trace_id),
            }
            return Ok(());
        }
        if self.lanes.iter().any(|l| l.queue.len() >= self.cfg.ship_queue_batches_max) {
            self.stats.overloaded += 1;
            self.reject(now, client, id, Some(trace_id), Rejection::Overloaded);
            return Ok(());
        }
        self.accept(now, client, id, event, key)
    }

    fn accept(
        &mut self,
        now: Time,
        client: u64,
        id: RequestId,
        event: BehaviourEvent,
        key: TraceId,
    ) -> Result<(), StorageError> {
        let trace_id = event.trace_id();
        self.stats.accepted += 1;
        self.seen.insert(key, Seen { digest: event.payload_digest(), record: None });
        let (collector, wal_record) = (self.cfg.id, self.next_record);
        self.observations.push_back(IngestObservation::Accepted {
            collector,
            trace_id: trace_id.clone(),
            at: now,
            wal_record,
        });
        self.open.push(event);
        self.opened_at.get_or_insert(now);
        self.wait(now, client, id, trace_id);
        if self.open.len() >= self.cfg.batch_events_max {
            self.flush(now)?;
        }
        Ok(())
    }

    /// Waits for the open batch's sync; the planted bug acknowledges right away instead.
    fn wait(&mut self, now: Time, client: u64, id: RequestId, trace_id: TraceId) {
        if self.cfg.bugs.ack_before_wal_sync {
            let wal_record = self.next_record;
            self.ack(now, client, id, trace_id, wal_record);
        } else {
            self.waiters.push((client, id, trace_id));
        }
    }

    fn ack(&mut self, now: Time, client: u64, id: RequestId, trace_id: TraceId, wal_record: u64) {
        let collector = self.cfg.id;
        self.observations.push_back(IngestObservation::Acked {
            collector,
            trace_id: trace_id.clone(),
            at: now,
            wal_record,
        });
        self.reply(client, id, IngestReply::Acked { trace_id });
    }

    /// Closes the open batch: compress, append to the WAL, sync, then acknowledge and ship.
    fn flush(&mut self, now: Time) -> Result<(), StorageError> {
        self.opened_at = None;
        if self.open.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut self.open);
        let record = self.next_record;
        let compressed = batch::compress(&events, self.cfg.zstd_above_bytes)
            .map_err(|e| StorageError(format!("collector {} batch {record}: {e}", self.cfg.id)))?;
        let body = postcard::to_allocvec(&WalRecord { record, batch: compressed })
            .map_err(|e| StorageError(format!("encode WAL record {record}: {e}")))?;
        self.storage.append(COLLECTOR_WAL_FILE, &frame(&body))?;
        self.storage.sync()?;
        let idle: Vec<u32> = (0..self.cfg.partitions).filter(|p| self.lanes[*p as usize].queue.is_empty()).collect();
        self.take_durable(record, &events);
        let trace_ids = events.iter().map(BehaviourEvent::trace_id).collect();
        let collector = self.cfg.id;
        self.observations.push_back(IngestObservation::WalSynced { collector, at: now, wal_record: record, trace_ids });
        for (client, id, trace_id) in std::mem::take(&mut self.waiters) {
            self.ack(now, client, id, trace_id, record);
        }
        for p in idle {
            self.send_head(p, now);
        }
        Ok(())
    }

    /// Sends the head shipment of partition `p`, if any, and arms its retry.
    fn send_head(&mut self, p: u32, now: Time) {
        let lane = &mut self.lanes[p as usize];
        let Some(head) = lane.queue.front() else {
            lane.retry_at = None;
            return;
        };
        lane.wire_seq = if self.cfg.bugs.ship_retry_without_sequence {
            self.fresh_seq += 1;
            self.fresh_seq
        } else {
            head.seq
        };
        lane.retry_at = Some(now.saturating_add(self.cfg.ship_retry_interval));
        let message = Wire::Produce { partition: p, seq: lane.wire_seq, trace_ids: head.trace_ids.clone() };
        let to = self.cfg.brokers[lane.broker];
        self.outputs.push_back(Output::Send { to, bytes: encode_wire(&message) });
    }

    fn on_wire(&mut self, now: Time, from: u64, message: Wire) {
        match message {
            Wire::ProduceAck { partition, seq, .. } if partition < self.cfg.partitions => {
                let lane = &mut self.lanes[partition as usize];
                if lane.retry_at.is_some() && lane.wire_seq == seq && !lane.queue.is_empty() {
                    lane.queue.pop_front();
                    self.send_head(partition, now);
                }
            }
            Wire::NotLeader { group, leader_hint } if group < self.cfg.partitions => {
                let lane = &mut self.lanes[group as usize];
                let hinted = leader_hint.and_then(|h| self.cfg.brokers.iter().position(|b| *b == h));
                match hinted {
                    Some(i) if i != lane.broker => {
                        lane.broker = i;
                        self.send_head(group, now);
                    }
                    // No better guess: try the next broker when the retry fires.
                    _ if self.cfg.brokers.get(lane.broker) == Some(&from) => {
                        lane.broker = (lane.broker + 1) % self.cfg.brokers.len();
                    }
                    _ => {}
                }
            }
            // The leader is right but full: the lane's retry timer resends to it.
            Wire::Busy { group } if group < self.cfg.partitions => {}
            _ => self.stats.decode_errors += 1,
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

    /// Counters.
    pub fn stats(&self) -> CollectorStats {
        self.stats
    }

    /// Shipments not yet acknowledged by the log, over all partitions.
    pub fn unshipped(&self) -> usize {
        self.lanes.iter().map(|l| l.queue.len()).sum()
    }

    /// The storage, for inspection (and for a test's crash).
    pub fn storage(&self) -> &S {
        &self.storage
    }
}

impl<S: Storage> SansIoNode for Collector<S> {
    fn poll_timeout(&self) -> Option<Time> {
        let flush = self.opened_at.map(|t| t.saturating_add(self.cfg.batch_interval));
        self.lanes.iter().filter_map(|l| l.retry_at).chain(flush).min()
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        if self.opened_at.is_some_and(|t| t.saturating_add(self.cfg.batch_interval) <= now) {
            self.flush(now)?;
        }
        for p in 0..self.cfg.partitions {
            let lane = &mut self.lanes[p as usize];
            if lane.retry_at.is_some_and(|t| t <= now) {
                lane.broker = (lane.broker + 1) % self.cfg.brokers.len();
                self.send_head(p, now);
            }
        }
        Ok(())
    }

    fn handle_message(&mut self, now: Time, from: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match decode_wire(bytes) {
            Ok(message) => self.on_wire(now, from, message),
            Err(_) => self.stats.decode_errors += 1,
        }
        Ok(())
    }
}
