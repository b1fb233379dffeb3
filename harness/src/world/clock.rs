//! A node's local clock: the engine's global simulated time seen through an offset, a drift
//! rate and an optional strobe. Neither engine has per-node clocks, so the harness adds them
//! once for both. It outlives crashes (the hardware clock does).
use faultline_systems::time::Time;

/// One node's clock, as a pure function of global simulated time.
#[derive(Clone, Debug, Default)]
pub struct SimClock {
    /// Constant offset from global time, microseconds (bumps accumulate here).
    offset_us: i64,
    /// Drift rate in parts per million; positive runs fast.
    drift_ppm: i64,
    /// Global time the current drift rate took effect.
    drift_since_us: u64,
    /// Strobe: the clock flips between +amplitude and 0 every half period.
    strobe: Option<Strobe>,
}

#[derive(Clone, Copy, Debug)]
struct Strobe {
    amplitude_us: u64,
    half_period_us: u64,
    since_us: u64,
}

impl SimClock {
    /// A clock that agrees with global time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The local time at global time `global_us` (never below zero).
    pub fn now(&self, global_us: u64) -> Time {
        Time::from_micros(u64::try_from(self.local_i128(global_us).max(0)).unwrap_or(u64::MAX))
    }

    fn local_i128(&self, global_us: u64) -> i128 {
        self.linear_i128(global_us) + i128::from(self.strobe_us(global_us))
    }

    /// Local time without the strobe.
    fn linear_i128(&self, global_us: u64) -> i128 {
        let g = i128::from(global_us);
        let drifted = (g - i128::from(self.drift_since_us)) * i128::from(self.drift_ppm) / 1_000_000;
        g + i128::from(self.offset_us) + drifted
    }

    fn strobe_us(&self, global_us: u64) -> u64 {
        match self.strobe {
            Some(s) if (global_us.saturating_sub(s.since_us) / s.half_period_us) % 2 == 1 => s.amplitude_us,
            _ => 0,
        }
    }

    /// The next global time the strobe flips, if one is running.
    fn next_strobe_flip_us(&self, global_us: u64) -> Option<u64> {
        self.strobe.map(|s| {
            let phase = global_us.saturating_sub(s.since_us) / s.half_period_us;
            s.since_us + (phase + 1) * s.half_period_us
        })
    }

    /// The earliest global time, not before `now_global_us`, at which this clock reads at
    /// least `local_us`. Under a strobe it may return the next flip instead, earlier than the
    /// true deadline; callers re-check the local time after waking, so that only costs a loop.
    pub fn global_deadline(&self, local_us: u64, now_global_us: u64) -> u64 {
        if self.local_i128(now_global_us) >= i128::from(local_us) {
            return now_global_us;
        }
        let strobe = i128::from(self.strobe_us(now_global_us));
        // Solve linear(g) + strobe = local for g, rounding up so the deadline is never early.
        let target = i128::from(local_us) - strobe - i128::from(self.offset_us);
        let ppm = i128::from(self.drift_ppm);
        let numerator = (target * 1_000_000 + i128::from(self.drift_since_us) * ppm).max(0);
        let denominator = 1_000_000 + ppm; // > 0: scenarios bound drift below 100%
        let mut g = u64::try_from((numerator + denominator - 1) / denominator).unwrap_or(u64::MAX);
        // Integer division in `linear_i128` rounds toward zero, so the estimate can be a
        // microsecond off either way; settle on the first instant that reaches `local_us`.
        while self.linear_i128(g) + strobe < i128::from(local_us) && g < u64::MAX {
            g += 1;
        }
        while g > now_global_us && self.linear_i128(g - 1) + strobe >= i128::from(local_us) {
            g -= 1;
        }
        let g = g.max(now_global_us);
        match self.next_strobe_flip_us(now_global_us) {
            Some(flip) if flip < g => flip,
            _ => g,
        }
    }

    /// Folds the drift so far into the offset, so a new rate starts from the current reading.
    fn settle_drift(&mut self, global_us: u64) {
        let drifted =
            (i128::from(global_us) - i128::from(self.drift_since_us)) * i128::from(self.drift_ppm) / 1_000_000;
        self.offset_us = self.offset_us.saturating_add(i64::try_from(drifted).unwrap_or(0));
        self.drift_since_us = global_us;
    }

