//! Semilattice laws for every set CRDT, on states reached by random operation sequences on
//! three replicas with random interleaved merges; plus the OR-Set's delta/full equivalence
//! and the semantics each type promises.
use crate::crdt::{Dot, GSet, HlcClock, LwwSet, OrSet, SetCrdt, StaleDeltaBase, TwoPhaseSet, VersionVector};
use crate::time::Time;
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, BTreeSet};

const REPLICAS: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    /// Replica adds element at its local time (which may jump back).
    Add(usize, u8, u64),
    Remove(usize, u8, u64),
    /// `to` merges `from`'s state; the flag picks the OR-Set's delta path.
    Merge {
        from: usize,
        to: usize,
        delta: bool,
    },
    /// The replica crashes and comes back from an older snapshot of itself.
    Restart(usize, Index),
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..REPLICAS;
    // Few elements so adds and removes collide; local times spread so clocks go back.
    prop_oneof![
        3 => (r.clone(), 0..4u8, 0..2_000u64).prop_map(|(r, e, t)| Op::Add(r, e, t)),
        2 => (r.clone(), 0..4u8, 0..2_000u64).prop_map(|(r, e, t)| Op::Remove(r, e, t)),
        3 => (r.clone(), r.clone(), any::<bool>())
            .prop_map(|(from, to, delta)| Op::Merge { from, to, delta }),
        1 => (r, any::<Index>()).prop_map(|(r, i)| Op::Restart(r, i)),
    ]
}

/// A replica of one CRDT type plus whatever local machinery its operations need.
trait Model: Clone {
    type S: SetCrdt<u8> + Clone + std::fmt::Debug;
    fn new(id: u64) -> Self;
    fn add(&mut self, e: u8, local: u64);
    fn remove(&mut self, e: u8, local: u64);
    fn merge_from(&mut self, other: &Self, _delta: bool) {
        let s = other.state().clone();
        SetCrdt::merge(self.state_mut(), &s);
    }
    /// Come back from `older`; types without local metadata just lose their recent updates
    /// (peers still hold whatever was shared), which merges repair.
    fn restart(&mut self, older: &Self) {
        *self = older.clone();
    }
    fn state(&self) -> &Self::S;
    fn state_mut(&mut self) -> &mut Self::S;
}

#[derive(Clone)]
struct G(GSet<u8>);
impl Model for G {
    type S = GSet<u8>;
    fn new(_: u64) -> Self {
        G(GSet::new())
    }
    fn add(&mut self, e: u8, _: u64) {
        self.0.add(e);
    }
    fn remove(&mut self, _: u8, _: u64) {}
    fn state(&self) -> &Self::S {
        &self.0
    }
    fn state_mut(&mut self) -> &mut Self::S {
        &mut self.0
    }
}

#[derive(Clone)]
struct P(TwoPhaseSet<u8>);
impl Model for P {
    type S = TwoPhaseSet<u8>;
    fn new(_: u64) -> Self {
        P(TwoPhaseSet::new())
    }
    fn add(&mut self, e: u8, _: u64) {
        self.0.add(e);
    }
    fn remove(&mut self, e: u8, _: u64) {
        self.0.remove(e);
    }
    fn state(&self) -> &Self::S {
        &self.0
    }
    fn state_mut(&mut self) -> &mut Self::S {
        &mut self.0
    }
}

