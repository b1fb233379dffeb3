//! Causal bookkeeping for the OR-Set: dots, version vectors, causal contexts (vector plus dot
//! cloud) and compact dot ranges.
use super::ReplicaId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A unique add event: the `counter`-th add made by `replica` (counters start at 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dot {
    /// The replica that made the add.
    pub replica: ReplicaId,
    /// That replica's add counter.
    pub counter: u64,
}

/// Why a causal context or OR-Set state (e.g. one just deserialized from disk or a peer)
/// breaks an invariant the merge relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidState {
    /// A version vector stores a zero entry, so equal knowledge could encode differently.
    ZeroVectorEntry(ReplicaId),
    /// A dot has counter 0; counters start at 1.
    ZeroCounter(Dot),
    /// A cloud dot lies inside or right after the vector's prefix: the context is not
    /// compacted, so it is not canonical and `merge_delta`'s coverage test would misjudge it.
    NotCompacted(Dot),
    /// A live dot is missing from the causal context.
    LiveDotNotInContext(Dot),
    /// An element maps to an empty dot set.
    EmptyDotSet,
    /// One dot names two different elements.
    DotReused(Dot),
}

impl std::fmt::Display for InvalidState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid CRDT state: {self:?}")
    }
}

impl std::error::Error for InvalidState {}

/// For each replica, the highest counter `n` such that dots `1..=n` have all been seen.
/// Zero entries are never stored, so equal knowledge gives equal encodings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionVector(BTreeMap<ReplicaId, u64>);

impl VersionVector {
    /// The empty vector (has seen nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// The contiguous prefix seen from `replica`.
    pub fn get(&self, replica: ReplicaId) -> u64 {
        self.0.get(&replica).copied().unwrap_or(0)
    }

    /// Whether `dot` lies in the seen prefix.
    pub fn covers(&self, dot: &Dot) -> bool {
        dot.counter <= self.get(dot.replica)
    }

    /// Pointwise maximum.
    pub fn join(&mut self, other: &VersionVector) {
        for (&r, &n) in &other.0 {
            self.raise(r, n);
        }
    }

    /// The `(replica, prefix)` pairs, in replica order.
    pub fn iter(&self) -> impl Iterator<Item = (ReplicaId, u64)> + '_ {
        self.0.iter().map(|(&r, &n)| (r, n))
    }

    /// Pointwise minimum: a base that both vectors cover.
    pub fn meet(&self, other: &VersionVector) -> VersionVector {
        self.iter().map(|(r, n)| (r, n.min(other.get(r)))).collect()
    }

    fn raise(&mut self, replica: ReplicaId, n: u64) {
        if n > self.get(replica) {
            self.0.insert(replica, n);
        }
    }
}

impl FromIterator<(ReplicaId, u64)> for VersionVector {
    /// Takes the maximum per replica; zeros are dropped to keep the encoding canonical.
    fn from_iter<I: IntoIterator<Item = (ReplicaId, u64)>>(iter: I) -> Self {
        let mut vv = VersionVector::new();
        for (r, n) in iter {
            vv.raise(r, n);
        }
        vv
    }
}

/// Every dot a state has seen (added, whether or not since removed): a version vector plus a
/// "dot cloud" of seen dots beyond the contiguous prefix. The cloud is needed because a
/// replica can know a dot without its predecessors, e.g. after restoring its own counter past
/// adds it lost in a crash. Kept compacted, so it is canonical.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CausalContext {
    pub(super) vv: VersionVector,
    pub(super) cloud: BTreeSet<Dot>,
}

impl CausalContext {
    /// The contiguous prefix part.
    pub fn version_vector(&self) -> &VersionVector {
        &self.vv
    }

    /// Whether `dot` has been seen.
    pub fn contains(&self, dot: &Dot) -> bool {
        self.vv.covers(dot) || self.cloud.contains(dot)
    }

    /// The highest counter seen from `replica` (0 if none).
    pub fn max_counter(&self, replica: ReplicaId) -> u64 {
        let in_cloud = self
            .cloud
            .range(Dot { replica, counter: 0 }..=Dot { replica, counter: u64::MAX })
            .next_back()
            .map_or(0, |d| d.counter);
        self.vv.get(replica).max(in_cloud)
    }

    /// Checks the context is canonical: no zero vector entries, no zero counters, and the
    /// cloud compacted (every cloud dot beyond its replica's prefix plus one). Call it on a
    /// deserialized context before use; every context built by this module passes.
    pub fn validate(&self) -> Result<(), InvalidState> {
        if let Some((r, _)) = self.vv.iter().find(|&(_, n)| n == 0) {
            return Err(InvalidState::ZeroVectorEntry(r));
        }
        for d in &self.cloud {
            if d.counter == 0 {
                return Err(InvalidState::ZeroCounter(*d));
            }
            if d.counter <= self.vv.get(d.replica).saturating_add(1) {
                return Err(InvalidState::NotCompacted(*d));
            }
        }
        Ok(())
    }