    /// Jumps the clock by `delta_us` (negative = backwards).
    pub fn bump(&mut self, global_us: u64, delta_us: i64) {
        self.settle_drift(global_us);
        self.offset_us = self.offset_us.saturating_add(delta_us);
    }

    /// Makes the clock run fast (positive) or slow (negative) by `ppm` from now on.
    pub fn set_drift_ppm(&mut self, global_us: u64, ppm: i64) {
        assert!(ppm > -1_000_000, "drift must keep the clock moving forward");
        self.settle_drift(global_us);
        self.drift_ppm = ppm;
    }

    /// Starts flipping the clock between +`amplitude_us` and its normal reading every
    /// `period_us / 2`.
    pub fn start_strobe(&mut self, global_us: u64, amplitude_us: u64, period_us: u64) {
        let half_period_us = (period_us / 2).max(1);
        self.strobe = Some(Strobe { amplitude_us, half_period_us, since_us: global_us });
    }

    /// Ends every clock fault: as after an NTP step, the clock reads global time again
    /// (which may be a jump backwards).
    pub fn reset(&mut self, global_us: u64) {
        *self = SimClock { drift_since_us: global_us, ..SimClock::default() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_clock_reads_global_time() {
        let c = SimClock::new();
        assert_eq!(c.now(1_234).as_micros(), 1_234);
        assert_eq!(c.global_deadline(5_000, 1_000), 5_000);
        assert_eq!(c.global_deadline(500, 1_000), 1_000, "a past deadline is due now");
    }

    #[test]
    fn bumps_accumulate_and_clamp_at_zero() {
        let mut c = SimClock::new();
        c.bump(1_000_000, 500_000);
        assert_eq!(c.now(1_000_000).as_micros(), 1_500_000);
        c.bump(1_000_000, -3_000_000);
        assert_eq!(c.now(1_000_000).as_micros(), 0, "a clock never reads below zero");
        c.reset(2_000_000);
        assert_eq!(c.now(2_000_000).as_micros(), 2_000_000);
    }

    #[test]
    fn drift_changes_the_rate_from_the_current_reading() {
        let mut c = SimClock::new();
        c.set_drift_ppm(1_000_000, 100_000); // 10% fast from t=1s
        assert_eq!(c.now(1_000_000).as_micros(), 1_000_000);
        assert_eq!(c.now(2_000_000).as_micros(), 2_100_000);
        c.set_drift_ppm(2_000_000, -100_000); // then 10% slow
        assert_eq!(c.now(2_000_000).as_micros(), 2_100_000);
        assert_eq!(c.now(3_000_000).as_micros(), 3_000_000);
    }

    #[test]
    fn deadlines_invert_the_clock_exactly() {
        let mut c = SimClock::new();
        c.bump(0, 777);
        c.set_drift_ppm(10_000, 37_123);
        for local in [20_000u64, 1_000_001, 9_999_999] {
            let g = c.global_deadline(local, 0);
            assert!(c.now(g).as_micros() >= local, "deadline {g} is early for {local}");
            assert!(g == 0 || c.now(g - 1).as_micros() < local, "deadline {g} is late for {local}");
        }
        c.set_drift_ppm(10_000, -250_000);
        let g = c.global_deadline(5_000_000, 10_000);
        assert!(c.now(g).as_micros() >= 5_000_000 && c.now(g - 1).as_micros() < 5_000_000);
    }

    #[test]
    fn strobe_flips_and_deadlines_wake_at_flips() {
        let mut c = SimClock::new();
        c.start_strobe(0, 200_000, 100_000);
        assert_eq!(c.now(10_000).as_micros(), 10_000);
        assert_eq!(c.now(60_000).as_micros(), 260_000);
        assert_eq!(c.now(110_000).as_micros(), 110_000, "flips back");
        // Far deadline: wake at the next flip, then re-check.
        assert_eq!(c.global_deadline(1_000_000, 10_000), 50_000);
    }
}
