//! Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): timestamps close
//! to physical time that still respect causality when local clocks are skewed or jump back.
use super::ReplicaId;
use crate::time::Time;
use serde::{Deserialize, Serialize};

/// An HLC timestamp. Totally ordered by `(wall_us, logical, replica)`: the replica id breaks
/// ties so two replicas never produce equal stamps and every replica orders them alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp {
    /// The greatest physical time (µs) known when the stamp was made.
    pub wall_us: u64,
    /// Counts events sharing `wall_us`, so causally later events order later.
    pub logical: u64,
    /// The replica that made the stamp.
    pub replica: ReplicaId,
}

/// The default bound on how far ahead of local time an observed stamp may be: 60 s. Far
/// beyond the skew of NTP-synchronised hosts (milliseconds) or a VM pause worth tolerating,
/// yet a clock dragged forward by a bad peer stays at most a minute ahead, not forever.
pub const OFFSET_US_MAX_DEFAULT: u64 = 60_000_000;

/// `observe` refused a remote stamp too far ahead of local time; the clock is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockOffsetTooLarge {
    /// The refused stamp.
    pub remote: Timestamp,
    /// Local time (µs) when it was observed.
    pub local_us: u64,
    /// The clock's bound (µs).
    pub offset_us_max: u64,
}

impl std::fmt::Display for ClockOffsetTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HLC stamp from replica {} at {} µs is more than {} µs ahead of local time {} µs",
            self.remote.replica, self.remote.wall_us, self.offset_us_max, self.local_us
        )
    }
}

impl std::error::Error for ClockOffsetTooLarge {}

/// One replica's hybrid logical clock. The caller feeds in its local (possibly skewed) time.
///
/// Observed stamps more than `offset_us_max` ahead of local time are refused: one peer with
/// a clock set far in the future (or a corrupt stamp) would otherwise drag every clock that
/// hears from it forward for good, and all later local writes would lose to nothing but it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    replica: ReplicaId,
    wall_us: u64,
    logical: u64,
    offset_us_max: u64,
}

impl HlcClock {
    /// A clock for `replica` that has seen nothing yet, refusing stamps more than
    /// `OFFSET_US_MAX_DEFAULT` (60 s) ahead of local time.
    pub fn new(replica: ReplicaId) -> Self {
        Self::with_offset_max(replica, OFFSET_US_MAX_DEFAULT)
    }

    /// A clock for `replica` that refuses stamps more than `offset_us_max` ahead of local time.
    pub fn with_offset_max(replica: ReplicaId, offset_us_max: u64) -> Self {
        HlcClock { replica, wall_us: 0, logical: 0, offset_us_max }
    }

    /// How far ahead of local time (µs) an observed stamp may be.
    pub fn offset_us_max(&self) -> u64 {
        self.offset_us_max
    }

    /// The replica this clock stamps for.
    pub fn replica(&self) -> ReplicaId {
        self.replica
    }

    /// The last stamp issued or observed (as this replica's), for persisting: give it to
    /// `restore` after a restart so the clock never goes back across a crash.
    pub fn last(&self) -> Timestamp {
        self.stamp()
    }

    /// After a restart, folds in `last`, this clock's own persisted stamp. Unlike `observe`
    /// it is not checked against the offset bound: the stamp is trusted (this replica issued
    /// or accepted it), and refusing it could let the clock go back across the crash.
    pub fn restore(&mut self, last: Timestamp) {
        if (last.wall_us, last.logical) > (self.wall_us, self.logical) {
            self.wall_us = last.wall_us;
            self.logical = last.logical;
        }
    }

    /// A stamp for a local event at local time `local`; strictly greater than every stamp
    /// this clock issued or observed before, even if `local` went backwards.
    pub fn now(&mut self, local: Time) -> Timestamp {
        let local = local.as_micros();
        if local > self.wall_us {
            self.wall_us = local;
            self.logical = 0;
        } else {
            self.bump_logical();
        }
        self.stamp()
    }