#[derive(Clone)]
struct L(LwwSet<u8>, HlcClock);
impl Model for L {
    type S = LwwSet<u8>;
    fn new(id: u64) -> Self {
        L(LwwSet::new(), HlcClock::new(id))
    }
    fn add(&mut self, e: u8, local: u64) {
        let s = self.1.now(Time::from_micros(local));
        self.0.add(e, s);
    }
    fn remove(&mut self, e: u8, local: u64) {
        let s = self.1.now(Time::from_micros(local));
        self.0.remove(e, s);
    }
    fn merge_from(&mut self, other: &Self, _: bool) {
        self.0.merge(&other.0);
        if let Some(s) = other.0.max_stamp() {
            // Local time is irrelevant to the laws; zero exercises the "clock behind" path.
            // Stamps stay below 2 ms, far inside the default 60 s offset bound.
            self.1.observe(s, Time::ZERO).expect("stamps within the offset bound");
        }
    }
    fn restart(&mut self, older: &Self) {
        // The clock's last stamp is persisted with the state it stamped; restoring an older
        // state with its older clock could reissue a stamp, so keep the clock's knowledge.
        let clock = self.1.clone();
        *self = older.clone();
        self.1.restore(clock.last());
    }
    fn state(&self) -> &Self::S {
        &self.0
    }
    fn state_mut(&mut self) -> &mut Self::S {
        &mut self.0
    }
}

#[derive(Clone)]
struct O(OrSet<u8>);
impl Model for O {
    type S = OrSet<u8>;
    fn new(id: u64) -> Self {
        O(OrSet::new(id))
    }
    fn add(&mut self, e: u8, _: u64) {
        self.0.add(e);
    }
    fn remove(&mut self, e: u8, _: u64) {
        self.0.remove(&e);
    }
    fn merge_from(&mut self, other: &Self, delta: bool) {
        if delta {
            self.0
                .merge_delta(&other.0.delta_since(self.0.version_vector()))
                .expect("a delta against our own current vector applies");
        } else {
            self.0.merge(&other.0);
        }
    }
    fn restart(&mut self, older: &Self) {
        // The persisted counter survives the crash even though recent state does not.
        let persisted = self.0.next_counter();
        *self = older.clone();
        self.0.restore_counter(persisted);
    }
    fn state(&self) -> &Self::S {
        &self.0
    }
    fn state_mut(&mut self) -> &mut Self::S {
        &mut self.0
    }
}

/// The textbook OR-Set, kept as an oracle: every add's (element, dot) forever, plus a
/// tombstone per removed dot; merge is plain union. Obviously correct, unboundedly large.
#[derive(Clone, Default)]
struct Spec {
    adds: BTreeSet<(u8, Dot)>,
    tombs: BTreeSet<Dot>,
}

impl Spec {
    fn elements(&self) -> BTreeSet<u8> {
        self.adds.iter().filter(|(_, d)| !self.tombs.contains(d)).map(|(e, _)| *e).collect()
    }
}

/// The optimized OR-Set run in lockstep with the oracle (same dots, same merges).
#[derive(Clone)]
struct Paired(O, Spec);
impl Model for Paired {
    type S = OrSet<u8>;
    fn new(id: u64) -> Self {
        Paired(O::new(id), Spec::default())
    }
    fn add(&mut self, e: u8, _: u64) {
        let dot = self.0 .0.add(e);
        self.1.adds.insert((e, dot));
    }
    fn remove(&mut self, e: u8, _: u64) {
        self.0 .0.remove(&e);
        // Tombstone exactly the dots of `e` this replica observes as live.
        let live: Vec<Dot> =
            self.1.adds.iter().filter(|(x, d)| *x == e && !self.1.tombs.contains(d)).map(|(_, d)| *d).collect();
        self.1.tombs.extend(live);
    }
    fn merge_from(&mut self, other: &Self, delta: bool) {
        self.0.merge_from(&other.0, delta);
        self.1.adds.extend(other.1.adds.iter().copied());
        self.1.tombs.extend(other.1.tombs.iter().copied());
    }
    fn restart(&mut self, older: &Self) {
        // The oracle rolls back with the replica; only the persisted counter survives.
        let spec = older.1.clone();
        self.0.restart(&older.0);
        self.1 = spec;
    }
    fn state(&self) -> &Self::S {
        &self.0 .0
    }
    fn state_mut(&mut self) -> &mut Self::S {
        &mut self.0 .0
    }
}

