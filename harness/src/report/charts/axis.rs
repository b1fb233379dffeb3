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

/// y range in ms covering `latencies_us`, widened to whole decades so the log grid is clean.
pub(super) fn y_range(latencies_us: impl IntoIterator<Item = u64>) -> Range<f64> {
    let (lo, hi) = latencies_us.into_iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), us| {
        let v = ms(us);
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return 1.0..1000.0;
    }
    let lo = 10f64.powf(lo.log10().floor());
    let mut hi = 10f64.powf(hi.log10().ceil());
    if hi <= lo {
        hi = lo * 10.0;
    }
    lo..hi
}

/// Labels the 1-2-5 ticks of a log axis and leaves the rest blank (they still get grid lines).
pub(super) fn ms_label(v: &f64) -> String {
    let v = *v;
    if !(v.is_finite() && v > 0.0) {
        return String::new();
    }
    let mantissa = v / 10f64.powf(v.log10().floor());
    let round = [1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 1e-6);
    if !round {
        String::new()
    } else if v < 1.0 {
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
        assert_eq!(y_range([1500, 250_000]), 1.0..1000.0);
        let r = y_range([u64::MAX]);
        assert!(r.start < r.end && r.end.is_finite());
        assert_eq!(x_range(0), 0.0..1.0);
    }

    #[test]
    fn labels() {
        assert_eq!(ms_label(&0.01), "0.01");
        assert_eq!(ms_label(&200.0), "200");
        assert_eq!(ms_label(&300.0), "");
        assert_eq!(ms_label(&1e7), "1e7");
        assert_eq!(secs_label(&12.0, 30.0), "12");
        assert_eq!(secs_label(&0.25, 1.0), "0.25");
    }
}
