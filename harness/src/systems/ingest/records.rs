//! What the ingestion system writes into the recorded run, and its conversion into the
//! plain-data records the queue checks judge. Times are simulated time (µs) when the host loop
//! observed them, not the nodes' skewed local clocks, so stages on different nodes compare.
use crate::check::queue::records::{
    CollectorDisk, Consumption, DiskEntry, EventRecord, IngestRecords, LogPosition, SinkCount, SinkWrite, SinkWriteKind,
};
use crate::check::raft_safety::RaftObserver;
use faultline_systems::ingest::{IngestObservation, TraceId};
use faultline_systems::time::Time;
use std::collections::{BTreeMap, BTreeSet};

/// Everything ingestion hosts and clients recorded.
#[derive(Default)]
pub struct IngestRecord {
    /// Every node observation, with the simulated time it was drained at, in order.
    pub observations: Vec<(u64, IngestObservation)>,
    /// Raft safety per group (partitions, then the coordinator), folded as samples come.
    pub raft: BTreeMap<u32, RaftObserver>,
    /// When a client first sent each event, µs.
    pub invoked: BTreeMap<TraceId, u64>,
}

/// The run's bounds the ledger needs.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// End of the run, µs.
    pub deadline_us: u64,
    /// Last heal, µs (None: faults never healed).
    pub heal_us: Option<u64>,
    /// Every acked event must be counted this long after the heal.
    pub liveness_ms_max: u64,
}

/// Per-event fold state: the record plus a set of distinct log positions.
#[derive(Default)]
struct Fold {
    record: EventRecord,
    appended: BTreeSet<LogPosition>,
}

fn fold<'a>(events: &'a mut BTreeMap<TraceId, Fold>, id: &TraceId) -> &'a mut Fold {
    events.entry(id.clone()).or_insert_with(|| Fold {
        record: EventRecord {
            trace_id: id.to_string(),
            device_id: id.device_id.to_string(),
            event_ts_ms: id.event_ts_ms,
            ..EventRecord::default()
        },
        appended: BTreeSet::new(),
    })
}

/// Converts the recorded run into the checks' records.
pub fn to_records(r: &IngestRecord, bounds: Bounds) -> IngestRecords {
    let mut events: BTreeMap<TraceId, Fold> = BTreeMap::new();
    for (id, &us) in &r.invoked {
        fold(&mut events, id).record.invoked = Some(Time::from_micros(us));
    }
    let mut disks: BTreeMap<u64, Vec<DiskEntry>> = BTreeMap::new();
    let mut sink_writes = Vec::new();
    let mut token_max: BTreeMap<u32, u64> = BTreeMap::new();
    for (us, o) in &r.observations {
        let at = Time::from_micros(*us);
        match o {
            IngestObservation::Acked { trace_id, .. } => {
                fold(&mut events, trace_id).record.acknowledged.get_or_insert(at);
            }
            IngestObservation::WalSynced { collector, trace_ids, .. } => {
                wal_synced(&mut events, disks.entry(*collector).or_default(), trace_ids, at)
            }
            IngestObservation::Appended { partition, base_offset, trace_ids, .. } => {
                for (i, id) in trace_ids.iter().enumerate() {
                    let offset = base_offset.saturating_add(i as u64);
                    fold(&mut events, id).appended.insert(LogPosition { partition: *partition, offset });
                }
            }
            IngestObservation::Consumed { partition, offset, token, trace_id, .. } => {
                let position = LogPosition { partition: *partition, offset: *offset };
                let c = Consumption { position, epoch: *token, token: *token, at };
                fold(&mut events, trace_id).record.consumed.push(c);
            }
            IngestObservation::Counted { partition, offset, token, trace_id, .. } => {
                let position = LogPosition { partition: *partition, offset: *offset };
                fold(&mut events, trace_id).record.counted.push(SinkCount { position, token: *token, at });
                let max = token_max.entry(*partition).or_insert(*token);
                let zombie = *token < *max;
                *max = (*max).max(*token);
                sink_writes.push(write(*partition, *token, true, zombie, at));
            }
            IngestObservation::CountRecovered { partition, offset, token, trace_id, .. } => {
                let count =
                    SinkCount { position: LogPosition { partition: *partition, offset: *offset }, token: *token, at };
                count_recovered(&mut fold(&mut events, trace_id).record.counted, count);
            }
            IngestObservation::FencingRejected { partition, token, token_max, .. } => {
                sink_writes.push(write(*partition, *token, false, token < token_max, at));
            }
            _ => {}
        }
    }
    IngestRecords {
        events: events
            .into_values()
            .map(|mut f| {
                f.record.appended = f.appended.into_iter().collect();
                f.record
            })
            .collect(),
        sink_writes,
        disk: disks
            .into_iter()
            .map(|(c, entries)| CollectorDisk {
                collector: crate::history::node_name((c as usize).saturating_sub(1)),
                entries,
            })
            .collect(),
        deadline: Time::from_micros(bounds.deadline_us),
        heal: bounds.heal_us.map(Time::from_micros),
        liveness_bound_ms: Some(bounds.liveness_ms_max),
    }
}

/// A synced WAL record: its events are durable, and the collector's disk trace gains a write
/// and the sync that covers it.
fn wal_synced(events: &mut BTreeMap<TraceId, Fold>, disk: &mut Vec<DiskEntry>, trace_ids: &[TraceId], at: Time) {
    for id in trace_ids {
        fold(events, id).record.durable.get_or_insert(at);
    }
    disk.push(DiskEntry::Write { trace_ids: trace_ids.iter().map(|t| t.to_string()).collect(), at });
    disk.push(DiskEntry::Sync { at });
}

/// A count the restarted sink's replayed WAL holds: new only if none was seen at its place.
fn count_recovered(counted: &mut Vec<SinkCount>, count: SinkCount) {
    if !counted.iter().any(|c| c.position == count.position) {
        counted.push(count);
    }
}

fn write(partition: u32, token: u64, accepted: bool, zombie: bool, at: Time) -> SinkWrite {
    SinkWrite { partition, token, kind: SinkWriteKind::Write, accepted, zombie, at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(device_id: u64) -> TraceId {
        TraceId { device_id, event_ts_ms: 7, event_type: "view".into() }
    }

    fn counted(sink: u64, offset: u64, device_id: u64, replayed: bool) -> IngestObservation {
        let (at, partition, token, trace_id) = (Time::from_micros(1), 0, 1, id(device_id));
        if replayed {
            IngestObservation::CountRecovered { sink, at, partition, offset, token, trace_id }
        } else {
            IngestObservation::Counted { sink, at, partition, offset, token, trace_id }
        }
    }

    fn counts(observations: Vec<IngestObservation>) -> Vec<usize> {
        let record =
            IngestRecord { observations: observations.into_iter().map(|o| (1, o)).collect(), ..Default::default() };
        let bounds = Bounds { deadline_us: 10, heal_us: None, liveness_ms_max: 1 };
        to_records(&record, bounds).events.iter().map(|e| e.counted.len()).collect()
    }

    /// A write whose sync failed but which the restarted sink replayed is counted once; a
    /// replay of what was already reported adds nothing; a second offset is a duplicate.
    #[test]
    fn a_replayed_count_counts_once_at_its_position() {
        assert_eq!(counts(vec![counted(9, 4, 1, true)]), [1]);
        assert_eq!(counts(vec![counted(9, 4, 1, false), counted(9, 4, 1, true)]), [1]);
        assert_eq!(counts(vec![counted(9, 4, 1, false), counted(9, 5, 1, true)]), [2]);
    }
}
