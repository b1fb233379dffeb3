//! Latency quantiles per simulated-time window, and the choice of window width.
use std::collections::BTreeMap;

use serde::Serialize;

use super::latency::OpLatency;

/// Latency summary of the operations invoked in one time window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuantileRow {
    /// Window start (inclusive), simulated microseconds.
    pub start_us: u64,
    /// Window end (exclusive), simulated microseconds.
    pub end_us: u64,
    /// Number of operations invoked in the window.
    pub count: usize,
    /// Median latency, microseconds (nearest-rank).
    pub p50_us: u64,
    /// 95th percentile latency, microseconds (nearest-rank).
    pub p95_us: u64,
    /// 99th percentile latency, microseconds (nearest-rank).
    pub p99_us: u64,
    /// Largest latency, microseconds.
    pub us_max: u64,
}

/// p50/p95/p99/max of `ops` grouped by the window their invocation falls in.
///
/// Every op counts whatever its outcome (filter `ops` first to restrict, e.g. to `ok`): an
/// `info` op's latency is how long the client waited, which is exactly what the tail should
/// show during a fault. Windows are `[k*w, (k+1)*w)`; windows without ops are omitted; rows are
/// sorted by start. Quantiles use the nearest-rank method (the value at rank `ceil(q*n)`), so
/// every reported value is a latency that really occurred. A `window_us` of 0 is taken as 1.
pub fn latency_quantiles(ops: &[OpLatency], window_us: u64) -> Vec<QuantileRow> {
    let w = window_us.max(1);
    let mut buckets: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for op in ops {
        buckets.entry(op.invoke_us / w).or_default().push(op.latency_us);
    }
    buckets
        .into_iter()
        .map(|(k, mut lat)| {
            lat.sort_unstable();
            QuantileRow {
                start_us: k.saturating_mul(w),
                end_us: k.saturating_add(1).saturating_mul(w),
                count: lat.len(),
                p50_us: nearest_rank(&lat, 50),
                p95_us: nearest_rank(&lat, 95),
                p99_us: nearest_rank(&lat, 99),
                us_max: lat.last().copied().unwrap_or(0),
            }
        })
        .collect()
}

/// The value at rank `ceil(pct/100 * n)` (1-based) of a sorted, non-empty slice; 0 if empty.
fn nearest_rank(sorted: &[u64], pct: usize) -> u64 {
    // Integer arithmetic: float rounding would make e.g. p95 of 20 values flip between ranks.
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or(0)
}

/// A round window width (1, 2, 2.5 or 5 × 10^k µs) giving 30–60 windows over `run_us`.
///
/// Aims for about 45 windows, then falls back to the finest round width that still gives at
/// most 60; consecutive round widths differ by at most 2×, so one always fits `[run/60,
/// run/30]` (for runs under ~300 µs a non-round width may be used). Runs shorter than 30 µs
/// get 1 µs windows.
pub fn quantile_window_us(run_us: u64) -> u64 {
    let ideal = run_us.div_ceil(45).max(1);
    let fits = |w: u64| (30..=60).contains(&run_us.div_ceil(w));
    let aim = round_at_least(ideal);
    let fine = round_at_least(run_us.div_ceil(60).max(1));
    // Below ~300 µs the integer grid has no 2.5, so 2 → 5 can skip the band: use `ideal`.
    [aim, fine].into_iter().find(|&w| fits(w)).unwrap_or(ideal)
}

/// The smallest of 1, 2, 2.5, 5 × 10^k (whole µs) that is `>= x`, or `x` past u64 decades.
fn round_at_least(x: u64) -> u64 {
    let mut decade: u64 = 1;
    loop {
        // 2.5 only counts once it is a whole number of µs (decade >= 10).
        for (num, den) in [(1u64, 1u64), (2, 1), (5, 2), (5, 1)] {
            let scaled = decade.saturating_mul(num);
            if scaled % den == 0 && scaled / den >= x {
                return scaled / den;
            }
        }
        match decade.checked_mul(10) {
            Some(d) => decade = d,
            None => return x,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EventKind;

    fn op(invoke_us: u64, latency_us: u64) -> OpLatency {
        OpLatency {
            f: "read".into(),
            kind: EventKind::Ok,
            invoke_us,
            complete_us: invoke_us.saturating_add(latency_us),
            latency_us,
            node: None,
        }
    }

    #[test]
    fn hand_computed_example() {
        // Window 0 (0..1000 µs): latencies 1..=20 (shuffled). Nearest rank with n = 20:
        // p50 → rank 10 → 10; p95 → rank 19 → 19; p99 → rank ceil(19.8) = 20 → 20; max 20.
        // Window 2 (2000..3000 µs): latencies {7, 3}: p50 → rank 1 → 3; p95, p99 → rank 2 → 7.
        // Window 1 is empty, so it is omitted.
        let mut ops: Vec<_> = (1..=20u64).map(|l| op((l * 37) % 1000, l)).collect();
        ops.reverse();
        ops.push(op(2500, 7));
        ops.push(op(2000, 3));
        let rows = latency_quantiles(&ops, 1000);
        assert_eq!(
            rows,
            vec![
                QuantileRow { start_us: 0, end_us: 1000, count: 20, p50_us: 10, p95_us: 19, p99_us: 20, us_max: 20 },
                QuantileRow { start_us: 2000, end_us: 3000, count: 2, p50_us: 3, p95_us: 7, p99_us: 7, us_max: 7 },
            ]
        );
    }

    #[test]
    fn edge_cases() {
        assert!(latency_quantiles(&[], 1000).is_empty());
        let rows = latency_quantiles(&[op(u64::MAX - 1, u64::MAX)], 0);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].p50_us, u64::MAX);
    }

    #[test]
    fn window_gives_30_to_60_windows() {
        let big = [30_000_000, 7_777_777, 1_000_000_007, 123_456_789_012, u64::MAX / 7];
        for run in (30u64..5000).chain(big) {
            let w = quantile_window_us(run);
            let n = run.div_ceil(w);
            assert!((30..=60).contains(&n), "run {run}: window {w} gives {n}");
        }
        assert_eq!(quantile_window_us(30_000_000), 1_000_000);
        assert_eq!(quantile_window_us(0), 1);
        assert!(quantile_window_us(u64::MAX) > 0);
    }
}