/// Runs `ops`; returns every state any replica passed through, tagged with the replica.
fn run<M: Model>(ops: &[Op]) -> Vec<(usize, M)> {
    let mut reps: Vec<M> = (0..REPLICAS).map(|i| M::new(i as u64 + 1)).collect();
    let mut history: Vec<(usize, M)> = reps.iter().cloned().enumerate().collect();
    for op in ops {
        let touched = match *op {
            Op::Add(r, e, t) => {
                reps[r].add(e, t);
                r
            }
            Op::Remove(r, e, t) => {
                reps[r].remove(e, t);
                r
            }
            Op::Merge { from, to, delta } => {
                let other = reps[from].clone();
                reps[to].merge_from(&other, delta);
                to
            }
            Op::Restart(r, i) => {
                let own: Vec<&M> = history.iter().filter(|(o, _)| *o == r).map(|(_, m)| m).collect();
                let older = own[i.index(own.len())].clone();
                reps[r].restart(&older);
                r
            }
        };
        history.push((touched, reps[touched].clone()));
    }
    history
}

fn merged<S: SetCrdt<u8> + Clone>(a: &S, b: &S) -> S {
    let mut m = a.clone();
    m.merge(b);
    m
}

fn assert_same<S: SetCrdt<u8> + std::fmt::Debug>(x: &S, y: &S, law: &str) {
    assert_eq!(x.elements(), y.elements(), "{law}: elements differ\n{x:?}\n{y:?}");
    assert_eq!(x.digest(), y.digest(), "{law}: digests differ\n{x:?}\n{y:?}");
}

/// Commutativity, associativity and idempotence on three states from the history, then
/// convergence: all final replicas merged in two different orders agree.
fn check_laws<M: Model>(ops: &[Op], picks: [Index; 3]) {
    let history = run::<M>(ops);
    let [a, b, c] = picks.map(|i| history[i.index(history.len())].1.state().clone());
    assert_same(&merged(&a, &b), &merged(&b, &a), "commutative");
    assert_same(&merged(&merged(&a, &b), &c), &merged(&a, &merged(&b, &c)), "associative");
    assert_same(&merged(&a, &a), &a, "idempotent");
    assert_same(&merged(&merged(&a, &b), &b), &merged(&a, &b), "idempotent (absorbs)");

    let finals: Vec<M::S> =
        (0..REPLICAS).map(|r| history.iter().rev().find(|(o, _)| *o == r).unwrap().1.state().clone()).collect();
    let forward = finals.iter().skip(1).fold(finals[0].clone(), |m, s| merged(&m, s));
    let backward = finals.iter().rev().skip(1).fold(finals[REPLICAS - 1].clone(), |m, s| merged(&m, s));
    assert_same(&forward, &backward, "convergence");
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 0..100)
}

