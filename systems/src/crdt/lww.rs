//! Last-writer-wins element set, ordered by hybrid logical clock stamps.
use super::{digest_of, SetCrdt, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The greatest add and remove stamps seen for one element.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Stamps {
    add: Option<Timestamp>,
    remove: Option<Timestamp>,
}

/// An LWW-Element-Set: an element is present iff its greatest add stamp is greater than its
/// greatest remove stamp. Stamps come from the caller's `HlcClock`.
///
/// Bias: a remove with no matching add, or an add whose stamp equals the remove's, leaves
/// the element absent (`add > remove` is strict). Equal stamps cannot arise from correct use,
/// since stamps carry the replica id and each clock is strictly increasing, so in practice
/// the later stamp simply wins.
///
/// Tombstones (entries whose remove stamp wins) are kept until they are causally stable:
/// `collect_garbage(stable)` may only be given a stamp below which every replica is known to
/// hold every write. It drops the tombstones older than that and remembers the bound
/// (`gc_below`, joined by max), so a stale add older than the bound, arriving late from a
/// replica that had not yet seen the remove, is recognised as already superseded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LwwSet<E: Ord> {
    entries: BTreeMap<E, Stamps>,
    gc_below: Option<Timestamp>,
}

impl<E: Ord> Default for LwwSet<E> {
    fn default() -> Self {
        LwwSet { entries: BTreeMap::new(), gc_below: None }
    }
}

impl Stamps {
    fn present(&self) -> bool {
        self.add > self.remove
    }

    fn newest(&self) -> Option<Timestamp> {
        self.add.max(self.remove)
    }
}

impl<E: Ord + Clone> LwwSet<E> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an add of `e` at `stamp` (keeps the greater of this and any earlier add).
    pub fn add(&mut self, e: E, stamp: Timestamp) {
        let s = self.entries.entry(e).or_default();
        s.add = s.add.max(Some(stamp));
    }

    /// Records a remove of `e` at `stamp` (keeps the greater of this and any earlier remove).
    pub fn remove(&mut self, e: E, stamp: Timestamp) {
        let s = self.entries.entry(e).or_default();
        s.remove = s.remove.max(Some(stamp));
    }

    /// The greatest stamp in the state. A replica merging this state should `observe` it on
    /// its `HlcClock`, so its next write is ordered after everything it has seen.
    pub fn max_stamp(&self) -> Option<Timestamp> {
        self.entries.values().flat_map(|s| [s.add, s.remove]).flatten().max()
    }

    /// The greatest stamp given to `collect_garbage` here or at any merged replica.
    pub fn gc_below(&self) -> Option<Timestamp> {
        self.gc_below
    }

    /// How many removed elements are still remembered as tombstones.
    pub fn tombstones(&self) -> usize {
        self.entries.values().filter(|s| !s.present()).count()
    }

    /// Whether some tombstone's stamps are all below `bound`.
    pub fn has_tombstone_below(&self, bound: Timestamp) -> bool {
        self.entries.values().any(|s| !s.present() && s.newest().is_some_and(|t| t < bound))
    }

    /// Drops the tombstones whose stamps are all below `stable`. Correct only if every
    /// replica is known to hold every write stamped below `stable` (causal stability);
    /// called with anything later, a replica that has not seen a remove resurrects it.
    pub fn collect_garbage(&mut self, stable: Timestamp) {
        self.gc_below = self.gc_below.max(Some(stable));
        self.drop_stable_tombstones();
    }

    /// The planted bug `crdt-tombstone-gc-early`: drops tombstones older than `before`
    /// without knowing every replica has seen them and without recording a bound, so a
    /// replica that still holds the add brings the element back on the next merge.
    pub fn forget_tombstones_before(&mut self, before: Timestamp) {
        self.entries.retain(|_, s| s.present() || s.newest().is_some_and(|t| t >= before));
    }

    fn drop_stable_tombstones(&mut self) {
        let Some(bound) = self.gc_below else { return };
        self.entries.retain(|_, s| s.present() || s.newest().is_some_and(|t| t >= bound));
        // A stamp below the bound that the entry's other stamp beats can never matter again
        // (stamps only grow); forgetting it keeps the state canonical whatever the merge
        // order, so converged replicas have equal digests.
        for s in self.entries.values_mut() {
            if s.remove < s.add && s.remove.is_some_and(|t| t < bound) {
                s.remove = None;
            }
            if s.add < s.remove && s.add.is_some_and(|t| t < bound) {
                s.add = None;
            }
        }
    }
}

impl<E: Ord + Clone + Serialize> SetCrdt<E> for LwwSet<E> {
    fn contains(&self, e: &E) -> bool {
        self.entries.get(e).is_some_and(Stamps::present)
    }

    fn elements(&self) -> BTreeSet<E> {
        self.entries.iter().filter(|(_, s)| s.present()).map(|(e, _)| e.clone()).collect()
    }

