//! Add-wins observed-remove set (the optimized OR-Set of Bieniusa et al. 2012) with a causal
//! context instead of tombstones, plus deltas computed against a peer's version vector.
use super::causal::{CausalContext, Dot, DotRanges, InvalidState, VersionVector};
use super::{digest_of, ReplicaId, SetCrdt};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a peer whose context covers `base` needs to reach `merge`'s result: the live dots it
/// may lack, the sender's causal context, and which already-known dots the sender removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrSetDelta<E: Ord> {
    /// The version vector the delta was computed against.
    pub base: VersionVector,
    /// The sender's live dots not covered by `base`.
    pub entries: BTreeMap<E, BTreeSet<Dot>>,
    /// The sender's whole causal context (small: a vector plus a usually empty cloud).
    pub context: CausalContext,
    /// Dots covered by `base` that the sender has seen and no longer holds (removed). There
    /// are no tombstones, so this is computed on demand as the gaps between live dots.
    pub removed: DotRanges,
}

impl<E: Ord> OrSetDelta<E> {
    /// The same invariants as `OrSet::validate`, for a delta from a peer: merging one whose
    /// entries hold a dot its context lacks would leave this replica's state invalid.
    pub fn validate(&self) -> Result<(), InvalidState> {
        validate_entries(&self.entries, &self.context)
    }
}

/// The context is canonical, every live dot is in it, no element has an empty dot set, no
/// dot has counter 0 or names two elements.
fn validate_entries<E>(entries: &BTreeMap<E, BTreeSet<Dot>>, ctx: &CausalContext) -> Result<(), InvalidState> {
    ctx.validate()?;
    let mut seen = BTreeSet::new();
    for dots in entries.values() {
        if dots.is_empty() {
            return Err(InvalidState::EmptyDotSet);
        }
        for d in dots {
            if d.counter == 0 {
                return Err(InvalidState::ZeroCounter(*d));
            }
            if !ctx.contains(d) {
                return Err(InvalidState::LiveDotNotInContext(*d));
            }
            if !seen.insert(*d) {
                return Err(InvalidState::DotReused(*d));
            }
        }
    }
    Ok(())
}

/// A delta was computed against a version vector this replica does not cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaleDeltaBase;

impl std::fmt::Display for StaleDeltaBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OR-Set delta base is not covered by this replica's causal context")
    }
}

impl std::error::Error for StaleDeltaBase {}

/// An add-wins OR-Set replica. Concurrent add and remove of an element: the add survives,
/// because the remove only covers dots it observed.
///
/// Invariant: every live dot is in `ctx`; no element maps to an empty dot set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrSet<E: Ord> {
    replica: ReplicaId,
    /// The counter for the next local add; local metadata, so not part of the digest.
    next: u64,
    entries: BTreeMap<E, BTreeSet<Dot>>,
    ctx: CausalContext,
}

impl<E: Ord + Clone> OrSet<E> {
    /// An empty replica `replica`.
    pub fn new(replica: ReplicaId) -> Self {
        OrSet { replica, next: 1, entries: BTreeMap::new(), ctx: CausalContext::default() }
    }

    /// This replica's id.
    pub fn replica(&self) -> ReplicaId {
        self.replica
    }

    /// Adds `e` with a fresh dot, superseding the dots of `e` seen so far (they stay in the
    /// context, so peers drop them on merge); returns the new dot.
    pub fn add(&mut self, e: E) -> Dot {
        let dot = Dot { replica: self.replica, counter: self.next_counter() };
        self.next = dot.counter.saturating_add(1);
        self.ctx.insert(dot);
        self.entries.insert(e, BTreeSet::from([dot]));
        dot
    }

    /// Removes `e` by dropping every dot of it this replica has observed; concurrent adds
    /// elsewhere have dots outside our context and survive the merge. Returns whether `e`
    /// was present.
    pub fn remove(&mut self, e: &E) -> bool {
        self.entries.remove(e).is_some()
    }

    /// Adds `e` with the caller's `counter` instead of this replica's own. Only the planted
    /// bug `crdt-dot-counter-not-persisted` uses it, with a counter that restarts at 1 after
    /// every boot: a reused dot is already in the peers' contexts, so the add is lost.
    pub fn add_with_counter(&mut self, e: E, counter: u64) -> Dot {
        let dot = Dot { replica: self.replica, counter: counter.max(1) };
        self.next = self.next.max(dot.counter.saturating_add(1));
        self.ctx.insert(dot);
        self.entries.insert(e, BTreeSet::from([dot]));
        dot
    }

