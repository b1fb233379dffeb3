//! The four follow graphs one replica holds, one per set type.
use super::api::{Edge, SetKind};
use crate::crdt::{GSet, InvalidState, LwwSet, OrSet, ReplicaId, SetCrdt, TwoPhaseSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// A SHA-256 digest.
pub type Digest32 = [u8; 32];

/// One replica's state: the same follow graph kept as each of the four set types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graphs {
    /// Grow-only.
    pub gset: GSet<Edge>,
    /// Two-phase.
    pub two_phase: TwoPhaseSet<Edge>,
    /// Last-writer-wins.
    pub lww: LwwSet<Edge>,
    /// Add-wins OR-Set.
    pub orset: OrSet<Edge>,
}

impl Graphs {
    /// Empty graphs for `replica`.
    pub fn new(replica: ReplicaId) -> Self {
        Graphs { gset: GSet::new(), two_phase: TwoPhaseSet::new(), lww: LwwSet::new(), orset: OrSet::new(replica) }
    }

    /// The canonical digest of each graph, in `SetKind::ALL` order.
    pub fn digests(&self) -> [Digest32; 4] {
        SetKind::ALL.map(|k| self.digest_of(k))
    }

    /// The canonical digest of graph `kind`.
    pub fn digest_of(&self, kind: SetKind) -> Digest32 {
        match kind {
            SetKind::GSet => self.gset.digest(),
            SetKind::TwoPhase => self.two_phase.digest(),
            SetKind::Lww => self.lww.digest(),
            SetKind::OrSet => self.orset.digest(),
        }
    }

    /// One digest over all four: equal iff every graph is equal.
    pub fn digest(&self) -> Digest32 {
        combine(&self.digests())
    }
}

/// The whole-state digest from the per-graph ones.
pub fn combine(digests: &[Digest32; 4]) -> Digest32 {
    let mut h = Sha256::new();
    for d in digests {
        h.update(d);
    }
    h.finalize().into()
}

impl Graphs {
    /// The edges present in graph `kind`.
    pub fn elements(&self, kind: SetKind) -> BTreeSet<Edge> {
        match kind {
            SetKind::GSet => self.gset.elements(),
            SetKind::TwoPhase => self.two_phase.elements(),
            SetKind::Lww => self.lww.elements(),
            SetKind::OrSet => self.orset.elements(),
        }
    }

    /// Whether `edge` is present in graph `kind`.
    pub fn contains(&self, kind: SetKind, edge: &Edge) -> bool {
        match kind {
            SetKind::GSet => self.gset.contains(edge),
            SetKind::TwoPhase => self.two_phase.contains(edge),
            SetKind::Lww => self.lww.contains(edge),
            SetKind::OrSet => self.orset.contains(edge),
        }
    }

    /// Checks the invariants a decoded state must hold before it is merged or trusted.
    pub fn validate(&self) -> Result<(), InvalidState> {
        self.orset.validate()
    }
}
