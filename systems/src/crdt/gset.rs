//! Grow-only set: add only; merge is union.
use super::{digest_of, SetCrdt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A grow-only set. Elements can never be removed, which makes union a valid merge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GSet<E: Ord> {
    added: BTreeSet<E>,
}

impl<E: Ord> Default for GSet<E> {
    fn default() -> Self {
        GSet { added: BTreeSet::new() }
    }
}

impl<E: Ord + Clone> GSet<E> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `e`; returns whether it was new.
    pub fn add(&mut self, e: E) -> bool {
        self.added.insert(e)
    }
}

impl<E: Ord + Clone + Serialize> SetCrdt<E> for GSet<E> {
    fn contains(&self, e: &E) -> bool {
        self.added.contains(e)
    }

    fn elements(&self) -> BTreeSet<E> {
        self.added.clone()
    }

    fn merge(&mut self, other: &Self) {
        self.added.extend(other.added.iter().cloned());
    }

    fn digest(&self) -> [u8; 32] {
        digest_of(&self.added)
    }
}