    /// Folds in a stamp received from another replica (e.g. carried by a merged state), so
    /// the next `now` is greater than it: a causally later write then wins under LWW even if
    /// this replica's physical clock is behind the sender's.
    ///
    /// Refused, leaving the clock untouched, if `remote` is more than `offset_us_max` ahead
    /// of `local`. What to do then is the caller's policy (drop the message, alert, retry
    /// later); the clock only guarantees it was not dragged forward.
    pub fn observe(&mut self, remote: Timestamp, local: Time) -> Result<(), ClockOffsetTooLarge> {
        let local = local.as_micros();
        if remote.wall_us > local.saturating_add(self.offset_us_max) {
            return Err(ClockOffsetTooLarge { remote, local_us: local, offset_us_max: self.offset_us_max });
        }
        let wall = self.wall_us.max(remote.wall_us).max(local);
        // The case analysis of the paper's receive rule; ties on `wall` carry the logical part.
        match (wall == self.wall_us, wall == remote.wall_us) {
            (true, true) => {
                self.logical = self.logical.max(remote.logical);
                self.bump_logical();
            }
            (true, false) => self.bump_logical(),
            (false, true) => {
                self.wall_us = wall;
                self.logical = remote.logical;
                self.bump_logical();
            }
            (false, false) => {
                self.wall_us = wall;
                self.logical = 0;
            }
        }
        Ok(())
    }

    /// Advances the logical part; on overflow (only reachable with absurd remote stamps)
    /// carries into the wall part so the clock still never repeats or goes back.
    fn bump_logical(&mut self) {
        match self.logical.checked_add(1) {
            Some(l) => self.logical = l,
            None => {
                self.wall_us = self.wall_us.saturating_add(1);
                self.logical = 0;
            }
        }
    }

