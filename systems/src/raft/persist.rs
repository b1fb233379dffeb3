//! On-disk layout. `raft.wal`: append-only records (u32 len, u32 crc32, postcard payload) of hard
//! state and entries; recovery stops at the first torn/corrupt record and cuts the file there.
//! `raft.snap`: one record, replaced atomically. Compaction writes the snapshot first, then
//! rewrites the WAL, so a crash in between leaves a WAL whose extra prefix is simply skipped.
use super::log::RaftLog;
use super::message::Entry;
use super::NodeId;
use crate::storage::{Storage, StorageError};
use serde::{Deserialize, Serialize};

/// File holding hard state and entries.
pub const WAL_FILE: &str = "raft.wal";
/// File holding the latest snapshot.
pub const SNAPSHOT_FILE: &str = "raft.snap";

#[derive(Serialize, Deserialize)]
enum WalRecord {
    HardState { term: u64, voted_for: Option<NodeId> },
    Entry { index: u64, entry: Entry },
}

#[derive(Serialize, Deserialize)]
struct SnapshotRecord {
    index: u64,
    term: u64,
    data: Vec<u8>,
}

pub(crate) fn frame(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("record larger than 4 GiB");
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Splits `bytes` into valid record payloads; also returns how many bytes were valid.
pub(crate) fn unframe(bytes: &[u8]) -> (Vec<&[u8]>, usize) {
    let mut records = Vec::new();
    let mut pos = 0usize;
    while let Some(header) = bytes.get(pos..pos + 8) {
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let Some(payload) = bytes.get(pos + 8..(pos + 8).saturating_add(len)) else { break };
        if crc32fast::hash(payload) != crc {
            break;
        }
        records.push(payload);
        pos += 8 + len;
    }
    (records, pos)
}

fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("postcard serialization of a record")
}

/// What a node durably kept.
pub(crate) struct Recovered {
    pub term: u64,
    pub voted_for: Option<NodeId>,
    pub log: RaftLog,
    pub snapshot_data: Vec<u8>,
}

/// Reads snapshot and WAL back; cuts a torn WAL tail so later appends stay readable.
pub(crate) fn recover<S: Storage>(storage: &mut S) -> Result<Recovered, StorageError> {
    let mut log = RaftLog::default();
    let mut snapshot_data = Vec::new();
    let snap_bytes = storage.read(SNAPSHOT_FILE)?;
    if !snap_bytes.is_empty() {
        // The snapshot file is replaced atomically, so damage here is real corruption: the
        // compacted prefix is gone, and the only honest answer is to refuse to start.
        let (records, _) = unframe(&snap_bytes);
        let first = records.first().ok_or_else(|| StorageError("corrupt snapshot file".into()))?;
        let snap: SnapshotRecord =
            postcard::from_bytes(first).map_err(|e| StorageError(format!("corrupt snapshot: {e}")))?;
        log.reset_to_snapshot(snap.index, snap.term);
        snapshot_data = snap.data;
    }
    let wal = storage.read(WAL_FILE)?;
    let (records, valid_len) = unframe(&wal);
    let mut term = 0;
    let mut voted_for = None;
    let mut cut_at = valid_len;
    let mut consumed = 0usize;
    for payload in records {
        let Ok(record) = postcard::from_bytes::<WalRecord>(payload) else {
            cut_at = consumed;
            break;
        };
        match record {
            WalRecord::HardState { term: t, voted_for: v } => {
                term = t;
                voted_for = v;
            }
            WalRecord::Entry { index, entry } => {
                if index <= log.snapshot_index {
                    // Pre-compaction leftovers (crash between snapshot write and WAL rewrite).
                } else if index > log.last_index() + 1 {
                    cut_at = consumed;
                    break;
                } else {
                    if index <= log.last_index() {
                        log.truncate_from(index);
                    }
                    if entry.term < log.last_term() {
                        cut_at = consumed;
                        break;
                    }
                    log.push(entry);
                }
            }
        }
        consumed += payload.len() + 8;
    }
    if cut_at < wal.len() {
        storage.replace(WAL_FILE, &wal[..cut_at])?;
        storage.sync()?;
    }
    // A term in the log can exceed a lost hard-state record only if the record was unsynced,
    // which the sync-before-send rule forbids for entries we acknowledged; be safe anyway.
    term = term.max(log.last_term()).max(log.snapshot_term);
    Ok(Recovered { term, voted_for, log, snapshot_data })
}

/// A framed hard-state record, for appending to the WAL.
pub(crate) fn hard_state_record(term: u64, voted_for: Option<NodeId>) -> Vec<u8> {
    frame(&to_bytes(&WalRecord::HardState { term, voted_for }))
}

/// A framed entry record, for appending to the WAL.
pub(crate) fn entry_record(index: u64, entry: &Entry) -> Vec<u8> {
    frame(&to_bytes(&WalRecord::Entry { index, entry: entry.clone() }))
}

/// Atomically replaces the snapshot file (volatile until sync).
pub(crate) fn write_snapshot<S: Storage>(
    storage: &mut S,
    index: u64,
    term: u64,
    data: &[u8],
) -> Result<(), StorageError> {
    let record = SnapshotRecord { index, term, data: data.to_vec() };
    storage.replace(SNAPSHOT_FILE, &frame(&to_bytes(&record)))
}

/// Atomically rewrites the WAL as hard state + the entries after the snapshot.
pub(crate) fn rewrite_wal<S: Storage>(
    storage: &mut S,
    term: u64,
    voted_for: Option<NodeId>,
    log: &RaftLog,
) -> Result<(), StorageError> {
    let mut bytes = frame(&to_bytes(&WalRecord::HardState { term, voted_for }));
    for (index, entry) in log.entries_after_snapshot() {
        bytes.extend_from_slice(&frame(&to_bytes(&WalRecord::Entry { index, entry: entry.clone() })));
    }
    storage.replace(WAL_FILE, &bytes)
}
