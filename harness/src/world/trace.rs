//! The ordered event trace of a run, folded into one SHA-256 digest (`trace_hash`). Two runs
//! with the same seed, scenario, engine and flags must produce the same digest.
use sha2::{Digest, Sha256};

/// Running digest of everything that happened, in order.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    hasher: Sha256,
    events: u64,
}

impl Trace {
    /// Adds one event: a tag saying what it is, its simulated time, and its bytes.
    pub fn record(&mut self, tag: &str, time_us: u64, bytes: &[u8]) {
        self.record_parts(tag, time_us, &[bytes]);
    }

    /// `record` of the bytes `parts` joined, without joining them (this runs per datagram).
    pub fn record_parts(&mut self, tag: &str, time_us: u64, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.hasher.update((tag.len() as u64).to_le_bytes());
        self.hasher.update(tag.as_bytes());
        self.hasher.update(time_us.to_le_bytes());
        self.hasher.update((len as u64).to_le_bytes());
        for part in parts {
            self.hasher.update(part);
        }
        self.events += 1;
    }

    /// Events recorded so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The hex digest.
    pub fn hex(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::Trace;

    #[test]
    fn parts_hash_as_their_concatenation() {
        let (mut a, mut b) = (Trace::default(), Trace::default());
        a.record("recv", 7, b"headbody");
        b.record_parts("recv", 7, &[b"head", b"body"]);
        assert_eq!(a.hex(), b.hex());
        b.record_parts("recv", 7, &[b"headbod", b"y!"]);
        a.record("recv", 7, b"headbody");
        assert_ne!(a.hex(), b.hex());
    }
}
