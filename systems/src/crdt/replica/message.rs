//! Anti-entropy messages between replicas: digests first, then only the graphs that differ.
use super::api::{Edge, SetKind};
use super::graphs::Digest32;
use crate::crdt::{GSet, LwwSet, OrSetDelta, Timestamp, TwoPhaseSet, VersionVector};
use serde::{Deserialize, Serialize};

/// Every message carries the sender's HLC stamp and what it knows about stability.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The sender's HLC when it sent this: its state then held all its writes stamped below.
    pub sent: Timestamp,
    /// The sender's stability bound: it holds every replica's writes stamped below this.
    pub stable: Option<Timestamp>,
    /// The sender's digests, in `SetKind::ALL` order, when it sent this.
    pub digests: [Digest32; 4],
    /// The sender's OR-Set version vector, so the receiver can compute a delta for it.
    pub vv: VersionVector,
}

/// One graph's state (or, for the OR-Set, a delta against the receiver's vector).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    /// Whole G-Set.
    GSet(GSet<Edge>),
    /// Whole 2P-Set.
    TwoPhase(TwoPhaseSet<Edge>),
    /// Whole LWW set.
    Lww(LwwSet<Edge>),
    /// OR-Set delta since the receiver's vector.
    OrSet(OrSetDelta<Edge>),
}

impl Part {
    /// Which graph this is.
    pub fn kind(&self) -> SetKind {
        match self {
            Part::GSet(_) => SetKind::GSet,
            Part::TwoPhase(_) => SetKind::TwoPhase,
            Part::Lww(_) => SetKind::Lww,
            Part::OrSet(_) => SetKind::OrSet,
        }
    }
}

/// A gossip datagram.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GossipMessage {
    /// "Here is what I hold": the peer answers with the parts that differ.
    Digests(Header),
    /// One differing graph. `answer` asks the receiver to send its own part back if, after
    /// merging, it still differs from the sender's digest (it holds something we lack).
    Sync { header: Header, part: Part, answer: bool },
}

impl GossipMessage {
    /// Encodes for the wire.
    pub fn encode(&self) -> Vec<u8> {
        // Encoding an in-memory value of plain collections cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes bytes from a peer; garbage is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}
