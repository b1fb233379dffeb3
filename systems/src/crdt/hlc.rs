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

/// One replica's hybrid logical clock. The caller feeds in its local (possibly skewed) time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    replica: ReplicaId,
    wall_us: u64,
    logical: u64,
}

impl HlcClock {
    /// A clock for `replica` that has seen nothing yet.
    pub fn new(replica: ReplicaId) -> Self {
        HlcClock {
            replica,
            wall_us: 0,
            logical: 0,
        }
    }

    /// The replica this clock stamps for.
    pub fn replica(&self) -> ReplicaId {
        self.replica
    }

    /// The last stamp issued or observed (as this replica's), for persisting: restore it with
    /// `observe` after a restart so the clock never goes back across a crash.
    pub fn last(&self) -> Timestamp {
        self.stamp()
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
    pub fn observe(&mut self, remote: Timestamp, local: Time) {
        let local = local.as_micros();
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
        Timestamp {
            wall_us: self.wall_us,
            logical: self.logical,
            replica: self.replica,
        }
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
        b.observe(ra, Time::from_micros(500));
        let rb = b.now(Time::from_micros(501));
        assert!(rb > ra, "{rb:?} vs {ra:?}");
    }

    #[test]
    fn logical_overflow_carries_into_wall() {
        let mut c = HlcClock::new(1);
        c.observe(
            Timestamp {
                wall_us: 9,
                logical: u64::MAX,
                replica: 2,
            },
            Time::ZERO,
        );
        let s = c.now(Time::ZERO);
        assert!(
            s > Timestamp {
                wall_us: 9,
                logical: u64::MAX,
                replica: 2
            }
        );
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
        /// every stamp is after everything its clock observed, and stamps track local time.
        #[test]
        fn monotone_and_causal(events in prop::collection::vec((0..3usize, 0..3usize, 0..20u64, any::<bool>()), 0..80)) {
            let mut clocks: Vec<HlcClock> = (1..=3).map(HlcClock::new).collect();
            let mut last: Vec<Option<Timestamp>> = vec![None; 3];
            let mut floor: Vec<Option<Timestamp>> = vec![None; 3];
            for (at, from, local, receive) in events {
                let local = Time::from_micros(local);
                if receive {
                    if let Some(s) = last[from] {
                        clocks[at].observe(s, local);
                        floor[at] = floor[at].max(Some(s));
                    }
                }
                let s = clocks[at].now(local);
                prop_assert!(Some(s) > last[at], "not monotone: {:?} after {:?}", s, last[at]);
                prop_assert!(Some(s) > floor[at], "before an observed stamp: {:?} vs {:?}", s, floor[at]);
                prop_assert!(s.wall_us >= local.as_micros());
                last[at] = Some(s);
            }
        }
    }
}
