//! The sink: a durable store of per-(device, event type) counters and, per partition, the
//! offset its counters include. A consumer's write adds counters and commits the offset in
//! one WAL record (synced before the acknowledgement); a write or open whose fencing token
//! is older than one already accepted for the partition is refused.
use super::event::TraceId;
use super::message::{decode_wire, encode_wire, IngestReply, SinkRead, Wire, WriteMode};
use super::observe::IngestObservation;
use super::{IngestBugs, Output};
use crate::node::SansIoNode;
use crate::raft::{frame, unframe};
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// The sink's WAL: every accepted open and write.
pub const SINK_WAL_FILE: &str = "sink.wal";

/// How the sink is set up.
#[derive(Clone, Debug)]
pub struct SinkConfig {
    /// This sink.
    pub id: u64,
    /// Planted bugs.
    pub bugs: IngestBugs,
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SinkStats {
    /// Writes and opens refused for a stale token.
    pub fenced: u64,
    /// Writes recognised as retries of an applied one.
    pub duplicates: u64,
    /// Peer messages that did not decode or were not for the sink.
    pub decode_errors: u64,
    /// WAL bytes cut off at recovery (a torn or corrupt tail).
    pub wal_bytes_cut: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum SinkRecord {
    Open { partition: u32, token: u64 },
    Write { partition: u32, token: u64, mode: WriteMode, to: u64, records: Vec<(u64, TraceId)> },
}

/// Whether a record is applied as it is accepted or replayed from the WAL at recovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Applied {
    Now,
    Replayed,
}

#[derive(Clone, Copy, Debug, Default)]
struct PartitionState {
    /// Highest token accepted.
    token_max: u64,
    /// Token of the last applied write.
    last_token: u64,
    /// Offset the counters include up to (exclusive).
    committed: u64,
}

/// The sink.
pub struct Sink<S: Storage> {
    cfg: SinkConfig,
    storage: S,
    partitions: BTreeMap<u32, PartitionState>,
    counters: BTreeMap<(u64, String), u64>,
    outputs: VecDeque<Output>,
    observations: VecDeque<IngestObservation>,
    stats: SinkStats,
}

impl<S: Storage> Sink<S> {
    /// Recovers by replaying the WAL (cutting a torn tail).
    pub fn new(cfg: SinkConfig, storage: S, now: Time) -> Result<Self, StorageError> {
        let bytes = storage.read(SINK_WAL_FILE)?;
        let (payloads, mut valid) = unframe(&bytes);
        let mut records = Vec::new();
        let mut consumed = 0usize;
        for payload in payloads {
            let Ok(record) = postcard::from_bytes::<SinkRecord>(payload) else {
                valid = consumed;
                break;
            };
            records.push(record);
            consumed += payload.len() + 8;
        }
        let mut sink = Sink {
            cfg,
            storage,
            partitions: BTreeMap::new(),
            counters: BTreeMap::new(),
            outputs: VecDeque::new(),
            observations: VecDeque::new(),
            stats: SinkStats::default(),
        };
        if valid < bytes.len() {
            sink.stats.wal_bytes_cut = (bytes.len() - valid) as u64;
            sink.storage.replace(SINK_WAL_FILE, &bytes[..valid])?;
        }
        if !bytes.is_empty() {
            // What a restarted process reads back may exist only in the OS page cache (its
            // last sync may have failed: fsyncgate), so make it durable before building on it.
            sink.storage.sync()?;
        }
        for record in records {
            sink.apply(record, now, Applied::Replayed);
        }
        Ok(sink)
    }

    /// Applies an accepted record, reporting each count as new or as replayed from the WAL.
    fn apply(&mut self, record: SinkRecord, now: Time, how: Applied) {
        match record {
            SinkRecord::Open { partition, token } => {
                let st = self.partitions.entry(partition).or_default();
                st.token_max = st.token_max.max(token);
            }
            SinkRecord::Write { partition, token, mode, to, records } => {
                let st = self.partitions.entry(partition).or_default();
                st.token_max = st.token_max.max(token);
                st.last_token = token;
                if mode != WriteMode::CountsOnly {
                    st.committed = to;
                }
                for (offset, trace_id) in records {
                    let counter = self.counters.entry((trace_id.device_id, trace_id.event_type.clone())).or_default();
                    *counter = counter.saturating_add(1);
                    let sink = self.cfg.id;
                    self.observations.push_back(match how {
                        Applied::Now => {
                            IngestObservation::Counted { sink, at: now, partition, offset, token, trace_id }
                        }
                        Applied::Replayed => {
                            IngestObservation::CountRecovered { sink, at: now, partition, offset, token, trace_id }
                        }
                    });
                }
            }
        }
    }