    pub(super) fn insert(&mut self, dot: Dot) {
        self.cloud.insert(dot);
        self.compact();
    }

    pub(super) fn join(&mut self, other: &CausalContext) {
        self.vv.join(&other.vv);
        self.cloud.extend(other.cloud.iter().copied());
        self.compact();
    }

    /// Folds cloud dots that extend (or fall inside) the prefix into the vector. One pass
    /// suffices: the cloud is ordered by (replica, counter), so each replica's dots come in
    /// increasing order and a newly absorbed dot can only enable the next one.
    fn compact(&mut self) {
        let vv = &mut self.vv;
        self.cloud.retain(|d| {
            let have = vv.get(d.replica);
            if d.counter <= have.saturating_add(1) {
                vv.raise(d.replica, d.counter);
                false
            } else {
                true
            }
        });
    }
}

/// Sorted, disjoint, inclusive counter ranges per replica: a compact set of dots.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DotRanges(BTreeMap<ReplicaId, Vec<(u64, u64)>>);

impl DotRanges {
    /// Whether `dot` is in one of the ranges.
    pub fn contains(&self, dot: &Dot) -> bool {
        let Some(ranges) = self.0.get(&dot.replica) else {
            return false;
        };
        // The last range starting at or before the counter is the only candidate.
        let i = ranges.partition_point(|&(lo, _)| lo <= dot.counter);
        i > 0 && dot.counter <= ranges[i - 1].1
    }

    /// Appends `lo..=hi`; callers push in increasing order per replica.
    pub(super) fn push(&mut self, replica: ReplicaId, lo: u64, hi: u64) {
        let ranges = self.0.entry(replica).or_default();
        match ranges.last_mut() {
            Some(last) if last.1.saturating_add(1) >= lo => last.1 = last.1.max(hi),
            _ => ranges.push((lo, hi)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(replica: ReplicaId, counter: u64) -> Dot {
        Dot { replica, counter }
    }

    #[test]
    fn context_is_canonical_whatever_the_insertion_order() {
        let (mut a, mut b) = (CausalContext::default(), CausalContext::default());
        for c in [3, 1, 5, 2] {
            a.insert(dot(1, c));
        }
        for c in [5, 2, 3, 1] {
            b.insert(dot(1, c));
        }
        assert_eq!(a, b);
        assert_eq!(a.vv.get(1), 3);
        assert_eq!(a.cloud, BTreeSet::from([dot(1, 5)]));
        assert_eq!(a.max_counter(1), 5);
        assert!(a.contains(&dot(1, 5)) && !a.contains(&dot(1, 4)));
        a.insert(dot(1, 4));
        assert!(a.cloud.is_empty() && a.vv.get(1) == 5);
    }

    #[test]
    fn dot_ranges_merge_adjacent_and_answer_membership() {
        let mut r = DotRanges::default();
        r.push(7, 1, 2);
        r.push(7, 3, 3);
        r.push(7, 6, 9);
        assert_eq!(r.0[&7], vec![(1, 3), (6, 9)]);
        for (c, want) in [(0, false), (1, true), (3, true), (4, false), (6, true), (9, true), (10, false)] {
            assert_eq!(r.contains(&dot(7, c)), want, "counter {c}");
        }
        assert!(!r.contains(&dot(8, 1)));
    }

    #[test]
    fn validate_rejects_uncompacted_or_zero_contexts() {
        let mut ok = CausalContext::default();
        for c in [1, 2, 5] {
            ok.insert(dot(1, c));
        }
        assert_eq!(ok.validate(), Ok(()));

        // A dot that extends the prefix left in the cloud: not compacted.
        let mut bad = ok.clone();
        bad.cloud.insert(dot(1, 3));
        assert_eq!(bad.validate(), Err(InvalidState::NotCompacted(dot(1, 3))));
        // A dot already inside the prefix, duplicated in the cloud.
        let mut bad = ok.clone();
        bad.cloud.insert(dot(1, 1));
        assert_eq!(bad.validate(), Err(InvalidState::NotCompacted(dot(1, 1))));
        // A dot with counter 0.
        let mut bad = ok.clone();
        bad.cloud.insert(dot(7, 0));
        assert_eq!(bad.validate(), Err(InvalidState::ZeroCounter(dot(7, 0))));
        // A zero vector entry, which `FromIterator` and `raise` never store.
        let mut bad = ok;
        bad.vv.0.insert(9, 0);
        assert_eq!(bad.validate(), Err(InvalidState::ZeroVectorEntry(9)));
    }

    #[test]
    fn zero_entries_are_not_stored() {
        let vv: VersionVector = [(1, 0), (2, 3), (2, 1)].into_iter().collect();
        assert_eq!(vv, [(2, 3)].into_iter().collect());
        assert_eq!(vv.meet(&VersionVector::new()), VersionVector::new());
    }
}