proptest! {
    // No regression files: failures print the minimal case, as elsewhere in the repo.
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn gset_laws(ops in ops(), picks in any::<[Index; 3]>()) {
        check_laws::<G>(&ops, picks);
    }

    #[test]
    fn two_phase_laws(ops in ops(), picks in any::<[Index; 3]>()) {
        check_laws::<P>(&ops, picks);
    }

    #[test]
    fn lww_laws(ops in ops(), picks in any::<[Index; 3]>()) {
        check_laws::<L>(&ops, picks);
    }

    #[test]
    fn orset_laws(ops in ops(), picks in any::<[Index; 3]>()) {
        check_laws::<O>(&ops, picks);
    }

    /// Merging `b.delta_since(base)` into `a` gives the same state as merging `b`, for `base`
    /// = `a`'s vector and for an older base (a meet with another state's vector).
    #[test]
    fn orset_delta_equals_full_merge(ops in ops(), picks in any::<[Index; 3]>()) {
        let history = run::<O>(&ops);
        let [a, b, c] = picks.map(|i| history[i.index(history.len())].1 .0.clone());
        let full = merged(&a, &b);
        for base in [a.version_vector().clone(), a.version_vector().meet(c.version_vector()), VersionVector::new()] {
            let delta = b.delta_since(&base);
            let mut via_delta = a.clone();
            prop_assert_eq!(via_delta.merge_delta(&delta), Ok(()));
            prop_assert_eq!(&via_delta, &full, "base {:?} delta {:?}", base, delta);
            prop_assert_eq!(via_delta.digest(), full.digest());
        }
    }

    /// The optimized OR-Set agrees with the tombstone oracle on every replica at every step:
    /// add-wins, observed-remove semantics hold, not just the lattice laws.
    #[test]
    fn orset_matches_tombstone_oracle(ops in ops()) {
        for (r, m) in run::<Paired>(&ops) {
            prop_assert_eq!(m.0 .0.elements(), m.1.elements(), "replica {}", r);
        }
    }

    /// Every OR-Set state any replica passes through (adds, removes, full and delta merges,
    /// restarts) passes `validate`, so validating deserialized state rejects no honest state.
    #[test]
    fn orset_states_always_validate(ops in ops()) {
        for (r, m) in run::<O>(&ops) {
            prop_assert_eq!(m.0.validate(), Ok(()), "replica {}: {:?}", r, m.0);
        }
    }

    /// Dots are never reused, even across restarts from old snapshots: no dot ever names two
    /// different elements anywhere in the history.
    #[test]
    fn orset_dots_unique_across_restarts(ops in ops()) {
        let history = run::<O>(&ops);
        let mut owner: BTreeMap<Dot, u8> = BTreeMap::new();
        for (_, m) in &history {
            for e in m.0.elements() {
                for d in m.0.dots_of(&e) {
                    let prev = *owner.entry(*d).or_insert(e);
                    prop_assert_eq!(prev, e, "dot {:?} reused", d);
                }
            }
        }
    }
}

#[test]
fn orset_concurrent_add_and_remove_add_wins() {
    let (mut a, mut b) = (OrSet::new(1), OrSet::new(2));
    a.add("follow");
    b.merge(&a);
    // Concurrently: A re-adds (a fresh dot B has not seen), B removes what it observed.
    a.add("follow");
    assert!(b.remove(&"follow"));
    a.merge(&b);
    b.merge(&a);
    assert!(a.contains(&"follow") && b.contains(&"follow"));
    assert_eq!(a.digest(), b.digest());
}

#[test]
fn orset_concurrent_fresh_add_survives_remove() {
    // B never saw A's add, so its remove cannot cancel it.
    let (mut a, mut b) = (OrSet::new(1), OrSet::new(2));
    b.add("x");
    a.merge(&b);
    a.add("x");
    b.remove(&"x");
    b.merge(&a);
    assert!(b.contains(&"x"));
    assert_eq!(b.dots_of(&"x").count(), 1, "B's own removed dot stays gone");
}

#[test]
fn orset_observed_remove_is_absent_everywhere() {
    let mut reps: Vec<OrSet<&str>> = (1..=3).map(OrSet::new).collect();
    reps[0].add("f");
    let a = reps[0].clone();
    reps[1].merge(&a);
    reps[2].merge_delta(&a.delta_since(&VersionVector::new())).unwrap();
    assert!(reps[1].remove(&"f"));
    let b = reps[1].clone();
    let delta = b.delta_since(reps[0].version_vector());
    reps[0].merge_delta(&delta).unwrap();
    reps[2].merge(&b);
    for r in &reps {
        assert!(!r.contains(&"f"));
        assert_eq!(r.digest(), reps[0].digest());
    }
}

