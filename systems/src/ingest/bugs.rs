//! Planted bugs in ingestion: off by default, inert when off.

/// Which planted bugs are switched on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestBugs {
    /// Collectors acknowledge an event as soon as they accept it, before its batch is in the
    /// synced WAL, so a collector crash loses acknowledged events.
    pub ack_before_wal_sync: bool,
    /// Consumers commit their offset in one sink write and the counters in another, so a
    /// crash in between loses events and a retried or duplicated counter write double-counts.
    pub offset_commit_separate: bool,
    /// The sink accepts writes whose fencing token is older than one it already accepted, so
    /// a zombie consumer's late write lands on top of its successor's.
    pub sink_no_fencing: bool,
    /// The collector's dedupe key lacks `event_type`, so distinct events of one device at one
    /// timestamp with equal payloads collide and the later one is acknowledged but dropped.
    pub dedupe_without_event_type: bool,
    /// Every shipping retry carries a fresh sequence number, so the log cannot recognise a
    /// retried batch and appends it again.
    pub ship_retry_without_sequence: bool,
}
