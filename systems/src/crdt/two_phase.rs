//! Two-phase set: a G-Set of adds plus a G-Set of tombstones. Removal is final.
use super::{digest_of, SetCrdt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A 2P-Set: once an element is removed on any replica it never returns, and adding it
/// again has no effect.
///
/// Invariant: `added` and `removed` are disjoint. A removed element is dropped from `added`
/// so the state is canonical (add-then-remove and remove-alone give equal digests) and the
/// tombstone is the only memory kept for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoPhaseSet<E: Ord> {
    added: BTreeSet<E>,
    removed: BTreeSet<E>,
}

impl<E: Ord> Default for TwoPhaseSet<E> {
    fn default() -> Self {
        TwoPhaseSet { added: BTreeSet::new(), removed: BTreeSet::new() }
    }
}

impl<E: Ord + Clone> TwoPhaseSet<E> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `e` unless it was ever removed; returns whether the set changed.
    pub fn add(&mut self, e: E) -> bool {
        if self.removed.contains(&e) {
            return false;
        }
        self.added.insert(e)
    }

    /// Removes `e` for good; returns whether it was present. The tombstone is recorded even
    /// if `e` was never seen here, so a concurrent add arriving later stays suppressed.
    pub fn remove(&mut self, e: E) -> bool {
        let was_present = self.added.remove(&e);
        self.removed.insert(e);
        was_present
    }

    /// Whether `e` has been removed (and so can never be added again).
    pub fn is_removed(&self, e: &E) -> bool {
        self.removed.contains(e)
    }
}

impl<E: Ord + Clone + Serialize> SetCrdt<E> for TwoPhaseSet<E> {
    fn contains(&self, e: &E) -> bool {
        self.added.contains(e)
    }

    fn elements(&self) -> BTreeSet<E> {
        self.added.clone()
    }

    fn merge(&mut self, other: &Self) {
        self.removed.extend(other.removed.iter().cloned());
        let removed = &self.removed;
        self.added.extend(other.added.iter().filter(|e| !removed.contains(e)).cloned());
        self.added.retain(|e| !removed.contains(e));
    }

    fn digest(&self) -> [u8; 32] {
        digest_of(&(&self.added, &self.removed))
    }
}
