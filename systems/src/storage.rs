//! The durable storage a node is given. The caller implements it (the harness's SimDisk);
//! `MemStorage` is a simple implementation for unit tests.
//!
//! Model: named files of bytes. `append` and `replace` are visible to `read` at once but are
//! volatile until `sync` returns Ok: a crash may drop any unsynced write, and may tear the
//! last unsynced append (keep only a prefix of its bytes). `replace` is atomic (like
//! write-to-temp + rename): after a crash the file holds either the old or the new bytes.
use std::collections::BTreeMap;
use std::fmt;

/// An I/O error from storage (EIO). A node that sees one must stop (fail-stop), since it can
/// no longer know what is durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage error: {}", self.0)
    }
}

impl std::error::Error for StorageError {}

/// Durable files with an explicit sync barrier.
pub trait Storage {
    /// The current contents of `file` (including unsynced writes); empty if it does not exist.
    fn read(&self, file: &str) -> Result<Vec<u8>, StorageError>;
    /// Appends bytes to `file`, creating it if needed. Volatile until `sync`.
    fn append(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError>;
    /// Atomically replaces the whole of `file`. Volatile until `sync`.
    fn replace(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError>;
    /// Makes every earlier write durable.
    fn sync(&mut self) -> Result<(), StorageError>;
}

/// In-memory storage for unit tests: tracks synced and unsynced state, and can `crash`.
#[derive(Clone, Debug, Default)]
pub struct MemStorage {
    durable: BTreeMap<String, Vec<u8>>,
    current: BTreeMap<String, Vec<u8>>,
}

impl MemStorage {
    /// Empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    /// Simulates a crash: every unsynced write is lost.
    pub fn crash(&mut self) {
        self.current = self.durable.clone();
    }
}

impl Storage for MemStorage {
    fn read(&self, file: &str) -> Result<Vec<u8>, StorageError> {
        Ok(self.current.get(file).cloned().unwrap_or_default())
    }

    fn append(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.current.entry(file.to_string()).or_default().extend_from_slice(bytes);
        Ok(())
    }

    fn replace(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.current.insert(file.to_string(), bytes.to_vec());
        Ok(())
    }

    fn sync(&mut self) -> Result<(), StorageError> {
        self.durable = self.current.clone();
        Ok(())
    }
}