    fn stamp(&self) -> Timestamp {
        Timestamp { wall_us: self.wall_us, logical: self.logical, replica: self.replica }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_back_when_local_clock_jumps_back() {
        let mut c = HlcClock::new(1);
        let a = c.now(Time::from_micros(1_000));
        let b = c.now(Time::from_micros(10));
        let d = c.now(Time::from_micros(1_000));
        assert!(a < b && b < d, "{a:?} {b:?} {d:?}");
        assert_eq!(b.wall_us, 1_000);
    }

    #[test]
    fn follows_physical_time_when_it_is_ahead() {
        let mut c = HlcClock::new(1);
        c.now(Time::from_micros(5));
        let s = c.now(Time::from_micros(7));
        assert_eq!((s.wall_us, s.logical), (7, 0));
    }

    #[test]
    fn observed_remote_stamp_orders_before_next_local_event() {
        let mut a = HlcClock::new(1);
        let mut b = HlcClock::new(2);
        let ra = a.now(Time::from_micros(1_000));
        b.observe(ra, Time::from_micros(500)).unwrap();
        let rb = b.now(Time::from_micros(501));
        assert!(rb > ra, "{rb:?} vs {ra:?}");
    }

    #[test]
    fn logical_overflow_carries_into_wall() {
        let mut c = HlcClock::new(1);
        c.observe(Timestamp { wall_us: 9, logical: u64::MAX, replica: 2 }, Time::ZERO).unwrap();
        let s = c.now(Time::ZERO);
        assert!(s > Timestamp { wall_us: 9, logical: u64::MAX, replica: 2 });
    }

    fn stamp(wall_us: u64, logical: u64) -> Timestamp {
        Timestamp { wall_us, logical, replica: 2 }
    }

    #[test]
    fn observe_refuses_a_stamp_beyond_the_offset_max_without_advancing() {
        let mut c = HlcClock::with_offset_max(1, 1_000);
        let before = c.now(Time::from_micros(5_000));
        let far = stamp(6_001, 0);
        assert_eq!(
            c.observe(far, Time::from_micros(5_000)),
            Err(ClockOffsetTooLarge { remote: far, local_us: 5_000, offset_us_max: 1_000 })
        );
        assert_eq!(c.last(), before, "a refused stamp leaves the clock untouched");
        let next = c.now(Time::from_micros(5_001));
        assert_eq!((next.wall_us, next.logical), (5_001, 0), "still tracks local time");
    }

    #[test]
    fn observe_accepts_a_stamp_exactly_at_the_offset_max() {
        let mut c = HlcClock::with_offset_max(1, 1_000);
        assert_eq!(c.observe(stamp(6_000, 3), Time::from_micros(5_000)), Ok(()));
        assert!(c.now(Time::from_micros(5_000)) > stamp(6_000, 3));
    }

    #[test]
    fn default_offset_max_is_sixty_seconds_and_saturates() {
        let mut c = HlcClock::new(1);
        assert_eq!(c.offset_us_max(), OFFSET_US_MAX_DEFAULT);
        assert_eq!(OFFSET_US_MAX_DEFAULT, 60_000_000);
        assert!(c.observe(stamp(60_000_001, 0), Time::ZERO).is_err());
        assert!(c.observe(stamp(60_000_000, 0), Time::ZERO).is_ok());
        // Near the top of the range the bound saturates rather than wrapping.
        let mut c = HlcClock::new(1);
        assert!(c.observe(stamp(u64::MAX, 0), Time::from_micros(u64::MAX - 1)).is_ok());
    }

    #[test]
    fn restore_is_trusted_and_never_goes_back() {
        let mut c = HlcClock::with_offset_max(1, 10);
        let persisted = Timestamp { wall_us: 1_000_000, logical: 4, replica: 1 };
        c.restore(persisted);
        assert!(c.now(Time::ZERO) > persisted, "restore bypasses the offset bound");
        let later = c.last();
        c.restore(persisted);
        assert_eq!(c.last(), later, "restoring an older stamp does not go back");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Random local reads (jumping back and forth, including equal walls so the logical
        /// parts race) and receipts among three clocks: each clock's stamps strictly increase,
        /// every stamp is after everything its clock accepted, and stamps track local time.
        /// The offset bound (5 µs, against local times up to 20 µs, so some receipts are
        /// refused) holds: a refused receipt changes nothing, and no clock's wall ever gets
        /// more than the bound ahead of the greatest local time it has read.
        #[test]
        fn monotone_and_causal(events in prop::collection::vec((0..3usize, 0..3usize, 0..20u64, any::<bool>()), 0..80)) {
            const OFFSET_MAX: u64 = 5;
            let mut clocks: Vec<HlcClock> = (1..=3).map(|r| HlcClock::with_offset_max(r, OFFSET_MAX)).collect();
            let mut last: Vec<Option<Timestamp>> = vec![None; 3];
            let mut floor: Vec<Option<Timestamp>> = vec![None; 3];
            let mut max_local = [0u64; 3];
            for (at, from, local, receive) in events {
                max_local[at] = max_local[at].max(local);
                let local = Time::from_micros(local);
                if receive {
                    if let Some(s) = last[from] {
                        let before = clocks[at].clone();
                        match clocks[at].observe(s, local) {
                            Ok(()) => floor[at] = floor[at].max(Some(s)),
                            Err(e) => {
                                prop_assert!(s.wall_us > local.as_micros() + OFFSET_MAX, "wrongly refused: {:?}", e);
                                prop_assert_eq!(&clocks[at], &before);
                            }
                        }
                    }
                }
                let s = clocks[at].now(local);
                prop_assert!(Some(s) > last[at], "not monotone: {:?} after {:?}", s, last[at]);
                prop_assert!(Some(s) > floor[at], "before an observed stamp: {:?} vs {:?}", s, floor[at]);
                prop_assert!(s.wall_us >= local.as_micros());
                prop_assert!(s.wall_us <= max_local[at] + OFFSET_MAX, "dragged too far ahead: {:?}", s);
                last[at] = Some(s);
            }
        }
    }
}
