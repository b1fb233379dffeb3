//! What ingestion nodes tell observers: every stage of every event, as plain data. The
//! harness turns these into a ledger (accepted -> acked -> WAL-synced -> appended -> consumed
//! -> counted) and checks exactly-once delivery and the fencing audit against it.
use super::event::TraceId;
use super::message::Rejection;
use crate::raft::AppliedEntry;
use crate::time::Time;
use serde::{Deserialize, Serialize};

/// One observation, stamped with the observing node's local time `at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IngestObservation {
    /// A collector took a new event into its open batch, to become WAL record `wal_record`.
    Accepted { collector: u64, trace_id: TraceId, at: Time, wal_record: u64 },
    /// A collector acknowledged an event to a client (again, for an answered retry).
    Acked { collector: u64, trace_id: TraceId, at: Time, wal_record: u64 },
    /// A collector refused an event.
    Rejected { collector: u64, trace_id: Option<TraceId>, at: Time, reason: Rejection },
    /// WAL record `wal_record`, holding `trace_ids`, is synced.
    WalSynced { collector: u64, at: Time, wal_record: u64, trace_ids: Vec<TraceId> },
    /// A collector recovered these WAL records after a restart (to be shipped again).
    WalRecovered { collector: u64, at: Time, wal_records: Vec<u64> },
    /// A broker applied an append: `trace_ids` sit at `base_offset..` of `partition`. Every
    /// replica reports its own apply; the records at one offset must agree.
    Appended {
        broker: u64,
        at: Time,
        partition: u32,
        base_offset: u64,
        trace_ids: Vec<TraceId>,
        producer: u64,
        seq: u64,
    },
    /// A broker applied a Raft entry of `group` (for per-group state-machine safety).
    RaftApplied { broker: u64, at: Time, group: u32, entry: AppliedEntry },
    /// A consumer read a record and is about to write it to the sink under `token`.
    Consumed { consumer: u64, at: Time, partition: u32, offset: u64, token: u64, trace_id: TraceId },
    /// A consumer lost (or saw expire) its lease on `partition`.
    LeaseLost { consumer: u64, at: Time, partition: u32, token: u64 },
    /// The sink counted a record, durably, under `token`.
    Counted { sink: u64, at: Time, partition: u32, offset: u64, token: u64, trace_id: TraceId },
    /// The sink refused a write or open with a token older than one it accepted.
    FencingRejected { sink: u64, at: Time, partition: u32, token: u64, token_max: u64, from: u64 },
    /// After a restart the sink's replayed WAL counts this record. A write whose sync failed
    /// can still be on disk (so no `Counted` was reported for it); the replay is what counts.
    CountRecovered { sink: u64, at: Time, partition: u32, offset: u64, token: u64, trace_id: TraceId },
}
