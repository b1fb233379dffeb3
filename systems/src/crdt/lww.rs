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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LwwSet<E: Ord> {
    entries: BTreeMap<E, Stamps>,
}

impl<E: Ord> Default for LwwSet<E> {
    fn default() -> Self {
        LwwSet { entries: BTreeMap::new() }
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
}

impl<E: Ord + Clone + Serialize> SetCrdt<E> for LwwSet<E> {
    fn contains(&self, e: &E) -> bool {
        self.entries.get(e).is_some_and(|s| s.add > s.remove)
    }

    fn elements(&self) -> BTreeSet<E> {
        self.entries.iter().filter(|(_, s)| s.add > s.remove).map(|(e, _)| e.clone()).collect()
    }

    fn merge(&mut self, other: &Self) {
        for (e, theirs) in &other.entries {
            let mine = self.entries.entry(e.clone()).or_default();
            mine.add = mine.add.max(theirs.add);
            mine.remove = mine.remove.max(theirs.remove);
        }
    }

    fn digest(&self) -> [u8; 32] {
        digest_of(&self.entries)
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
