//! On-disk layout of a raft-rs node over our `Storage`. `raftrs.wal`: append-only framed records
//! (tag byte + protobuf `HardState` or `Entry`); a later entry at an index truncates what followed
//! it. `raftrs.snap`: one framed protobuf `Snapshot` (metadata with ConfState + the follow graph's
//! bytes), replaced atomically. Recovery cuts a torn WAL tail and reconciles WAL and snapshot; when
//! it dropped anything it rewrites the WAL to exactly what it kept, so later appends follow it.
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
    let (mut hard_state, replayed, good) = replay_wal(&wal);
    let replayed_len = replayed.len();
    let entries = entries_after(&snapshot, replayed);
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
    if good < wal.len() || entries.len() < replayed_len {
        rewrite_wal(storage, &hard_state, &entries)?;
    }
    Ok(Recovered { hard_state, conf_state, snapshot, entries })
}

/// Replaces the WAL with exactly what recovery kept, and syncs it before the node builds on it.
/// Appends go after whatever the file holds, so a torn tail or records recovery dropped (the
/// stale log an installed snapshot superseded, when the crash kept the snapshot but not the WAL
/// rewrite) must not stay in it: entries appended after a stale log that ends below the snapshot
/// would follow a gap, and the next replay stops at that gap, losing entries that were synced
/// and acknowledged (raft-rs then panics "to_commit … out of range" when the leader's commit
/// reaches them).
fn rewrite_wal<S: Storage>(storage: &mut S, hard_state: &HardState, entries: &[Entry]) -> Result<(), StorageError> {
    let mut wal = hard_state_record(hard_state);
    for e in entries {
        wal.extend_from_slice(&entry_record(e));
    }
    storage.replace(RAFTRS_WAL_FILE, &wal)?;
    storage.sync()
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
        let kept = hard_state_record(&r.hard_state).len() + entry_record(&entry(1, 3)).len();
        disk.crash();
        assert_eq!(disk.read(RAFTRS_WAL_FILE).unwrap().len(), kept, "the cut WAL was synced");
    }

    /// Seeds 174, 329, 350, 388, 474, 526 and 606 of scenarios/raft-rs.toml on native: a follower
    /// installing a snapshot at 100 fail-stopped on the WAL rewrite; the crash kept the snapshot
    /// and the stale WAL (entries 1..=3 here). Entries appended after that must survive the next
    /// recovery, which they did not when the stale records stayed in the file before them.
    #[test]
    fn stale_wal_superseded_by_the_snapshot_is_rewritten_before_appends() {
        let mut disk = crate::storage::MemStorage::new();
        disk.replace(RAFTRS_SNAPSHOT_FILE, &snapshot_file(&snapshot(100, 2))).unwrap();
        disk.append(RAFTRS_WAL_FILE, &hard_state_record(&HardState { term: 1, ..Default::default() })).unwrap();
        for i in 1..=3 {
            disk.append(RAFTRS_WAL_FILE, &entry_record(&entry(i, 1))).unwrap();
        }
        disk.sync().unwrap();
        let r = recover(&mut disk, &[1, 2, 3]).unwrap();
        assert!(r.entries.is_empty());
        assert_eq!((r.hard_state.term, r.hard_state.commit), (2, 100), "the snapshot's term, no vote");
        disk.crash();
        for i in 101..=103 {
            disk.append(RAFTRS_WAL_FILE, &entry_record(&entry(i, 2))).unwrap();
        }
        disk.sync().unwrap();
        disk.crash();
        let r = recover(&mut disk, &[1, 2, 3]).unwrap();
        let ids: Vec<_> = r.entries.iter().map(|e| (e.index, e.term)).collect();
        assert_eq!(ids, vec![(101, 2), (102, 2), (103, 2)], "synced entries after the snapshot survive");
    }

    #[test]
    fn a_clean_wal_is_not_rewritten() {
        let mut disk = crate::storage::MemStorage::new();
        disk.append(RAFTRS_WAL_FILE, &hard_state_record(&HardState { term: 1, commit: 1, ..Default::default() }))
            .unwrap();
        disk.append(RAFTRS_WAL_FILE, &entry_record(&entry(1, 1))).unwrap();
        let before = disk.read(RAFTRS_WAL_FILE).unwrap();
        recover(&mut disk, &[1]).unwrap();
        assert_eq!(disk.read(RAFTRS_WAL_FILE).unwrap(), before);
    }
}
