//! `raft::Storage` over our `Storage`: raft-rs reads an in-memory mirror of what was written;
//! every change goes to the disk files first (volatile until `sync`) and to the mirror with it.
use super::entry::digest;
use super::persist::{self, Recovered, RAFTRS_SNAPSHOT_FILE, RAFTRS_WAL_FILE};
use crate::raft::EntryId;
use crate::storage::{Storage, StorageError};
use raft::eraftpb::{ConfState, Entry, HardState, Snapshot};
use raft::{GetEntriesContext, RaftState, StorageError as RaftStorageError};

/// The log, hard state and latest snapshot of one node, backed by `S`.
pub struct DiskStore<S: Storage> {
    disk: S,
    hard_state: HardState,
    conf_state: ConfState,
    snapshot: Snapshot,
    /// Entries after the snapshot, contiguous.
    entries: Vec<Entry>,
    /// `digest` of each of `entries`, computed once for observers.
    digests: Vec<u64>,
}

impl<S: Storage> DiskStore<S> {
    /// Recovers from `disk` (an empty disk is a fresh member of `voters`).
    pub(crate) fn open(mut disk: S, voters: &[u64]) -> Result<Self, StorageError> {
        let Recovered { hard_state, conf_state, snapshot, entries } = persist::recover(&mut disk, voters)?;
        let digests = entries.iter().map(digest).collect();
        Ok(DiskStore { disk, hard_state, conf_state, snapshot, entries, digests })
    }

    /// The disk underneath.
    pub fn disk(&self) -> &S {
        &self.disk
    }

    /// The latest snapshot (index 0 if none).
    pub fn snapshot_ref(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Ids of the entries after the snapshot, in index order.
    pub fn entry_ids(&self) -> impl Iterator<Item = EntryId> + '_ {
        self.entries.iter().zip(&self.digests).map(|(e, d)| EntryId { index: e.index, term: e.term, digest: *d })
    }

    fn snapshot_index(&self) -> u64 {
        self.snapshot.get_metadata().index
    }

    fn last(&self) -> u64 {
        self.entries.last().map_or(self.snapshot_index(), |e| e.index)
    }

    /// Appends entries from a Ready, overwriting any conflicting suffix.
    pub(crate) fn append(&mut self, entries: &[Entry]) -> Result<(), StorageError> {
        let Some(first) = entries.first() else { return Ok(()) };
        assert!(first.index > self.snapshot_index(), "raft-rs appends only after the snapshot");
        assert!(first.index <= self.last() + 1, "raft-rs appends contiguously");
        let mut bytes = Vec::new();
        for e in entries {
            bytes.extend_from_slice(&persist::entry_record(e));
        }
        self.disk.append(RAFTRS_WAL_FILE, &bytes)?;
        let keep = (first.index - self.snapshot_index() - 1) as usize;
        self.entries.truncate(keep);
        self.digests.truncate(keep);
        self.entries.extend_from_slice(entries);
        self.digests.extend(entries.iter().map(digest));
        Ok(())
    }

    /// Records a new hard state.
    pub(crate) fn set_hard_state(&mut self, hs: &HardState) -> Result<(), StorageError> {
        self.disk.append(RAFTRS_WAL_FILE, &persist::hard_state_record(hs))?;
        self.hard_state = hs.clone();
        Ok(())
    }

    /// Notes a commit index from a LightReady (made durable with the next hard-state record).
    pub(crate) fn set_commit(&mut self, commit: u64) {
        self.hard_state.commit = commit;
    }

    /// Installs a snapshot from the leader: it replaces the whole log.
    pub(crate) fn install_snapshot(&mut self, snapshot: Snapshot) -> Result<(), StorageError> {
        let meta = snapshot.get_metadata();
        self.hard_state.term = self.hard_state.term.max(meta.term);
        self.hard_state.commit = meta.index;
        if let Some(cs) = meta.conf_state.as_ref() {
            self.conf_state = cs.clone();
        }
        self.disk.replace(RAFTRS_SNAPSHOT_FILE, &persist::snapshot_file(&snapshot))?;
        // Until synced the WAL may keep its stale suffix; recovery drops it (see persist).
        self.disk.replace(RAFTRS_WAL_FILE, &persist::hard_state_record(&self.hard_state))?;
        self.snapshot = snapshot;
        self.entries.clear();
        self.digests.clear();
        Ok(())
    }

