//! `ingest-order`: per-device counting order at the sink, and end-to-end latency from
//! acknowledgement to sink.
use std::collections::BTreeMap;

use faultline_systems::time::Time;

use super::records::{EventRecord, IngestRecords};
use crate::check::{nearest_rank, CheckResult};

/// Check name.
pub const INGEST_ORDER: &str = "ingest-order";

/// Ack-to-sink latency quantiles in milliseconds (nearest rank).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencySummary {
    /// Events measured (acknowledged and counted).
    pub events: usize,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Worst.
    pub ms_max: f64,
}

/// Per acknowledged and counted event: its first count's partition and time, and how long
/// after the acknowledgement that was, ms (the samples behind [`ack_to_sink_latency`]).
pub fn ack_to_sink_samples(r: &IngestRecords) -> Vec<(u32, Time, f64)> {
    r.events
        .iter()
        .filter_map(|e| {
            let first = e.counted.iter().min_by_key(|c| (c.at, c.position))?;
            let ms = first.at.saturating_since(e.acknowledged?).as_secs_f64() * 1000.0;
            Some((first.position.partition, first.at, ms))
        })
        .collect()
}

/// Latency from each event's acknowledgement to its first count at the sink.
pub fn ack_to_sink_latency(r: &IngestRecords) -> LatencySummary {
    let mut ms: Vec<f64> = ack_to_sink_samples(r).into_iter().map(|s| s.2).collect();
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| nearest_rank(&ms, p).unwrap_or(0.0);
    LatencySummary { events: ms.len(), p50_ms: q(0.5), p95_ms: q(0.95), p99_ms: q(0.99), ms_max: q(1.0) }
}

/// An event's first count: when, at which offset, and the event.
type Counted<'a> = (Time, u64, &'a EventRecord);

/// The promise judged: for each device and each log partition, the sink counts that device's
/// events (each at its first count; repeats are the ledger's business) in non-decreasing
/// `event_ts` order, where counting order is the sink's apply time, then log offset. It holds
/// when a device's events reach one collector in timestamp order and the consumer applies a
/// partition in offset order; a retried event overtaken by a later one breaks it.
pub fn check_order(r: &IngestRecords) -> CheckResult {
    let mut by_stream: BTreeMap<(&str, u32), Vec<Counted<'_>>> = BTreeMap::new();
    for e in &r.events {
        if let Some(c) = e.counted.iter().min_by_key(|c| (c.at, c.position.offset)) {
            by_stream.entry((e.device_id.as_str(), c.position.partition)).or_default().push((
                c.at,
                c.position.offset,
                e,
            ));
        }
    }
    let mut problems = Vec::new();
    for ((device, partition), mut counts) in by_stream.iter_mut().map(|(k, v)| (*k, std::mem::take(v))) {
        counts.sort_by_key(|(at, offset, e)| (*at, *offset, e.trace_id.clone()));
        for w in counts.windows(2) {
            let (a, b) = (w[0].2, w[1].2);
            if b.event_ts_ms < a.event_ts_ms {
                problems.push(format!(
                    "device {device} partition {partition}: {} (ts {} ms) counted after {} (ts {} ms)",
                    b.trace_id, b.event_ts_ms, a.trace_id, a.event_ts_ms
                ));
            }
        }
    }
    let l = ack_to_sink_latency(r);
    let latency = if l.events == 0 {
        "no event was both acknowledged and counted, so no latency".to_string()
    } else {
        format!(
            "ack-to-sink latency over {} events: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            l.events, l.p50_ms, l.p95_ms, l.p99_ms, l.ms_max
        )
    };
    if by_stream.is_empty() {
        return CheckResult::pass(INGEST_ORDER, format!("nothing to judge: no event was counted; {latency}"));
    }
    let pass = format!("{} device-partition streams counted in event_ts order; {latency}", by_stream.len());
    let mut result = CheckResult::from_problems(INGEST_ORDER, problems, pass);
    if !result.ok {
        result.detail = format!("{}; {latency}", result.detail);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::queue::fixtures::{at, event, records};

    #[test]
    fn in_order_passes_with_latency() {
        // Each fixture event is acknowledged at ts+2 ms and counted at ts+10 ms: 8 ms.
        let r = records(vec![event("a", 1, at(0, 1)), event("b", 2, at(0, 2)), event("c", 3, at(1, 1))]);
        let c = check_order(&r);
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.contains("2 device-partition streams") && c.detail.contains("p99 8.0 ms"), "{}", c.detail);
        assert_eq!(ack_to_sink_latency(&r).ms_max, 8.0);
        let samples = ack_to_sink_samples(&r);
        assert_eq!(samples.len(), 3);
        assert!(samples.iter().all(|s| s.2 == 8.0), "{samples:?}");
    }

    #[test]
    fn an_overtaken_event_fails() {
        let mut late = event("a", 1, at(0, 2));
        late.counted[0].at = Time::from_micros(50_000);
        let c = check_order(&records(vec![late, event("b", 2, at(0, 1))]));
        assert!(!c.ok && c.detail.contains("a (ts 1 ms) counted after b (ts 2 ms)"), "{}", c.detail);
    }

    #[test]
    fn nothing_counted_says_so() {
        let c = check_order(&records(vec![]));
        assert!(c.ok && c.detail.contains("nothing to judge"));
    }
}
