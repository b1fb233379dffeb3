//! What crosses the simulated network between hosts: one envelope per datagram (postcard).
//! The envelope is opaque to the harness core: each system encodes its own peer messages,
//! requests and replies inside it.
use serde::{Deserialize, Serialize};

pub use crate::engine::{DATAGRAM_BYTES_MAX, PORT};

/// One datagram.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Envelope {
    /// A peer message from host id `from` (1-based), bytes as the sending node encoded them.
    Peer { from: u64, bytes: Vec<u8> },
    /// A request from client `client` (its index, for the reply's address).
    Request { client: u64, bytes: Vec<u8> },
    /// A reply from host id `node`.
    Reply { node: u64, bytes: Vec<u8> },
}

impl Envelope {
    /// Encodes for the wire.
    pub fn encode(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_allocvec(self)
    }

    /// Decodes from the wire; garbage is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

/// Encodes a system's own message for the inside of an envelope.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_allocvec(value)
}

/// Decodes a system's own message; garbage is an error, never a panic.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, postcard::Error> {
    postcard::from_bytes(bytes)
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
        assert_eq!(e.encode().ok().and_then(|b| Envelope::decode(&b).ok()), Some(e));
    }
}
