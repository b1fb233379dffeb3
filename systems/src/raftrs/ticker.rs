//! raft-rs counts time in ticks; this turns the local `Time` the caller passes in into ticks.
use crate::time::Time;

/// Most ticks fired by one `handle_timeout`, so a clock bumped far forward cannot spin a node for
/// ever; beyond it the missed ticks are skipped (a real ticker thread would not have run either).
pub const TICKS_PER_CALL_MAX: u64 = 64;

/// A tick every `tick_us` of local time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticker {
    tick_us: u64,
    next: Time,
}

impl Ticker {
    /// First tick one period after `now`.
    pub fn new(tick_ms: u64, now: Time) -> Self {
        let tick_us = tick_ms.saturating_mul(1_000).max(1);
        Ticker { tick_us, next: Time::from_micros(now.as_micros().saturating_add(tick_us)) }
    }

    /// When the next tick is due.
    pub fn next(&self) -> Time {
        self.next
    }

    /// How many ticks are due at `now` (at most `TICKS_PER_CALL_MAX`); schedules the next one.
    /// A clock that went backwards simply makes no tick due until it passes `next` again.
    pub fn due(&mut self, now: Time) -> u64 {
        let (now_us, next_us) = (now.as_micros(), self.next.as_micros());
        if now_us < next_us {
            return 0;
        }
        let behind = (now_us - next_us) / self.tick_us + 1;
        let next = if behind > TICKS_PER_CALL_MAX {
            now_us.saturating_add(self.tick_us)
        } else {
            next_us.saturating_add(behind.saturating_mul(self.tick_us))
        };
        self.next = Time::from_micros(next);
        behind.min(TICKS_PER_CALL_MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_follow_local_time_and_cap_jumps() {
        let mut t = Ticker::new(10, Time::ZERO);
        assert_eq!(t.due(Time::from_micros(9_999)), 0);
        assert_eq!(t.due(Time::from_micros(10_000)), 1);
        assert_eq!(t.next(), Time::from_micros(20_000));
        assert_eq!(t.due(Time::from_micros(45_000)), 3);
        assert_eq!(t.next(), Time::from_micros(50_000));
        assert_eq!(t.due(Time::from_micros(5_000)), 0, "clock went back");
        assert_eq!(t.due(Time::from_micros(10_000_000)), TICKS_PER_CALL_MAX);
        assert_eq!(t.next(), Time::from_micros(10_010_000));
        assert_eq!(t.due(Time::from_micros(u64::MAX)), TICKS_PER_CALL_MAX);
    }
}
