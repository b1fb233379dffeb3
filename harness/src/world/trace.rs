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
        self.hasher.update((tag.len() as u64).to_le_bytes());
        self.hasher.update(tag.as_bytes());
        self.hasher.update(time_us.to_le_bytes());
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
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
