//! On-disk layout of a raft-rs node over our `Storage`. `raftrs.wal`: append-only framed records
//! (tag byte + protobuf `HardState` or `Entry`); a later entry at an index truncates what followed
//! it. `raftrs.snap`: one framed protobuf `Snapshot` (metadata with ConfState + the follow graph's
//! bytes), replaced atomically. Recovery cuts a torn WAL tail, then reconciles WAL and snapshot.
use crate::raft::{frame, unframe};
use crate::storage::{Storage, StorageError};
use protobuf::Message as _;
use raft::eraftpb::{ConfState, Entry, HardState, Snapshot};

/// File holding hard states and entries.
pub const RAFTRS_WAL_FILE: &str = "raftrs.wal";
/// File holding the latest snapshot.
pub const RAFTRS_SNAPSHOT_FILE: &str = "raftrs.snap";

const TAG_HARD_STATE: u8 = 0;
const TAG_ENTRY: u8 = 1;

fn record(tag: u8, message: &impl protobuf::Message) -> Vec<u8> {
    let mut payload = vec![tag];
    payload.extend_from_slice(&message.write_to_bytes().expect("protobuf encoding of an in-memory record"));
    frame(&payload)
}

/// A framed hard-state record.
pub(crate) fn hard_state_record(hs: &HardState) -> Vec<u8> {
    record(TAG_HARD_STATE, hs)
}

/// A framed entry record.
pub(crate) fn entry_record(entry: &Entry) -> Vec<u8> {
    record(TAG_ENTRY, entry)
}

/// The framed snapshot file contents.
pub(crate) fn snapshot_file(snapshot: &Snapshot) -> Vec<u8> {
    frame(&snapshot.write_to_bytes().expect("protobuf encoding of an in-memory snapshot"))
}

/// What a node durably kept, reconciled into one consistent Raft state.
#[derive(Debug, Default)]
pub(crate) struct Recovered {
    pub hard_state: HardState,
    pub conf_state: ConfState,
    pub snapshot: Snapshot,
    /// Entries after the snapshot, contiguous.
    pub entries: Vec<Entry>,
}

fn read_snapshot<S: Storage>(storage: &S) -> Result<Option<Snapshot>, StorageError> {
    let bytes = storage.read(RAFTRS_SNAPSHOT_FILE)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    // Replaced atomically, so damage here is real corruption: the compacted prefix is gone.
    let (records, _) = unframe(&bytes);
    let first = records.first().ok_or_else(|| StorageError(format!("{RAFTRS_SNAPSHOT_FILE}: corrupt frame")))?;
    Snapshot::parse_from_bytes(first)
        .map(Some)
        .map_err(|e| StorageError(format!("{RAFTRS_SNAPSHOT_FILE}: corrupt snapshot: {e}")))
}

/// Replays the WAL; returns the last hard state, the entries, and how many bytes were good.
fn replay_wal(wal: &[u8]) -> (HardState, Vec<Entry>, usize) {
    let (records, mut good) = unframe(wal);
    let mut hard_state = HardState::default();
    let mut entries: Vec<Entry> = Vec::new();
    let mut consumed = 0usize;
    for payload in records {
        let ok = match payload.split_first() {
            Some((&TAG_HARD_STATE, body)) => HardState::parse_from_bytes(body).map(|hs| hard_state = hs).is_ok(),
            Some((&TAG_ENTRY, body)) => Entry::parse_from_bytes(body).is_ok_and(|e| push_entry(&mut entries, e)),
            _ => false,
        };
        if !ok {
            good = consumed;
            break;
        }
        consumed += payload.len() + 8;
    }
    (hard_state, entries, good)
}

/// Appends `entry`, truncating a conflicting suffix; false if it would leave a gap or a term regress.
fn push_entry(entries: &mut Vec<Entry>, entry: Entry) -> bool {
    if let Some(first) = entries.first().map(|e| e.index) {
        let last = entries.last().map_or(first, |e| e.index);
        if entry.index > last + 1 {
            return false;
        }
        entries.truncate(entry.index.saturating_sub(first) as usize);
    }
    if entries.last().is_some_and(|prev| prev.term > entry.term) {
        return false;
    }
    entries.push(entry);
    true
}

