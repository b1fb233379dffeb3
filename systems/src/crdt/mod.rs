//! Sans-IO state-based CRDT sets for the follow graph. Each type is a join-semilattice:
//! `merge` is commutative, associative and idempotent, so replicas that have seen the same
//! updates converge whatever order or how often states were exchanged.
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

mod causal;
mod gset;
mod hlc;
mod lww;
mod orset;
pub mod replica;
mod two_phase;

// Under `crdt::` so `cargo test -p faultline-systems crdt` runs the laws too.
#[cfg(test)]
mod tests;
// Differential tests against the `crdts` crate; also under `crdt::` for the narrow filter.
#[cfg(test)]
mod differential;

pub use causal::{CausalContext, Dot, DotRanges, InvalidState, VersionVector};
pub use gset::GSet;
pub use hlc::{ClockOffsetTooLarge, HlcClock, Timestamp, OFFSET_US_MAX_DEFAULT};
pub use lww::LwwSet;
pub use orset::{OrSet, OrSetDelta, StaleDeltaBase};
pub use two_phase::TwoPhaseSet;

/// Identifies a replica; stable across restarts (the OR-Set's dots are keyed by it).
pub type ReplicaId = u64;

/// The part every set CRDT shares. Adding and removing differ per type (some need a stamp,
/// some a replica), so they are inherent methods, not trait methods.
pub trait SetCrdt<E: Ord + Clone> {
    /// Whether `e` is in the set.
    fn contains(&self, e: &E) -> bool;
    /// The elements in the set, in order.
    fn elements(&self) -> BTreeSet<E>;
    /// Joins `other` into `self` (the semilattice least upper bound).
    fn merge(&mut self, other: &Self);
    /// SHA-256 of a canonical encoding of the replicated state: equal states give equal
    /// digests whatever history produced them, so replicas can compare cheaply.
    fn digest(&self) -> [u8; 32];
}

/// SHA-256 over the postcard encoding of `state`. Canonical because every state type keeps
/// only BTree collections (serialized in key order) and normalises away empty entries.
pub(crate) fn digest_of<T: Serialize + ?Sized>(state: &T) -> [u8; 32] {
    // Encoding BTree collections of serializable values cannot fail; a failure is a bug.
    let bytes = postcard::to_allocvec(state).expect("CRDT state encodes");
    Sha256::digest(&bytes).into()
}