    /// The planted bug `crdt-orset-remove-unobserved`: removes `e` and also marks as seen
    /// the next dot of every other replica it knows, dots it has never observed. Whatever
    /// that replica adds with it concurrently is deleted everywhere on merge.
    pub fn remove_claiming_unseen(&mut self, e: &E) -> bool {
        let next: Vec<Dot> = self
            .ctx
            .version_vector()
            .iter()
            .filter(|&(r, _)| r != self.replica)
            .map(|(r, _)| Dot { replica: r, counter: self.ctx.max_counter(r).saturating_add(1) })
            .collect();
        for d in next {
            self.ctx.insert(d);
        }
        self.remove(e)
    }

    /// The counter the next `add` will use. Persist it (after each add, before the add's
    /// state leaves this replica) so a restart can `restore_counter` and never reuse a dot.
    pub fn next_counter(&self) -> u64 {
        self.next.max(self.ctx.max_counter(self.replica).saturating_add(1))
    }

    /// After a restart from older (or no) state, ensures the next add uses at least
    /// `next`, the value last persisted from `next_counter`.
    pub fn restore_counter(&mut self, next: u64) {
        self.next = self.next.max(next);
    }

    /// The live dots of `e` (empty if absent); more than one after concurrent adds.
    pub fn dots_of(&self, e: &E) -> impl Iterator<Item = &Dot> + '_ {
        self.entries.get(e).into_iter().flatten()
    }

    /// The contiguous prefix of seen dots; send it to a peer so it can compute `delta_since`.
    pub fn version_vector(&self) -> &VersionVector {
        self.ctx.version_vector()
    }

    /// Every dot this replica has seen.
    pub fn context(&self) -> &CausalContext {
        &self.ctx
    }

    /// Checks the invariants `merge` relies on: the context is canonical
    /// (`CausalContext::validate`), every live dot is in it, no element has an empty dot set,
    /// and no dot names two elements. Call it on a state deserialized from disk or a peer
    /// before merging it: a corrupt context would silently delete or resurrect elements.
    pub fn validate(&self) -> Result<(), InvalidState> {
        validate_entries(&self.entries, &self.ctx)
    }

    /// The delta a peer needs, given `base`, a version vector the peer's context covers
    /// (its current one, or any older one). `merge_delta` of it gives exactly `merge`.
    pub fn delta_since(&self, base: &VersionVector) -> OrSetDelta<E> {
        let mut entries = BTreeMap::new();
        let mut live: BTreeMap<ReplicaId, BTreeSet<u64>> = BTreeMap::new();
        for (e, dots) in &self.entries {
            let lacking: BTreeSet<Dot> = dots.iter().filter(|d| !base.covers(d)).copied().collect();
            if !lacking.is_empty() {
                entries.insert(e.clone(), lacking);
            }
            for d in dots {
                live.entry(d.replica).or_default().insert(d.counter);
            }
        }
        let mut removed = DotRanges::default();
        let none = BTreeSet::new();
        for (r, limit) in base.iter() {
            let live_r = live.get(&r).unwrap_or(&none);
            // Seen-but-dead dots in the prefix are the gaps between live counters.
            let prefix = limit.min(self.ctx.vv.get(r));
            let mut from = 1;
            for &c in live_r.range(..=prefix) {
                if c > from {
                    removed.push(r, from, c - 1);
                }
                from = c + 1;
            }
            if from <= prefix {
                removed.push(r, from, prefix);
            }
            // Cloud dots lie beyond the prefix, so pushing them keeps the ranges ordered.
            let cloud = Dot { replica: r, counter: 0 }..=Dot { replica: r, counter: limit };
            for d in self.ctx.cloud.range(cloud) {
                if !live_r.contains(&d.counter) {
                    removed.push(r, d.counter, d.counter);
                }
            }
        }
        OrSetDelta { base: base.clone(), entries, context: self.ctx.clone(), removed }
    }

    /// Applies a delta from `delta_since`, giving exactly the state `merge` would. Refused,
    /// leaving the state untouched, if this replica's context does not cover the delta's
    /// `base`: the delta omits the sender's dots below `base`, so applying it would lose
    /// them. That happens when `base` predates a restart from older state; the caller
    /// should then ask for a delta against its current vector (or the full state).
    pub fn merge_delta(&mut self, delta: &OrSetDelta<E>) -> Result<(), StaleDeltaBase> {
        // A context covers a vector iff its own prefix does: compaction leaves no cloud dot
        // that could fill a prefix gap.
        if delta.base.iter().any(|(r, n)| n > self.ctx.version_vector().get(r)) {
            return Err(StaleDeltaBase);
        }
        self.entries.retain(|e, dots| {
            dots.retain(|d| {
                if delta.base.covers(d) {
                    !delta.removed.contains(d)
                } else if delta.context.contains(d) {
                    // The sender saw this dot and sent every live dot beyond `base`.
                    delta.entries.get(e).is_some_and(|s| s.contains(d))
                } else {
                    true
                }
            });
            !dots.is_empty()
        });
        self.absorb(&delta.entries, &delta.context);
        Ok(())
    }

    /// Adds the other side's dots we have not seen, then joins the contexts. Dots we saw
    /// and no longer hold were removed here, so they stay out.
    fn absorb(&mut self, entries: &BTreeMap<E, BTreeSet<Dot>>, ctx: &CausalContext) {
        for (e, dots) in entries {
            for d in dots {
                if !self.ctx.contains(d) {
                    self.entries.entry(e.clone()).or_default().insert(*d);
                }
            }
        }
        // Our own later dots learnt here (after a restart from old state) move the counter
        // past them: `next_counter` reads the context.
        self.ctx.join(ctx);
    }
}

