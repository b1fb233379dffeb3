//! What crosses the simulated network between hosts: one envelope per datagram (postcard).
//! The envelope is opaque to the harness core: each system encodes its own peer messages,
//! requests and replies inside it. A CRC-32 trailer stands for the checksums of a real
//! network stack (UDP, Ethernet), so a datagram corrupted in flight is dropped here.
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

/// Why a datagram was rejected.
#[derive(Debug)]
pub enum EnvelopeError {
    /// Shorter than its checksum.
    Short,
    /// The checksum does not match: corrupted in flight.
    Checksum,
    /// The checksum matches but the body is not an envelope.
    Malformed(postcard::Error),
}

impl std::fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvelopeError::Short => f.write_str("datagram shorter than its checksum"),
            EnvelopeError::Checksum => f.write_str("datagram checksum mismatch"),
            EnvelopeError::Malformed(e) => write!(f, "malformed envelope: {e}"),
        }
    }
}

const CHECKSUM_BYTES: usize = 4;

impl Envelope {
    /// Encodes for the wire: the body, then its CRC-32.
    pub fn encode(&self) -> Result<Vec<u8>, postcard::Error> {
        let mut bytes = postcard::to_allocvec(self)?;
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        Ok(bytes)
    }

    /// Decodes from the wire; garbage or a corrupted datagram is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let split = bytes.len().checked_sub(CHECKSUM_BYTES).ok_or(EnvelopeError::Short)?;
        let (body, crc) = bytes.split_at(split);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return Err(EnvelopeError::Checksum);
        }
        Self::decode_body(body).map_err(EnvelopeError::Malformed)
    }

    /// The datagram of client `client`'s request `request` (a system's own message).
    pub fn request<T: Serialize>(client: u64, request: &T) -> Result<Vec<u8>, postcard::Error> {
        Envelope::Request { client, bytes: encode(request)? }.encode()
    }

    /// Decodes a body without its checksum (the fuzzer's way in past the CRC).
    pub fn decode_body(body: &[u8]) -> Result<Self, postcard::Error> {
        postcard::from_bytes(body)
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
            let _ = Envelope::decode_body(&bytes);
        }
    }

    #[test]
    fn every_corruption_of_a_datagram_is_rejected() {
        use rand::SeedableRng;
        let e = Envelope::Request { client: 2, bytes: (0..40).collect() };
        let good = e.encode().expect("encodes");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..2000 {
            let mut bad = good.clone();
            crate::engine::corrupt::corrupt(&mut bad, &mut rng);
            assert!(Envelope::decode(&bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn round_trip() {
        let e = Envelope::Peer { from: 3, bytes: vec![1, 2, 3] };
        assert_eq!(e.encode().ok().and_then(|b| Envelope::decode(&b).ok()), Some(e));
    }
}
