//! Everything ingestion nodes say to each other (one postcard enum behind a version byte),
//! and what they answer clients.
use super::event::{IngestRequest, Malformed, TraceId};
use super::partition::LogRecord;
use crate::relations::RequestId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version byte in front of every peer message.
const WIRE_VERSION: u8 = 1;

/// How a consumer's sink write is split (one atomic write unless the bug splits it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteMode {
    /// Counters and offset in one atomic write.
    Atomic,
    /// Only the offset (`offset_commit_separate` bug).
    OffsetOnly,
    /// Only the counters, no offset and no dedupe (`offset_commit_separate` bug).
    CountsOnly,
}

/// A peer message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Wire {
    /// Raft traffic of one group (a partition, or the coordinator).
    Raft { group: u32, bytes: Vec<u8> },
    /// Collector -> broker: append these events; the sender is the producer id.
    Produce { partition: u32, seq: u64, trace_ids: Vec<TraceId> },
    /// Broker -> collector: `(producer, seq)` is in the log from `base_offset`.
    ProduceAck { partition: u32, seq: u64, base_offset: u64 },
    /// Broker -> anyone: not the leader of `group`; try `leader_hint`.
    NotLeader { group: u32, leader_hint: Option<u64> },
    /// Consumer -> broker: records of `partition` from offset `from`.
    Fetch { partition: u32, from: u64, records_max: u32 },
    /// Broker -> consumer: committed records from `from` (maybe none).
    FetchReply { partition: u32, from: u64, records: Vec<LogRecord> },
    /// Consumer -> coordinator: grant or renew (when `current` is the held token) a lease.
    Acquire { partition: u32, current: Option<u64> },
    /// Coordinator -> consumer: the lease is held with `token` (None: someone else holds it).
    LeaseReply { partition: u32, token: Option<u64>, holder: u64 },
    /// Consumer -> sink: start writing `partition` under `token`.
    Open { partition: u32, token: u64 },
    /// Sink -> consumer: opened; the committed offset to resume from.
    Opened { partition: u32, token: u64, committed: u64 },
    /// Sink -> consumer: `token` is older than `token_max`; stop.
    Fenced { partition: u32, token: u64, token_max: u64 },
    /// Consumer -> sink: count records `[from, to)` and commit offset `to`.
    Write { partition: u32, token: u64, mode: WriteMode, from: u64, to: u64, records: Vec<(u64, TraceId)> },
    /// Sink -> consumer: the write up to `to` is durable.
    WriteAck { partition: u32, token: u64, mode: WriteMode, to: u64 },
    /// Broker -> anyone: leads `group` but its proposal queue is full; retry here after a
    /// back-off. (Last, so the variant indices before it keep their wire encoding.)
    Busy { group: u32 },
}

/// A client's read of a sink counter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkRead {
    /// The client's request id.
    pub id: RequestId,
    /// The device.
    pub device_id: u64,
    /// The event type.
    pub event_type: String,
}

/// Why a collector refused an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rejection {
    /// The event is malformed.
    Malformed(Malformed),
    /// The key is known with a different payload: never merged.
    KeyCollision { trace_id: TraceId },
    /// Queues are full; retry later.
    Overloaded,
}

/// An answer to a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IngestReply {
    /// The event is durable at the collector (a retry of a durable event gets this again).
    Acked { trace_id: TraceId },
    /// The event was refused and will not be counted.
    Rejected(Rejection),
    /// A sink counter.
    Count { count: u64 },
}

/// Bytes that are not a message of ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "undecodable ingestion message: {}", self.0)
    }
}

impl std::error::Error for WireError {}

/// Encodes a peer message.
pub fn encode_wire(message: &Wire) -> Vec<u8> {
    let mut out = vec![WIRE_VERSION];
    out.extend_from_slice(&postcard::to_allocvec(message).expect("postcard serialization of a Wire"));
    out
}

/// Decodes a peer message.
pub fn decode_wire(bytes: &[u8]) -> Result<Wire, WireError> {
    let (&version, body) = bytes.split_first().ok_or_else(|| WireError("empty".into()))?;
    if version != WIRE_VERSION {
        return Err(WireError(format!("version {version}, expected {WIRE_VERSION}")));
    }
    postcard::from_bytes(body).map_err(|e| WireError(e.to_string()))
}

/// Decodes a client's ingest request from bytes (for hosts that receive raw bytes).
pub fn decode_request(bytes: &[u8]) -> Result<IngestRequest, WireError> {
    postcard::from_bytes(bytes).map_err(|e| WireError(e.to_string()))
}