impl<E: Ord + Clone + Serialize> SetCrdt<E> for OrSet<E> {
    fn contains(&self, e: &E) -> bool {
        self.entries.contains_key(e)
    }

    fn elements(&self) -> BTreeSet<E> {
        self.entries.keys().cloned().collect()
    }

    fn merge(&mut self, other: &Self) {
        // Keep our dot if the other holds it too, or has never seen it (so did not remove it).
        self.entries.retain(|e, dots| {
            dots.retain(|d| other.entries.get(e).is_some_and(|s| s.contains(d)) || !other.ctx.contains(d));
            !dots.is_empty()
        });
        self.absorb(&other.entries, &other.ctx);
    }

    /// Covers the elements with their dots and the causal context, not the replica id or the
    /// counter: those are local, and converged replicas must compare equal.
    fn digest(&self) -> [u8; 32] {
        digest_of(&(&self.entries, &self.ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes `s` as it would be persisted or sent, and decodes it back: postcard accepts
    /// any structurally well-formed state, so only `validate` catches broken invariants.
    fn round_trip(s: &OrSet<u8>) -> OrSet<u8> {
        let bytes = postcard::to_allocvec(s).unwrap();
        postcard::from_bytes(&bytes).unwrap()
    }

    fn sample() -> OrSet<u8> {
        let mut a = OrSet::new(1);
        let mut b = OrSet::new(2);
        a.add(1);
        a.add(2);
        b.add(2);
        b.add(3);
        a.merge(&b);
        a.remove(&3);
        a
    }

    #[test]
    fn validate_accepts_states_built_by_operations() {
        let s = sample();
        assert_eq!(round_trip(&s).validate(), Ok(()));
        assert_eq!(OrSet::<u8>::new(4).validate(), Ok(()));
    }

    /// Found by the `replicas` fuzz target: a delta whose entries hold a dot its context
    /// lacks must be refused, since merging it would leave the receiver invalid.
    #[test]
    fn a_delta_with_a_live_dot_outside_its_context_is_invalid() {
        let s = sample();
        let mut delta = s.delta_since(&VersionVector::new());
        assert_eq!(delta.validate(), Ok(()));
        delta.entries.entry(9).or_default().insert(Dot { replica: 0, counter: 3 });
        assert_eq!(delta.validate(), Err(InvalidState::LiveDotNotInContext(Dot { replica: 0, counter: 3 })));
        let mut merged = OrSet::new(5);
        merged.merge_delta(&delta).unwrap();
        assert!(merged.validate().is_err(), "what the replica now refuses to merge");
    }

    #[test]
    fn validate_rejects_corrupted_deserialized_states() {
        let d = |replica, counter| Dot { replica, counter };
        type Corrupt = fn(&mut OrSet<u8>);
        let cases: [(Corrupt, InvalidState); 5] = [
            // A live dot the context has never seen (e.g. a truncated context).
            (
                |s| {
                    s.entries.get_mut(&1).unwrap().insert(Dot { replica: 9, counter: 1 });
                },
                InvalidState::LiveDotNotInContext(d(9, 1)),
            ),
            // An element with no dots.
            (
                |s| {
                    s.entries.insert(7, BTreeSet::new());
                },
                InvalidState::EmptyDotSet,
            ),
            // The same dot naming two elements.
            (
                |s| {
                    let dot = *s.entries[&1].iter().next().unwrap();
                    s.entries.get_mut(&2).unwrap().insert(dot);
                },
                InvalidState::DotReused(d(1, 1)),
            ),
            // An uncompacted context: a prefix-extending dot left in the cloud.
            (
                |s| {
                    let next = s.ctx.vv.get(1) + 1;
                    s.ctx.cloud.insert(Dot { replica: 1, counter: next });
                },
                InvalidState::NotCompacted(d(1, 3)),
            ),
            // A dot with counter 0 in the entries (and, to get past the context check,
            // nowhere else).
            (
                |s| {
                    s.entries.insert(8, BTreeSet::from([Dot { replica: 1, counter: 0 }]));
                },
                InvalidState::ZeroCounter(d(1, 0)),
            ),
        ];
        for (corrupt, want) in cases {
            let mut s = sample();
            corrupt(&mut s);
            assert_eq!(round_trip(&s).validate(), Err(want), "{s:?}");
        }
    }
}
