//! Differential tests against rust-crdt (`crdts`), an independently written implementation:
//! random adds, removes and merges on three replicas go to our `OrSet` and to `crdts::Orswot`
//! (both add-wins observed-remove sets), and to our `GSet` and `crdts::GSet`; every replica's
//! elements must agree after every step.
//!
//! Modelling differences, none visible in the element sets:
//! - Re-adding a present element: ours replaces its dots with the new one (the old ones stay
//!   in the context, so peers drop them on merge); Orswot adds the dot to the member's
//!   clock. Either way the element is live exactly while some unremoved add of it exists.
//! - Orswot is also an op-based CRDT with deferred removes; we only use locally derived
//!   remove contexts, which never run ahead of the replica's clock, so nothing is deferred.
//! - Restarts from older state are not modelled: Orswot has no persisted dot counter, so a
//!   restarted actor would reuse dots there. `tests.rs` covers restarts against its oracle.
use crate::crdt::{GSet, OrSet, SetCrdt};
use crdts::{CmRDT, CvRDT};
use proptest::prelude::*;
use std::collections::BTreeSet;

const REPLICAS: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    Add(usize, u8),
    Remove(usize, u8),
    /// `to` merges `from`'s state; the flag picks our OR-Set's delta path.
    Merge {
        from: usize,
        to: usize,
        delta: bool,
    },
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let r = 0..REPLICAS;
    // Few elements so adds and removes of the same element collide often.
    let op = prop_oneof![
        3 => (r.clone(), 0..4u8).prop_map(|(r, e)| Op::Add(r, e)),
        2 => (r.clone(), 0..4u8).prop_map(|(r, e)| Op::Remove(r, e)),
        3 => (r.clone(), r, any::<bool>()).prop_map(|(from, to, delta)| Op::Merge { from, to, delta }),
    ];
    prop::collection::vec(op, 0..100)
}

fn oracle_elements(s: &crdts::Orswot<u8, u64>) -> BTreeSet<u8> {
    s.read().val.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Our OR-Set and `crdts::Orswot` agree on every replica's elements after every step.
    #[test]
    fn orset_matches_crdts_orswot(ops in ops()) {
        let mut ours: Vec<OrSet<u8>> = (0..REPLICAS).map(|i| OrSet::new(i as u64 + 1)).collect();
        let mut theirs: Vec<crdts::Orswot<u8, u64>> = vec![crdts::Orswot::new(); REPLICAS];
        for op in &ops {
            let touched = match *op {
                Op::Add(r, e) => {
                    ours[r].add(e);
                    let ctx = theirs[r].read_ctx().derive_add_ctx(r as u64 + 1);
                    let add = theirs[r].add(e, ctx);
                    theirs[r].apply(add);
                    r
                }
                Op::Remove(r, e) => {
                    ours[r].remove(&e);
                    // The remove context is this replica's own current clock: it removes
                    // exactly the adds of `e` this replica has observed, as ours does.
                    let ctx = theirs[r].read_ctx().derive_rm_ctx();
                    let rm = theirs[r].rm(e, ctx);
                    theirs[r].apply(rm);
                    r
                }
                Op::Merge { from, to, delta } => {
                    let other = ours[from].clone();
                    if delta {
                        let d = other.delta_since(ours[to].version_vector());
                        prop_assert_eq!(ours[to].merge_delta(&d), Ok(()));
                    } else {
                        ours[to].merge(&other);
                    }
                    let other = theirs[from].clone();
                    theirs[to].merge(other);
                    to
                }
            };
            prop_assert_eq!(
                ours[touched].elements(),
                oracle_elements(&theirs[touched]),
                "replica {} after {:?}", touched, op
            );
        }
        for r in 0..REPLICAS {
            prop_assert_eq!(ours[r].elements(), oracle_elements(&theirs[r]), "replica {}", r);
        }
    }

    /// Our G-Set and `crdts::GSet` agree on every replica's elements after every step
    /// (removes are ignored: neither set supports them).
    #[test]
    fn gset_matches_crdts_gset(ops in ops()) {
        let mut ours: Vec<GSet<u8>> = vec![GSet::new(); REPLICAS];
        let mut theirs: Vec<crdts::GSet<u8>> = vec![crdts::GSet::new(); REPLICAS];
        for op in &ops {
            let touched = match *op {
                Op::Add(r, e) => {
                    ours[r].add(e);
                    theirs[r].insert(e);
                    r
                }
                Op::Remove(r, _) => r,
                Op::Merge { from, to, .. } => {
                    let other = ours[from].clone();
                    ours[to].merge(&other);
                    let other = theirs[from].clone();
                    theirs[to].merge(other);
                    to
                }
            };
            prop_assert_eq!(ours[touched].elements(), theirs[touched].read(), "replica {}", touched);
        }
    }
}