    fn persist(&mut self, record: &SinkRecord) -> Result<(), StorageError> {
        let body = postcard::to_allocvec(record).map_err(|e| StorageError(format!("encode sink record: {e}")))?;
        self.storage.append(SINK_WAL_FILE, &frame(&body))?;
        self.storage.sync()
    }

    fn send(&mut self, to: u64, message: Wire) {
        self.outputs.push_back(Output::Send { to, bytes: encode_wire(&message) });
    }

    /// Refuses (and reports) a token older than the partition's highest, unless the bug is on.
    fn fenced(&mut self, now: Time, from: u64, partition: u32, token: u64) -> bool {
        let token_max = self.partitions.get(&partition).map_or(0, |s| s.token_max);
        if token >= token_max || self.cfg.bugs.sink_no_fencing {
            return false;
        }
        self.stats.fenced += 1;
        let sink = self.cfg.id;
        self.observations.push_back(IngestObservation::FencingRejected {
            sink,
            at: now,
            partition,
            token,
            token_max,
            from,
        });
        self.send(from, Wire::Fenced { partition, token, token_max });
        true
    }

    fn on_open(&mut self, now: Time, from: u64, partition: u32, token: u64) -> Result<(), StorageError> {
        if self.fenced(now, from, partition, token) {
            return Ok(());
        }
        let record = SinkRecord::Open { partition, token };
        self.persist(&record)?;
        self.apply(record, now, Applied::Now);
        let committed = self.partitions.get(&partition).map_or(0, |s| s.committed);
        self.send(from, Wire::Opened { partition, token, committed });
        Ok(())
    }

    fn on_write(&mut self, now: Time, from: u64, record: SinkRecord) -> Result<(), StorageError> {
        let SinkRecord::Write { partition, token, mode, to, .. } = record else { return Ok(()) };
        if self.fenced(now, from, partition, token) {
            return Ok(());
        }
        let st = self.partitions.get(&partition).copied().unwrap_or_default();
        // Within one token the consumer writes in offset order, stop-and-wait, so a write
        // from the last writer that ends at or below the committed offset is a retry.
        let retry = mode != WriteMode::CountsOnly && token == st.last_token && to <= st.committed;
        if retry {
            self.stats.duplicates += 1;
        } else {
            self.persist(&record)?;
            self.apply(record, now, Applied::Now);
        }
        self.send(from, Wire::WriteAck { partition, token, mode, to });
        Ok(())
    }

    /// Answers a counter read.
    pub fn handle_request(&mut self, _now: Time, client: u64, read: SinkRead) -> Result<(), StorageError> {
        let count = self.count(read.device_id, &read.event_type);
        self.outputs.push_back(Output::Reply { client, request: read.id, reply: IngestReply::Count { count } });
        Ok(())
    }

    /// The counter of `(device_id, event_type)`.
    pub fn count(&self, device_id: u64, event_type: &str) -> u64 {
        self.counters.get(&(device_id, event_type.to_string())).copied().unwrap_or(0)
    }

    /// All counters.
    pub fn counters(&self) -> &BTreeMap<(u64, String), u64> {
        &self.counters
    }

    /// The offset partition `p`'s counters include up to.
    pub fn committed(&self, p: u32) -> u64 {
        self.partitions.get(&p).map_or(0, |s| s.committed)
    }

    /// Next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Next observation.
    pub fn poll_observation(&mut self) -> Option<IngestObservation> {
        self.observations.pop_front()
    }

    /// Counters of the sink itself.
    pub fn stats(&self) -> SinkStats {
        self.stats
    }

    /// The storage, for inspection (and for a test's crash).
    pub fn storage(&self) -> &S {
        &self.storage
    }
}

impl<S: Storage> SansIoNode for Sink<S> {
    fn poll_timeout(&self) -> Option<Time> {
        None
    }

    fn handle_timeout(&mut self, _now: Time) -> Result<(), StorageError> {
        Ok(())
    }

    fn handle_message(&mut self, now: Time, from: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match decode_wire(bytes) {
            Ok(Wire::Open { partition, token }) => self.on_open(now, from, partition, token)?,
            Ok(Wire::Write { partition, token, mode, from: _, to, records }) => {
                self.on_write(now, from, SinkRecord::Write { partition, token, mode, to, records })?
            }
            _ => self.stats.decode_errors += 1,
        }
        Ok(())
    }
}
