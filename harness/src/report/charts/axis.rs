//! Axis ranges and tick labels: seconds on x, log-scaled milliseconds on y.
use std::ops::Range;

/// The smallest latency a log axis can show (1 µs); zero latencies are drawn at this floor.
pub(super) const FLOOR_MS: f64 = 0.001;

/// Microseconds to milliseconds, clamped to the log-axis floor.
pub(super) fn ms(us: u64) -> f64 {
    (us as f64 / 1000.0).max(FLOOR_MS)
}

/// Microseconds to seconds.
pub(super) fn secs(us: u64) -> f64 {
    us as f64 / 1_000_000.0
}

/// x range `0..run_end` in seconds; never empty, so plotters has something to map.
pub(super) fn x_range(run_end_us: u64) -> Range<f64> {
    let end = secs(run_end_us);
    0.0..if end > 0.0 { end } else { 1.0 }
}

/// y range in ms covering `latencies_us`: from the decade below the smallest, to half again
/// above the largest (so markers at the maximum, typically timeouts, are not cut in half by
/// the frame), spanning at least one decade.
pub(super) fn y_range(latencies_us: impl IntoIterator<Item = u64>) -> Range<f64> {
    let (lo, hi) = latencies_us.into_iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), us| {
        let v = ms(us);
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return 1.0..1000.0;
    }
    let lo = 10f64.powf(lo.log10().floor());
    lo..(hi * 1.5).max(lo * 10.0)
}

/// Tick values for a log axis over `y`: (labelled, grid-only).
///
/// Labels at 1-2-5 × 10^k for short ranges and at decades (thinned to ~12) for long ones;
/// grid lines at the other integers of each decade. Computed here rather than by plotters,
/// whose log ticks repeat each decade value (drawing its label twice, visibly bolder).
pub(super) fn log_ticks(y: &Range<f64>) -> (Vec<f64>, Vec<f64>) {
    let (lo, hi) = (y.start, y.end);
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return (vec![], vec![]);
    }
    let (k0, k1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let decades = (k1 - k0).max(1);
    let bold_m: &[f64] = if decades <= 5 { &[1.0, 2.0, 5.0] } else { &[1.0] };
    let every = (decades / 12 + 1).max(1);
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let (mut bold, mut light) = (vec![], vec![]);
    for k in k0..=k1 {
        let base = 10f64.powi(k);
        for m in 1..10 {
            let v = f64::from(m) * base;
            if !inside(v) {
                continue;
            }
            if bold_m.contains(&f64::from(m)) && (k - k0) % every == 0 {
                bold.push(v);
            } else if decades <= 12 {
                light.push(v);
            }
        }
    }
    (bold, light)
}

/// A millisecond tick label: "0.05", "200", "1e7".
pub(super) fn ms_label(v: &f64) -> String {
    let v = *v;
    if v < 1.0 {
        trim_zeros(format!("{v:.3}"))
    } else if v < 1e6 {
        format!("{v:.0}")
    } else {
        format!("{v:.0e}")
    }
}

/// Seconds label with as few decimals as the axis span needs.
pub(super) fn secs_label(v: &f64, span: f64) -> String {
    let s = if span >= 20.0 {
        format!("{v:.0}")
    } else if span >= 2.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    };
    trim_zeros(s)
}

/// "0.500" → "0.5", "2.0" → "2"; integers are left alone.
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_never_empty() {
        assert_eq!(y_range([]), 1.0..1000.0);
        assert_eq!(y_range([0]), 0.001..0.01);
        assert_eq!(y_range([1500, 250_000]), 1.0..375.0);
        assert_eq!(y_range([1500, 2000]), 1.0..10.0);
        let r = y_range([u64::MAX]);
        assert!(r.start < r.end && r.end.is_finite());
        assert_eq!(x_range(0), 0.0..1.0);
    }

    #[test]
    fn log_ticks_are_unique_and_round() {
        let (bold, light) = log_ticks(&(0.1..1500.0));
        assert_eq!(bold, [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]);
        assert_eq!(light.len(), 4 * 6);
        let (bold, light) = log_ticks(&(0.001..1.8e16));
        assert!(bold.len() <= 13 && bold.len() >= 8, "{bold:?}");
        assert!(light.is_empty());
        assert_eq!(log_ticks(&(0.0..1.0)), (vec![], vec![]));
    }

    #[test]
    fn labels() {
        assert_eq!(ms_label(&0.01), "0.01");
        assert_eq!(ms_label(&200.0), "200");
        assert_eq!(ms_label(&300.0), "300");
        assert_eq!(ms_label(&1e7), "1e7");
        assert_eq!(secs_label(&12.0, 30.0), "12");
        assert_eq!(secs_label(&0.25, 1.0), "0.25");
    }
}