#[test]
fn orset_restart_with_restored_counter_keeps_both_adds() {
    let mut a = OrSet::new(1);
    let blank = a.clone();
    let first = a.add("old");
    let persisted = a.next_counter();
    let mut peer = OrSet::new(2);
    peer.merge(&a);

    // A crashes and loses its state but not the persisted counter.
    let mut a = blank;
    a.restore_counter(persisted);
    let second = a.add("new");
    assert_ne!(first, second, "a restarted replica must not reuse a dot");
    // A knows dot 2 but not dot 1: the context holds it beyond the contiguous prefix.
    assert_eq!(a.version_vector().get(1), 0);
    assert!(a.context().contains(&second) && !a.context().contains(&first));
    peer.merge(&a);
    a.merge(&peer);
    assert!(peer.contains(&"old") && peer.contains(&"new"));
    // Once dot 1 arrives the gap is filled and the context compacts back to a plain vector.
    assert_eq!(a.version_vector().get(1), 2);
    assert_eq!(a.context(), peer.context());
    assert_eq!(a.digest(), peer.digest());
}

#[test]
fn orset_restart_recovering_from_peers_does_not_reuse_dots() {
    // Without a persisted counter, merging our own dots back from a peer must be enough.
    let mut a = OrSet::new(1);
    let blank = a.clone();
    let first = a.add("old");
    let mut peer = OrSet::new(2);
    peer.merge(&a);
    let mut a = blank;
    a.merge(&peer);
    assert_ne!(a.add("new"), first);
    peer.merge(&a);
    assert!(peer.contains(&"old") && peer.contains(&"new"));
}

#[test]
fn orset_restart_without_restore_would_lose_an_add() {
    // Why the hook exists: reusing dot (1,1) for "new" makes the peer read "old" as removed
    // (its dot is in A's context but not A's entries) and "new" as already seen, so both
    // follows vanish.
    let mut a = OrSet::new(1);
    let blank = a.clone();
    a.add("old");
    let mut peer = OrSet::new(2);
    peer.merge(&a);
    let mut a = blank;
    a.add("new");
    peer.merge(&a);
    assert!(!peer.contains(&"old") && !peer.contains(&"new"), "dot reuse drops follows");
}

#[test]
fn orset_delta_against_a_vector_lost_in_a_restart_is_refused() {
    let mut a = OrSet::new(1);
    let blank = a.clone();
    a.add("x");
    let mut b = OrSet::new(2);
    b.merge(&a);
    let stale = a.version_vector().clone();
    // A restarts from its blank snapshot; a delta against its pre-crash vector would omit
    // dot (1,1), which A no longer has.
    let mut a = blank;
    let before = a.clone();
    assert_eq!(a.merge_delta(&b.delta_since(&stale)), Err(StaleDeltaBase));
    assert_eq!(a, before);
    a.merge_delta(&b.delta_since(a.version_vector())).unwrap();
    assert!(a.contains(&"x"));
}

#[test]
fn two_phase_removed_never_returns() {
    let (mut a, mut b) = (TwoPhaseSet::new(), TwoPhaseSet::new());
    a.add(5u32);
    b.merge(&a);
    assert!(b.remove(5));
    assert!(!b.add(5));
    a.add(5);
    a.merge(&b);
    assert!(!a.contains(&5) && !a.add(5));
    b.merge(&a);
    assert!(!b.contains(&5));
    assert_eq!(a.digest(), b.digest());
}

#[test]
fn gset_merge_is_union() {
    let (mut a, mut b) = (GSet::new(), GSet::new());
    a.add(1u8);
    b.add(2);
    a.merge(&b);
    assert_eq!(a.elements(), [1, 2].into());
}

#[test]
fn digest_ignores_history() {
    // Same state reached two ways: add 1 then 2, versus 2 then merge a replica holding 1.
    let mut x = GSet::new();
    x.add(1u8);
    x.add(2);
    let mut y = GSet::new();
    y.add(2u8);
    let mut z = GSet::new();
    z.add(1u8);
    y.merge(&z);
    assert_eq!(x.digest(), y.digest());
}

