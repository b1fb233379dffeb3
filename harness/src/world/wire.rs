//! What crosses the simulated network between hosts: one envelope per datagram (postcard).
use faultline_systems::crdt::replica::{CrdtReply, CrdtRequest};
use faultline_systems::logsync::{ReplicaRead, ReplicaReply};
use faultline_systems::relations::{Reply, Request, RequestId};
use serde::{Deserialize, Serialize};

/// Port every simulated host listens on.
pub const PORT: u16 = 7000;
/// Largest datagram we send or accept.
pub const DATAGRAM_BYTES_MAX: usize = 64 * 1024;

/// One datagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Envelope {
    /// Raft peer message from node `from` (1-based Raft id), bytes as the Raft node encoded them.
    Peer { from: u64, bytes: Vec<u8> },
    /// A client's request; `client` is the client's index, for the reply's address.
    Request { client: u64, request: Request },
    /// A node's reply to a client; `node` is the 1-based id of the node that answered.
    Reply { node: u64, request: RequestId, reply: Reply },
    /// A client's request to a CRDT replica.
    CrdtRequest { client: u64, request: CrdtRequest },
    /// A CRDT replica's reply; `node` is its 1-based host id.
    CrdtReply { node: u64, request: RequestId, reply: CrdtReply },
    /// A client's read at a LogSync replica.
    ReplicaRead { client: u64, read: ReplicaRead },
    /// A LogSync replica's answer; `node` is its 1-based host id.
    ReplicaReply { node: u64, request: RequestId, reply: ReplicaReply },
}

impl Envelope {
    /// Encodes for the wire.
    pub fn encode(&self) -> Vec<u8> {
        // Encoding our own in-memory enum into a Vec cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes from the wire; garbage is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Envelope::decode(&bytes);
        }
    }

    #[test]
    fn round_trip() {
        let e = Envelope::Peer { from: 3, bytes: vec![1, 2, 3] };
        assert_eq!(Envelope::decode(&e.encode()), Ok(e));
    }
}
