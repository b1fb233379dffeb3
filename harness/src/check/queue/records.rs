//! Plain-data records of an ingestion run, which the ingestion checks judge. The harness
//! converts what the ingestion system did into these; the checks know nothing else of it.
use faultline_systems::time::Time;
use serde::{Deserialize, Serialize};

/// Everything the ingestion checks need from one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestRecords {
    /// One record per trace id.
    pub events: Vec<EventRecord>,
    /// Every write and offset commit a consumer attempted at the sink.
    pub sink_writes: Vec<SinkWrite>,
    /// Per collector, its WAL's writes and syncs in the order they reached the disk.
    pub disk: Vec<CollectorDisk>,
    /// When the run stopped.
    pub deadline: Time,
    /// When the last fault healed (`Time::ZERO` if none ran); `None` if faults never healed,
    /// so no liveness bound applies.
    pub heal: Option<Time>,
    /// How long after the heal every acknowledged event must be counted; `None`: never
    /// required (events still in flight at the deadline are reported as unseen only).
    pub liveness_bound_ms: Option<u64>,
}

/// What happened to one event (one idempotency key) on its way from device to sink.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// `device_id + event_ts + event_type`.
    pub trace_id: String,
    /// The device that produced it.
    pub device_id: String,
    /// The event's own timestamp, as the device set it.
    pub event_ts_ms: u64,
    /// When a device first sent it; `None` if it was never sent (then anything downstream is
    /// unexpected).
    pub invoked: Option<Time>,
    /// When the collector acknowledged it to the device (the first time, if several).
    pub acknowledged: Option<Time>,
    /// Time of the WAL sync that covered it, per the collector.
    pub durable: Option<Time>,
    /// Every log position it was appended at (more than one is a duplicate append).
    pub appended: Vec<LogPosition>,
    /// Every time a consumer read it.
    pub consumed: Vec<Consumption>,
    /// Every time the sink counted it.
    pub counted: Vec<SinkCount>,
}

/// A partition and offset in the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LogPosition {
    /// Log partition.
    pub partition: u32,
    /// Offset within it.
    pub offset: u64,
}

/// A consumer's read of an event, under its lease.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumption {
    /// Where it was read.
    pub position: LogPosition,
    /// The lease epoch the consumer held.
    pub epoch: u64,
    /// The lease's fencing token.
    pub token: u64,
    /// When it was read.
    pub at: Time,
}

/// The sink counting an event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkCount {
    /// The log position the count came from.
    pub position: LogPosition,
    /// The fencing token of the write that counted it.
    pub token: u64,
    /// When the sink applied it.
    pub at: Time,
}

/// What a consumer asked the sink to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SinkWriteKind {
    /// Count a batch of events.
    #[default]
    Write,
    /// Commit the consumer's offset.
    OffsetCommit,
}

/// One attempted sink write or offset commit and the sink's answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkWrite {
    /// Partition whose lease it was made under.
    pub partition: u32,
    /// The fencing token it carried.
    pub token: u64,
    /// Write or offset commit.
    pub kind: SinkWriteKind,
    /// Whether the sink applied it.
    pub accepted: bool,
    /// Whether its consumer had already lost the lease (its token was stale) when it was made.
    pub zombie: bool,
    /// When the sink answered.
    pub at: Time,
}

/// One collector's WAL disk trace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectorDisk {
    /// Collector name, for reports.
    pub collector: String,
    /// Writes and syncs in disk order.
    pub entries: Vec<DiskEntry>,
}

/// One WAL disk operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiskEntry {
    /// A WAL record holding these events was written (not yet durable).
    Write {
        /// Trace ids in the record.
        trace_ids: Vec<String>,
        /// When it was written.
        at: Time,
    },
    /// A sync completed: every write before it in this trace is durable.
    Sync {
        /// When the sync completed.
        at: Time,
    },
}