/// LWW replicas that collect tombstones at the causal-stability bound after every step: the
/// least of every replica's clock and of the stamp of any write some replica has not seen
/// (computed from exact knowledge of who saw what). Restarts are left out: a replica that loses writes it had
/// seen would make an earlier bound unsafe, which the replica's persisted snapshot rules out.
fn run_lww_collecting(ops: &[Op], collect: bool) -> Vec<(usize, LwwSet<u8>)> {
    use crate::crdt::Timestamp;
    let mut reps: Vec<L> = (0..REPLICAS).map(|i| L::new(i as u64 + 1)).collect();
    let mut seen: Vec<BTreeSet<Timestamp>> = vec![BTreeSet::new(); REPLICAS];
    let mut writes: BTreeSet<Timestamp> = BTreeSet::new();
    let mut history: Vec<(usize, LwwSet<u8>)> = reps.iter().map(|m| m.0.clone()).enumerate().collect();
    for op in ops {
        let touched = match *op {
            Op::Add(r, e, t) | Op::Remove(r, e, t) => {
                if matches!(op, Op::Add(..)) {
                    reps[r].add(e, t);
                } else {
                    reps[r].remove(e, t);
                }
                let stamp = reps[r].1.last();
                writes.insert(stamp);
                seen[r].insert(stamp);
                r
            }
            Op::Merge { from, to, .. } => {
                // Observe the sender's clock, as replicas do (a message carries it), not the
                // state's greatest stamp: that would make clocks depend on what was collected.
                let other = reps[from].clone();
                reps[to].0.merge(&other.0);
                reps[to].1.observe(other.1.last(), Time::ZERO).expect("stamps within the offset bound");
                let theirs = seen[from].clone();
                seen[to].extend(theirs);
                to
            }
            Op::Restart(r, _) => r,
        };
        if collect {
            // Below every write someone has not seen, and below every clock: a replica's
            // future writes are stamped above its clock, so nothing new lands under the bound.
            let unseen = writes.iter().find(|w| seen.iter().any(|s| !s.contains(w)));
            let clocks = reps.iter().map(|m| m.1.last());
            let bound = clocks.chain(unseen.copied()).min().unwrap_or(Timestamp { wall_us: 0, logical: 0, replica: 0 });
            for rep in &mut reps {
                rep.0.collect_garbage(bound);
            }
        }
        history.push((touched, reps[touched].0.clone()));
    }
    history
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Collecting LWW tombstones at the stability bound keeps the merge laws, never changes
    /// what any replica shows, and converges to the same elements as never collecting.
    #[test]
    fn lww_stable_collection_keeps_laws_and_contents(ops in ops(), picks in any::<[Index; 3]>()) {
        let collected = run_lww_collecting(&ops, true);
        let plain = run_lww_collecting(&ops, false);
        for ((_, c), (_, p)) in collected.iter().zip(&plain) {
            prop_assert_eq!(c.elements(), p.elements());
        }
        let [a, b, c] = picks.map(|i| collected[i.index(collected.len())].1.clone());
        assert_same(&merged(&a, &b), &merged(&b, &a), "commutative");
        assert_same(&merged(&merged(&a, &b), &c), &merged(&a, &merged(&b, &c)), "associative");
        assert_same(&merged(&a, &a), &a, "idempotent");
        let last = |h: &[(usize, LwwSet<u8>)], r: usize| h.iter().rev().find(|(o, _)| *o == r).unwrap().1.clone();
        let all = |h: &[(usize, LwwSet<u8>)]| (1..REPLICAS).fold(last(h, 0), |m, r| merged(&m, &last(h, r)));
        let rev = (0..REPLICAS - 1).rev().fold(last(&collected, REPLICAS - 1), |m, r| merged(&m, &last(&collected, r)));
        assert_same(&all(&collected), &rev, "convergence");
        prop_assert_eq!(all(&collected).elements(), all(&plain).elements());
    }
}