/// Keeps the WAL entries that continue the snapshot: those after its index, and only if the WAL
/// agrees with the snapshot at that index (or starts right after it). An installed snapshot
/// replaced a log that did not match it, so its stale suffix must not survive a crash that lost
/// the WAL rewrite.
fn entries_after(snapshot: &Snapshot, mut entries: Vec<Entry>) -> Vec<Entry> {
    let meta = snapshot.get_metadata();
    let Some(first) = entries.first().map(|e| e.index) else { return entries };
    if first > meta.index + 1 {
        return Vec::new();
    }
    if first <= meta.index {
        let at = (meta.index - first) as usize;
        if entries.get(at).is_none_or(|e| e.term != meta.term) {
            return Vec::new();
        }
        entries.drain(..=at);
    }
    entries
}

/// Reads snapshot and WAL back (an empty disk is a fresh node with `voters`); cuts a torn WAL tail
/// so later appends stay readable.
pub(crate) fn recover<S: Storage>(storage: &mut S, voters: &[u64]) -> Result<Recovered, StorageError> {
    let snapshot = read_snapshot(storage)?.unwrap_or_default();
    let wal = storage.read(RAFTRS_WAL_FILE)?;
    let (mut hard_state, entries, good) = replay_wal(&wal);
    if good < wal.len() {
        storage.replace(RAFTRS_WAL_FILE, &wal[..good])?;
        storage.sync()?;
    }
    let entries = entries_after(&snapshot, entries);
    let meta = snapshot.get_metadata();
    let last_index = entries.last().map_or(meta.index, |e| e.index);
    let last_term = entries.last().map_or(meta.term, |e| e.term);
    if last_term > hard_state.term {
        // The hard-state record of that term was lost, so it was never synced and no vote in it
        // was ever sent: start the term with no vote.
        hard_state.term = last_term;
        hard_state.vote = 0;
    }
    hard_state.commit = hard_state.commit.clamp(meta.index, last_index);
    let conf_state = match meta.conf_state.as_ref() {
        Some(cs) if meta.index > 0 => cs.clone(),
        _ => ConfState { voters: voters.to_vec(), ..Default::default() },
    };
    Ok(Recovered { hard_state, conf_state, snapshot, entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: u64, term: u64) -> Entry {
        Entry { index, term, ..Default::default() }
    }

    fn snapshot(index: u64, term: u64) -> Snapshot {
        let mut s = Snapshot::default();
        s.mut_metadata().index = index;
        s.mut_metadata().term = term;
        s
    }

    #[test]
    fn later_entries_truncate_and_gaps_stop_replay() {
        let mut wal = Vec::new();
        for e in [entry(1, 1), entry(2, 1), entry(3, 1), entry(2, 2), entry(5, 2)] {
            wal.extend_from_slice(&entry_record(&e));
        }
        let (_, entries, good) = replay_wal(&wal);
        let ids: Vec<_> = entries.iter().map(|e| (e.index, e.term)).collect();
        assert_eq!(ids, vec![(1, 1), (2, 2)]);
        assert!(good < wal.len(), "the gap record is cut");
    }

    #[test]
    fn stale_suffix_of_an_installed_snapshot_is_dropped() {
        let log = vec![entry(4, 1), entry(5, 1), entry(6, 1)];
        assert!(entries_after(&snapshot(5, 2), log.clone()).is_empty(), "term mismatch at 5");
        let kept: Vec<_> = entries_after(&snapshot(5, 1), log.clone()).iter().map(|e| e.index).collect();
        assert_eq!(kept, vec![6]);
        assert_eq!(entries_after(&snapshot(3, 1), log.clone()).len(), 3, "WAL starts right after");
        assert!(entries_after(&snapshot(2, 1), log).is_empty(), "gap after the snapshot");
    }

    #[test]
    fn torn_tail_is_cut_and_term_raised_without_vote() {
        let mut disk = crate::storage::MemStorage::new();
        let hs = HardState { term: 1, vote: 2, commit: 9, ..Default::default() };
        disk.append(RAFTRS_WAL_FILE, &hard_state_record(&hs)).unwrap();
        disk.append(RAFTRS_WAL_FILE, &entry_record(&entry(1, 3))).unwrap();
        let torn = entry_record(&entry(2, 3));
        disk.append(RAFTRS_WAL_FILE, &torn[..torn.len() - 1]).unwrap();
        let r = recover(&mut disk, &[1, 2, 3]).unwrap();
        assert_eq!((r.hard_state.term, r.hard_state.vote, r.hard_state.commit), (3, 0, 1));
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.conf_state.voters, vec![1, 2, 3]);
        let cut = disk.read(RAFTRS_WAL_FILE).unwrap().len();
        assert_eq!(cut, hard_state_record(&hs).len() + entry_record(&entry(1, 3)).len());
    }
}
