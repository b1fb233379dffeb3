//! Builders of ingestion records for the checkers' tests.
use faultline_systems::time::Time;

use super::records::{Consumption, EventRecord, IngestRecords, LogPosition, SinkCount};

/// A log position.
pub fn at(partition: u32, offset: u64) -> LogPosition {
    LogPosition { partition, offset }
}

/// An event of device "d1" with timestamp `ts` ms that went all the way: sent at `ts` ms,
/// durable at +1 ms, acknowledged at +2 ms, appended at `pos`, consumed and counted at +10 ms.
pub fn event(id: &str, ts: u64, pos: LogPosition) -> EventRecord {
    let t = |d: u64| Time::from_micros((ts + d) * 1000);
    EventRecord {
        trace_id: id.to_string(),
        device_id: "d1".to_string(),
        event_ts_ms: ts,
        invoked: Some(t(0)),
        durable: Some(t(1)),
        acknowledged: Some(t(2)),
        appended: vec![pos],
        consumed: vec![Consumption { position: pos, epoch: 1, token: 1, at: t(5) }],
        counted: vec![SinkCount { position: pos, token: 1, at: t(10) }],
    }
}

/// Records of a run that healed at 0 with no liveness bound, deadline 1 hour.
pub fn records(events: Vec<EventRecord>) -> IngestRecords {
    IngestRecords { events, deadline: Time::from_micros(3_600_000_000), heal: Some(Time::ZERO), ..Default::default() }
}