    /// Snapshots the state machine at `index` (applied) and drops the log up to it.
    pub(crate) fn compact(&mut self, index: u64, data: Vec<u8>) -> Result<(), StorageError> {
        let offset = self.snapshot_index();
        assert!(index > offset && index <= self.last(), "compacting within the log");
        let at = (index - offset - 1) as usize;
        let mut snapshot = Snapshot { data: data.into(), ..Default::default() };
        let meta = snapshot.mut_metadata();
        meta.index = index;
        meta.term = self.entries[at].term;
        meta.set_conf_state(self.conf_state.clone());
        // The snapshot must be durable before the WAL loses the prefix it covers.
        self.disk.replace(RAFTRS_SNAPSHOT_FILE, &persist::snapshot_file(&snapshot))?;
        self.disk.sync()?;
        self.entries.drain(..=at);
        self.digests.drain(..=at);
        let mut wal = persist::hard_state_record(&self.hard_state);
        for e in &self.entries {
            wal.extend_from_slice(&persist::entry_record(e));
        }
        self.disk.replace(RAFTRS_WAL_FILE, &wal)?;
        self.snapshot = snapshot;
        Ok(())
    }

    /// Makes every earlier write durable.
    pub(crate) fn sync(&mut self) -> Result<(), StorageError> {
        self.disk.sync()
    }
}

fn unavailable() -> raft::Error {
    raft::Error::Store(RaftStorageError::Unavailable)
}

impl<S: Storage> raft::Storage for DiskStore<S> {
    fn initial_state(&self) -> raft::Result<RaftState> {
        Ok(RaftState::new(self.hard_state.clone(), self.conf_state.clone()))
    }

    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        _context: GetEntriesContext,
    ) -> raft::Result<Vec<Entry>> {
        let offset = self.snapshot_index() + 1;
        if low < offset {
            return Err(raft::Error::Store(RaftStorageError::Compacted));
        }
        if high > self.last() + 1 || low > high {
            return Err(unavailable());
        }
        let mut entries = self.entries[(low - offset) as usize..(high - offset) as usize].to_vec();
        raft::util::limit_size(&mut entries, max_size.into());
        Ok(entries)
    }

    fn term(&self, index: u64) -> raft::Result<u64> {
        let meta = self.snapshot.get_metadata();
        if index == meta.index {
            return Ok(meta.term);
        }
        if index < meta.index {
            return Err(raft::Error::Store(RaftStorageError::Compacted));
        }
        self.entries.get((index - meta.index - 1) as usize).map(|e| e.term).ok_or_else(unavailable)
    }

    fn first_index(&self) -> raft::Result<u64> {
        Ok(self.snapshot_index() + 1)
    }

    fn last_index(&self) -> raft::Result<u64> {
        Ok(self.last())
    }

    fn snapshot(&self, request_index: u64, _to: u64) -> raft::Result<Snapshot> {
        if self.snapshot_index() < request_index || self.snapshot_index() == 0 {
            return Err(raft::Error::Store(RaftStorageError::SnapshotTemporarilyUnavailable));
        }
        Ok(self.snapshot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemStorage;
    use raft::Storage as _;

    fn entry(index: u64, term: u64) -> Entry {
        Entry { index, term, ..Default::default() }
    }

    /// The disk a follower left when it fail-stopped installing a snapshot at 100 and the crash
    /// kept the snapshot but not the WAL rewrite: the stale log 1..=3 is still in the WAL.
    fn disk_with_snapshot_and_stale_wal() -> MemStorage {
        let mut disk = MemStorage::new();
        let mut snapshot = Snapshot::default();
        snapshot.mut_metadata().index = 100;
        snapshot.mut_metadata().term = 2;
        disk.replace(RAFTRS_SNAPSHOT_FILE, &persist::snapshot_file(&snapshot)).unwrap();
        disk.append(RAFTRS_WAL_FILE, &persist::hard_state_record(&HardState { term: 1, ..Default::default() }))
            .unwrap();
        for i in 1..=3 {
            disk.append(RAFTRS_WAL_FILE, &persist::entry_record(&entry(i, 1))).unwrap();
        }
        disk.sync().unwrap();
        disk
    }

    #[test]
    fn synced_appends_after_a_recovered_snapshot_survive_a_crash() {
        let mut store = DiskStore::open(disk_with_snapshot_and_stale_wal(), &[1, 2, 3]).unwrap();
        assert_eq!((store.first_index().unwrap(), store.last_index().unwrap()), (101, 100));
        store.append(&[entry(101, 2), entry(102, 2)]).unwrap();
        let hs = HardState { term: 2, vote: 0, commit: 102, ..Default::default() };
        store.set_hard_state(&hs).unwrap();
        store.sync().unwrap();
        let mut disk = store.disk().clone();
        disk.crash();
        let store = DiskStore::open(disk, &[1, 2, 3]).unwrap();
        assert_eq!(store.last_index().unwrap(), 102, "what was synced (and acknowledged) is recovered");
        assert_eq!(store.initial_state().unwrap().hard_state, hs);
    }
}