    fn merge(&mut self, other: &Self) {
        // An entry one side lacks although all its stamps are below that side's `gc_below`
        // was collected there: that side held every such write, so it was a tombstone.
        let collected = |bound: Option<Timestamp>, s: &Stamps| bound.is_some_and(|b| s.newest().is_some_and(|t| t < b));
        self.entries.retain(|e, s| other.entries.contains_key(e) || !collected(other.gc_below, s));
        for (e, theirs) in &other.entries {
            match self.entries.get_mut(e) {
                Some(mine) => {
                    mine.add = mine.add.max(theirs.add);
                    mine.remove = mine.remove.max(theirs.remove);
                }
                None if collected(self.gc_below, theirs) => {}
                None => {
                    self.entries.insert(e.clone(), *theirs);
                }
            }
        }
        self.gc_below = self.gc_below.max(other.gc_below);
        self.drop_stable_tombstones();
    }

    fn digest(&self) -> [u8; 32] {
        digest_of(&(&self.entries, &self.gc_below))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crdt::HlcClock;
    use crate::time::Time;

    /// A writes at local 1000; B, whose clock reads 500, merges A's state and then removes.
    /// B's remove is causally later, so it must win even though B's wall clock is behind.
    #[test]
    fn causally_later_remove_wins_despite_skewed_clock() {
        let (mut ca, mut cb) = (HlcClock::new(1), HlcClock::new(2));
        let (mut a, mut b) = (LwwSet::new(), LwwSet::new());
        a.add("alice->bob", ca.now(Time::from_micros(1_000)));

        b.merge(&a);
        cb.observe(a.max_stamp().unwrap(), Time::from_micros(500)).unwrap();
        let rm = cb.now(Time::from_micros(500));
        b.remove("alice->bob", rm);
        assert!(rm > a.max_stamp().unwrap());
        assert!(!b.contains(&"alice->bob"));

        a.merge(&b);
        assert!(!a.contains(&"alice->bob"));
        assert_eq!(a.digest(), b.digest());
    }

    /// Without observing, B's remove stamped at wall 500 loses to A's add at 1000: the
    /// anomaly the HLC exists to prevent.
    #[test]
    fn without_observe_the_skewed_remove_loses() {
        let (mut ca, mut cb) = (HlcClock::new(1), HlcClock::new(2));
        let (mut a, mut b) = (LwwSet::new(), LwwSet::new());
        a.add(7u32, ca.now(Time::from_micros(1_000)));
        b.merge(&a);
        b.remove(7, cb.now(Time::from_micros(500)));
        assert!(b.contains(&7));
    }

    /// After a tombstone is collected at a stable bound, a stale copy of the add (from a
    /// replica that had not seen the remove when it sent it) must not bring it back.
    #[test]
    fn collected_tombstone_does_not_resurrect_a_stale_add() {
        let (mut ca, mut cb) = (HlcClock::new(1), HlcClock::new(2));
        let mut a = LwwSet::new();
        a.add(5u8, ca.now(Time::from_micros(10)));
        let stale = a.clone();
        a.remove(5, ca.now(Time::from_micros(20)));
        let mut b = LwwSet::new();
        b.merge(&a);
        let other = cb.now(Time::from_micros(25));
        b.add(6, other);
        a.merge(&b);
        // Both hold every write below 30.
        let stable = Timestamp { wall_us: 30, logical: 0, replica: 0 };
        a.collect_garbage(stable);
        assert_eq!(a.tombstones(), 0);
        a.merge(&stale);
        assert!(!a.contains(&5));
        // The uncollected replica converges with the collected one either way round.
        let mut b2 = b.clone();
        b2.merge(&a);
        a.merge(&b);
        assert_eq!(a.digest(), b2.digest());
        assert_eq!(a.elements(), BTreeSet::from([6]));
    }

    /// Forgetting a tombstone without recording the bound (a grace period, as Cassandra
    /// does) while some replica still holds only the add: the removed element comes back.
    #[test]
    fn forgetting_tombstones_resurrects_a_removed_element() {
        let mut ca = HlcClock::new(1);
        let mut a = LwwSet::new();
        a.add(5u8, ca.now(Time::from_micros(10)));
        let b = a.clone();
        a.remove(5, ca.now(Time::from_micros(20)));
        a.forget_tombstones_before(Timestamp { wall_us: 30, logical: 0, replica: 0 });
        a.merge(&b);
        assert!(a.contains(&5));
    }

    #[test]
    fn remove_without_add_and_readd() {
        let mut c = HlcClock::new(1);
        let mut s = LwwSet::new();
        s.remove(1u8, c.now(Time::from_micros(1)));
        assert!(!s.contains(&1));
        s.add(1, c.now(Time::from_micros(2)));
        assert!(s.contains(&1));
        assert_eq!(s.elements(), BTreeSet::from([1]));
    }
}
