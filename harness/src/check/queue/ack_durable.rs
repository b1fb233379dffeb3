//! `ingest-ack-durable`: a collector acknowledges an event only after a WAL sync covering the
//! record that holds it, judged from the disk trace rather than the collector's own claims.
use std::collections::BTreeMap;

use faultline_systems::time::Time;

use super::records::{CollectorDisk, DiskEntry, IngestRecords};
use crate::check::CheckResult;

/// Check name.
pub const INGEST_ACK_DURABLE: &str = "ingest-ack-durable";

/// Per trace id, the earliest time a sync made a WAL record holding it durable. A sync covers
/// every write before it in the same collector's trace.
fn durable_at(disks: &[CollectorDisk]) -> BTreeMap<&str, Time> {
    let mut out: BTreeMap<&str, Time> = BTreeMap::new();
    for disk in disks {
        let mut unsynced: Vec<&str> = Vec::new();
        for entry in &disk.entries {
            match entry {
                DiskEntry::Write { trace_ids, .. } => unsynced.extend(trace_ids.iter().map(String::as_str)),
                DiskEntry::Sync { at } => {
                    for id in unsynced.drain(..) {
                        out.entry(id).or_insert(*at);
                    }
                }
            }
        }
    }
    out
}

/// Every acknowledgement must come at or after the sync that covered the event.
pub fn check_ack_durable(r: &IngestRecords) -> CheckResult {
    let durable = durable_at(&r.disk);
    let mut acked = 0usize;
    let mut problems = Vec::new();
    for e in &r.events {
        let Some(ack) = e.acknowledged else { continue };
        acked = acked.saturating_add(1);
        match durable.get(e.trace_id.as_str()) {
            None => problems.push(format!(
                "{} acknowledged at {} µs but no sync ever covered it",
                e.trace_id,
                ack.as_micros()
            )),
            Some(s) if *s > ack => problems.push(format!(
                "{} acknowledged at {} µs before the sync covering it at {} µs",
                e.trace_id,
                ack.as_micros(),
                s.as_micros()
            )),
            Some(_) => {}
        }
    }
    if acked == 0 {
        return CheckResult::pass(INGEST_ACK_DURABLE, "nothing to judge: no event was acknowledged");
    }
    let count = problems.len();
    let mut result = CheckResult::from_problems(
        INGEST_ACK_DURABLE,
        problems,
        format!("{acked} acknowledgements, each after a WAL sync covering its event ({} collectors)", r.disk.len()),
    );
    if !result.ok {
        result.detail = format!("{count} of {acked} acknowledgements not durable: {}", result.detail);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::queue::fixtures::{at, event, records};

    fn disk(entries: Vec<DiskEntry>) -> Vec<CollectorDisk> {
        vec![CollectorDisk { collector: "c1".into(), entries }]
    }

    fn write(ids: &[&str], us: u64) -> DiskEntry {
        DiskEntry::Write { trace_ids: ids.iter().map(|s| s.to_string()).collect(), at: Time::from_micros(us) }
    }

    fn sync(us: u64) -> DiskEntry {
        DiskEntry::Sync { at: Time::from_micros(us) }
    }

    #[test]
    fn ack_after_covering_sync_passes() {
        // event("a", 1, ..) is acknowledged at 3 ms.
        let mut r = records(vec![event("a", 1, at(0, 1))]);
        r.disk = disk(vec![write(&["a"], 1_000), sync(2_000)]);
        let c = check_ack_durable(&r);
        assert!(c.ok, "{}", c.detail);
    }

    #[test]
    fn ack_before_sync_or_without_one_fails() {
        let mut r = records(vec![event("a", 1, at(0, 1)), event("b", 1, at(0, 2))]);
        // b's write comes after the only sync, and a's sync is after its ack.
        r.disk = disk(vec![write(&["a"], 1_000), sync(4_000), write(&["b"], 4_500)]);
        let c = check_ack_durable(&r);
        assert!(!c.ok, "{}", c.detail);
        assert!(c.detail.contains("2 of 2"), "{}", c.detail);
        assert!(c.detail.contains("a acknowledged at 3000 µs before the sync covering it at 4000 µs"), "{}", c.detail);
        assert!(c.detail.contains("b acknowledged at 3000 µs but no sync ever covered it"), "{}", c.detail);
    }

    #[test]
    fn nothing_acknowledged_says_so() {
        let c = check_ack_durable(&records(vec![]));
        assert!(c.ok && c.detail.contains("nothing to judge"));
    }
}
