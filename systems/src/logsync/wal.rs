//! The replica's durable files: a WAL of applied entries (length + CRC framed, so a torn
//! tail is detected and dropped) and a snapshot of the state machine at an applied index.
//! At each snapshot the current WAL becomes the previous segment and a fresh one starts;
//! recovery replays both segments past the snapshot's index.
use super::message::WalEntry;
use crate::storage::{Storage, StorageError};
use serde::{Deserialize, Serialize};

/// The WAL segment being appended to.
pub const WAL_FILE: &str = "logsync.wal";
/// The segment before the last snapshot.
pub const WAL_PREVIOUS_FILE: &str = "logsync.wal.prev";
/// The snapshot.
pub const SNAPSHOT_FILE: &str = "logsync.snapshot";

/// The state machine at `index`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Applied index the state is at.
    pub index: u64,
    /// Term of the entry at `index`.
    pub term: u64,
    /// The state machine's own snapshot encoding.
    pub state: Vec<u8>,
}

/// Frames one record: length (u32 LE), CRC-32 of the body (u32 LE), body.
pub fn frame(entry: &WalEntry) -> Vec<u8> {
    let body = postcard::to_allocvec(entry).unwrap_or_default();
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Every whole, intact record of `bytes`, stopping at the first torn or corrupt one.
pub fn records(bytes: &[u8]) -> Vec<WalEntry> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 8 {
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        let Some(body) = rest.get(8..8 + len) else { break };
        if crc32fast::hash(body) != crc {
            break;
        }
        let Ok(entry) = postcard::from_bytes::<WalEntry>(body) else { break };
        out.push(entry);
        rest = &rest[8 + len..];
    }
    out
}

/// Reads the snapshot (if any) and both WAL segments' records, oldest first.
pub fn load<S: Storage>(storage: &S) -> Result<(Option<Snapshot>, Vec<WalEntry>), StorageError> {
    let bytes = storage.read(SNAPSHOT_FILE)?;
    let snapshot = if bytes.is_empty() {
        None
    } else {
        Some(
            postcard::from_bytes::<Snapshot>(&bytes)
                .map_err(|e| StorageError(format!("{SNAPSHOT_FILE} does not decode: {e}")))?,
        )
    };
    let mut entries = records(&storage.read(WAL_PREVIOUS_FILE)?);
    entries.extend(records(&storage.read(WAL_FILE)?));
    Ok((snapshot, entries))
}

/// Writes `snapshot` and rotates the WAL segments, durably.
pub fn checkpoint<S: Storage>(storage: &mut S, snapshot: &Snapshot) -> Result<(), StorageError> {
    let bytes = postcard::to_allocvec(snapshot).map_err(|e| StorageError(format!("encode snapshot: {e}")))?;
    storage.replace(SNAPSHOT_FILE, &bytes)?;
    let current = storage.read(WAL_FILE)?;
    storage.replace(WAL_PREVIOUS_FILE, &current)?;
    storage.replace(WAL_FILE, &[])?;
    storage.sync()
}
