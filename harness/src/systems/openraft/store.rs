//! openraft's storage over the node's `SimDisk`: the vote (replaced and synced), the log (an
//! append-only file of length-prefixed records, synced before openraft sees the entries or
//! hears the append is done), and the snapshot (replaced and synced). The state machine itself
//! is volatile: openraft re-applies the log after the snapshot at every boot, so the log keeps
//! every entry the durable snapshot does not cover (a purge reaches the disk only once a
//! snapshot covering it is durable). Recovery cuts a torn tail off the log file before anything
//! is appended after it. What the checks observe (vote, log ids, applied entries) is read from
//! here, under one lock, after every step.
use super::types::{our_index, packed_term, to_openraft, Entry, LogId, OrStorageError, TypeConfig};
use crate::world::SharedDisk;
use faultline_systems::raft::{AppliedEntry, EntryId, StateMachine};
use faultline_systems::relations::{encode_request, FollowGraph, Reply};
use faultline_systems::storage::{Storage, StorageError};
use openraft::storage::{LogFlushed, RaftLogStorage, RaftStateMachine};
use openraft::{
    EntryPayload, LogState, RaftLogReader, RaftSnapshotBuilder, Snapshot, SnapshotMeta, StoredMembership, Vote,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::ops::RangeBounds;
use std::sync::{Arc, Mutex, MutexGuard};

/// The vote file.
pub const VOTE_FILE: &str = "openraft-vote";
/// The log file.
pub const LOG_FILE: &str = "openraft-log";
/// The snapshot file.
pub const SNAPSHOT_FILE: &str = "openraft-snapshot";

/// One record of the log file.
#[derive(Serialize, Deserialize)]
enum LogRecord {
    /// An appended entry.
    Entry(Entry),
    /// Entries from this openraft index on were deleted (a conflicting suffix).
    Truncate(u64),
    /// Entries up to and including this log id were purged (covered by a snapshot).
    Purge(LogId),
}

/// A snapshot as the disk keeps it.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredSnapshot {
    /// openraft's description of it.
    pub meta: SnapshotMeta<u64, openraft::EmptyNode>,
    /// The follow graph's bytes.
    pub data: Vec<u8>,
}

/// Everything one node's storage holds, shared by openraft's two storage halves and the host.
#[derive(Default)]
pub struct Stored {
    /// The persisted vote.
    pub vote: Option<Vote<u64>>,
    /// The log, by openraft index.
    pub log: BTreeMap<u64, Entry>,
    /// The identities of `log`'s entries, as the checks see them (computed once per entry).
    pub ids: BTreeMap<u64, EntryId>,
    /// Bumped at every change, so the host observes only when something changed.
    pub version: u64,
    /// Last purged log id.
    pub purged: Option<LogId>,
    /// The applied follow graph.
    pub graph: FollowGraph,
    /// Last applied log id.
    pub applied: Option<LogId>,
    /// Membership as of `applied`.
    pub membership: StoredMembership<u64, openraft::EmptyNode>,
    /// The latest snapshot.
    pub snapshot: Option<StoredSnapshot>,
    /// Entries applied since the host last looked, for the recorded run.
    pub applied_pending: Vec<AppliedEntry>,
    /// A log append openraft was told is durable but is not (only with the planted bug).
    pub sync_owed: bool,
    /// A purge openraft asked for that no durable snapshot covers yet: done in memory, written
    /// to the log file once a snapshot covering it is durable (see `Store::purge`).
    pub purge_owed: Option<LogId>,
}

impl Stored {
    fn insert(&mut self, e: Entry) {
        self.version += 1;
        self.ids.insert(e.log_id.index, entry_id(&e));
        self.log.insert(e.log_id.index, e);
    }

    fn truncate(&mut self, from: u64) {
        self.version += 1;
        drop(self.log.split_off(&from));
        drop(self.ids.split_off(&from));
    }

    fn purge(&mut self, upto: LogId) {
        self.version += 1;
        self.log = self.log.split_off(&(upto.index + 1));
        self.ids = self.ids.split_off(&(upto.index + 1));
        self.purged = Some(upto);
    }
}

/// The shared storage of one node.
#[derive(Clone)]
pub struct Store {
    state: Arc<Mutex<Stored>>,
    disk: SharedDisk,
    /// The planted bug: acknowledge appends before the sync.
    ack_before_sync: bool,
}

/// The identity of a log entry as the checks see it: our index, packed term, payload digest.
pub fn entry_id(e: &Entry) -> EntryId {
    use sha2::{Digest, Sha256};
    let payload = serde_json::to_vec(&e.payload).unwrap_or_default();
    let d = Sha256::digest(&payload);
    let digest = u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
    let leader = e.log_id.leader_id;
    EntryId { index: our_index(&e.log_id), term: packed_term(leader.term, leader.node_id), digest }
}

/// Decodes the log file's records; a torn last record (a crash mid-append) ends the log. Also
/// returns how many bytes held whole records.
fn read_records(bytes: &[u8]) -> (Vec<LogRecord>, usize) {
    let mut records = Vec::new();
    let mut good = 0usize;
    while let Some(header) = bytes.get(good..good + 4) {
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(body) = bytes.get(good + 4..(good + 4).saturating_add(len)) else { break };
        let Ok(record) = serde_json::from_slice::<LogRecord>(body) else { break };
        records.push(record);
        good += 4 + len;
    }
    (records, good)
}

/// The snapshot file's contents, if any.
fn read_snapshot(disk: &SharedDisk) -> Result<Option<StoredSnapshot>, StorageError> {
    let bytes = disk.read(SNAPSHOT_FILE)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(&bytes).map(Some).map_err(|e| corrupt(SNAPSHOT_FILE, e))
}

/// Whether `snapshot` covers every entry up to `upto`.
fn covers(snapshot: Option<&StoredSnapshot>, upto: &LogId) -> bool {
    snapshot.and_then(|s| s.meta.last_log_id).is_some_and(|l| l.index >= upto.index)
}

fn corrupt(file: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError(format!("{file}: {e}"))
}

impl Store {
    /// Recovers vote, log and snapshot from `disk` (an empty disk is a fresh node).
    pub fn open(mut disk: SharedDisk, ack_before_sync: bool) -> Result<Self, StorageError> {
        let mut s = Stored::default();
        let vote = disk.read(VOTE_FILE)?;
        if !vote.is_empty() {
            s.vote = Some(serde_json::from_slice(&vote).map_err(|e| corrupt(VOTE_FILE, e))?);
        }
        let log = disk.read(LOG_FILE)?;
        let (records, good) = read_records(&log);
        if good < log.len() {
            // Appends go after whatever the file holds: left in place, a torn record would end
            // the next replay early and hide every synced entry appended after it.
            disk.replace(LOG_FILE, &log[..good])?;
            disk.sync()?;
        }
        for record in records {
            match record {
                LogRecord::Entry(e) => s.insert(e),
                LogRecord::Truncate(from) => s.truncate(from),
                LogRecord::Purge(upto) => s.purge(upto),
            }
        }
        if let Some(snap) = read_snapshot(&disk)? {
            s.graph.restore(&snap.data).map_err(|e| corrupt(SNAPSHOT_FILE, e))?;
            s.applied = snap.meta.last_log_id;
            s.membership = snap.meta.last_membership.clone();
            s.snapshot = Some(snap);
        }
        Ok(Store { state: Arc::new(Mutex::new(s)), disk, ack_before_sync })
    }

    /// The shared state, locked.
    pub fn lock(&self) -> MutexGuard<'_, Stored> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether nothing was ever persisted here (the one case where a node may initialise).
    pub fn is_fresh(&self) -> bool {
        let s = self.lock();
        s.vote.is_none() && s.log.is_empty() && s.purged.is_none() && s.snapshot.is_none()
    }

    /// The node's disk.
    pub fn disk(&self) -> &SharedDisk {
        &self.disk
    }

    /// Pays the sync the planted bug skipped (the host calls this on its next tick).
    pub fn pay_owed_sync(&self) -> Result<(), StorageError> {
        let owed = std::mem::take(&mut self.lock().sync_owed);
        if owed {
            self.disk.clone().sync()?;
        }
        Ok(())
    }

    fn append_record(&self, record: &LogRecord) -> Result<(), StorageError> {
        let body = serde_json::to_vec(record).map_err(|e| StorageError(e.to_string()))?;
        let len = u32::try_from(body.len()).map_err(|e| StorageError(e.to_string()))?;
        let mut bytes = len.to_le_bytes().to_vec();
        bytes.extend_from_slice(&body);
        self.disk.clone().append(LOG_FILE, &bytes)
    }

    fn sync(&self) -> Result<(), StorageError> {
        self.disk.clone().sync()
    }

    /// Appends `entries` to the log file, syncs them, and only then makes them visible: what
    /// openraft (and the checks' observations) read of this log must be on the disk, or a
    /// failed sync would leave entries readable that the fail-stop's crash then loses.
    fn persist_entries(&self, entries: Vec<Entry>) -> Result<(), StorageError> {
        for e in &entries {
            self.append_record(&LogRecord::Entry(e.clone()))?;
        }
        if self.ack_before_sync {
            // The planted bug: openraft hears "durable" now; the sync comes on the host's next tick.
            self.lock().sync_owed = true;
        } else {
            self.sync()?;
        }
        let mut s = self.lock();
        for e in entries {
            s.insert(e);
        }
        Ok(())
    }

    /// Writes the purge owed to the log file once a durable snapshot covers it (call after the
    /// snapshot's sync).
    fn pay_owed_purge(&self) -> Result<(), StorageError> {
        let owed = {
            let mut s = self.lock();
            match s.purge_owed {
                Some(upto) if covers(s.snapshot.as_ref(), &upto) => s.purge_owed.take(),
                _ => None,
            }
        };
        if let Some(upto) = owed {
            self.append_record(&LogRecord::Purge(upto))?;
            self.sync()?;
        }
        Ok(())
    }
}

impl RaftLogReader<TypeConfig> for Store {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + std::fmt::Debug + openraft::OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, OrStorageError> {
        use std::ops::Bound;
        let start = match range.start_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&i) => i.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&i) => i.saturating_add(1),
            Bound::Excluded(&i) => i,
            Bound::Unbounded => u64::MAX,
        };
        // An empty or reversed range (openraft asks for one when a crash lost entries it was
        // told were durable) holds nothing; `BTreeMap::range` would panic on a reversed one.
        if start >= end {
            return Ok(Vec::new());
        }
        Ok(self.lock().log.range(start..end).map(|(_, e)| e.clone()).collect())
    }
}

impl RaftLogStorage<TypeConfig> for Store {
    type LogReader = Store;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, OrStorageError> {
        let s = self.lock();
        let last = s.log.values().next_back().map(|e| e.log_id).or(s.purged);
        Ok(LogState { last_purged_log_id: s.purged, last_log_id: last })
    }

    async fn get_log_reader(&mut self) -> Store {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), OrStorageError> {
        let bytes = serde_json::to_vec(vote).map_err(|e| to_openraft(StorageError(e.to_string())))?;
        self.disk.clone().replace(VOTE_FILE, &bytes).map_err(to_openraft)?;
        self.sync().map_err(to_openraft)?;
        let mut s = self.lock();
        s.vote = Some(*vote);
        s.version += 1;
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, OrStorageError> {
        Ok(self.lock().vote)
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), OrStorageError>
    where
        I: IntoIterator<Item = Entry> + openraft::OptionalSend,
        I::IntoIter: openraft::OptionalSend,
    {
        self.persist_entries(entries.into_iter().collect()).map_err(to_openraft)?;
        callback.log_io_completed(Ok(()));
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), OrStorageError> {
        self.append_record(&LogRecord::Truncate(log_id.index)).map_err(to_openraft)?;
        self.sync().map_err(to_openraft)?;
        self.lock().truncate(log_id.index);
        Ok(())
    }

    /// openraft may purge up to a snapshot it is still installing (the state machine worker
    /// runs apart from the log): made durable first, the purge would leave a disk whose log
    /// starts after a gap past its snapshot if the install then failed, and every boot would
    /// fail-stop. So the purge is durable only once a durable snapshot covers it; until then the
    /// disk keeps the entries (recovery just re-reads them) and only memory forgets them.
    async fn purge(&mut self, log_id: LogId) -> Result<(), OrStorageError> {
        let covered = covers(self.lock().snapshot.as_ref(), &log_id);
        if covered {
            self.append_record(&LogRecord::Purge(log_id)).map_err(to_openraft)?;
            self.sync().map_err(to_openraft)?;
        }
        let mut s = self.lock();
        s.purge_owed = if covered { None } else { Some(log_id) };
        s.purge(log_id);
        Ok(())
    }
}

/// Applies one entry to the graph, noting it for the recorded run; its reply to the client
/// (None: a stale retry, whose client has moved on, gets none).
fn apply_one(s: &mut Stored, e: Entry) -> Option<Reply> {
    let index = our_index(&e.log_id);
    let id = s.ids.get(&e.log_id.index).copied().unwrap_or_else(|| entry_id(&e));
    s.applied = Some(e.log_id);
    s.version += 1;
    let (reply, request, command) = match e.payload {
        EntryPayload::Blank => (None, None, None),
        EntryPayload::Membership(m) => {
            s.membership = StoredMembership::new(Some(e.log_id), m);
            (None, None, None)
        }
        EntryPayload::Normal(request) => {
            let reply = match s.graph.apply_request(&request) {
                Some(Reply::Written { changed, .. }) => Some(Reply::Written { changed, index }),
                other => other,
            };
            (reply, Some(request.id), Some(encode_request(&request)))
        }
    };
    s.applied_pending.push(AppliedEntry { id, request, command });
    reply
}

impl RaftSnapshotBuilder<TypeConfig> for Store {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, OrStorageError> {
        let snap = {
            let s = self.lock();
            let id = s.applied.map_or_else(|| "none".to_string(), |l| format!("{}-{}", l.leader_id, l.index));
            let meta = SnapshotMeta { last_log_id: s.applied, last_membership: s.membership.clone(), snapshot_id: id };
            StoredSnapshot { meta, data: s.graph.snapshot() }
        };
        let bytes = serde_json::to_vec(&snap).map_err(|e| to_openraft(StorageError(e.to_string())))?;
        self.disk.clone().replace(SNAPSHOT_FILE, &bytes).map_err(to_openraft)?;
        self.sync().map_err(to_openraft)?;
        {
            let mut s = self.lock();
            s.snapshot = Some(snap.clone());
            s.version += 1;
        }
        self.pay_owed_purge().map_err(to_openraft)?;
        Ok(Snapshot { meta: snap.meta, snapshot: Box::new(Cursor::new(snap.data)) })
    }
}

impl RaftStateMachine<TypeConfig> for Store {
    type SnapshotBuilder = Store;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId>, StoredMembership<u64, openraft::EmptyNode>), OrStorageError> {
        let s = self.lock();
        Ok((s.applied, s.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Option<Reply>>, OrStorageError>
    where
        I: IntoIterator<Item = Entry> + openraft::OptionalSend,
        I::IntoIter: openraft::OptionalSend,
    {
        let mut s = self.lock();
        Ok(entries.into_iter().map(|e| apply_one(&mut s, e)).collect())
    }

    async fn get_snapshot_builder(&mut self) -> Store {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, OrStorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, openraft::EmptyNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), OrStorageError> {
        let snap = StoredSnapshot { meta: meta.clone(), data: snapshot.into_inner() };
        let mut graph = FollowGraph::default();
        graph.restore(&snap.data).map_err(|e| to_openraft(corrupt("installed snapshot", e)))?;
        let bytes = serde_json::to_vec(&snap).map_err(|e| to_openraft(StorageError(e.to_string())))?;
        self.disk.clone().replace(SNAPSHOT_FILE, &bytes).map_err(to_openraft)?;
        self.sync().map_err(to_openraft)?;
        {
            let mut s = self.lock();
            s.graph = graph;
            s.applied = meta.last_log_id;
            s.membership = meta.last_membership.clone();
            s.snapshot = Some(snap);
            s.version += 1;
        }
        self.pay_owed_purge().map_err(to_openraft)
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, OrStorageError> {
        let s = self.lock();
        Ok(s.snapshot.clone().map(|snap| Snapshot { meta: snap.meta, snapshot: Box::new(Cursor::new(snap.data)) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    /// Runs a store call to completion: they never wait on anything, so one poll finishes them.
    fn now<T>(f: impl Future<Output = T>) -> T {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("a store call waited"),
        }
    }

    fn log_id(index: u64) -> LogId {
        LogId::new(openraft::CommittedLeaderId::new(1, 1), index)
    }

    fn entry(index: u64) -> Entry {
        Entry { log_id: log_id(index), payload: EntryPayload::Blank }
    }

    fn indices(store: &Store) -> Vec<u64> {
        store.lock().log.keys().copied().collect()
    }

    /// A store whose disk holds synced entries `1..=n`.
    fn store_with(n: u64) -> Store {
        let store = Store::open(SharedDisk::new(1), false).unwrap();
        for i in 1..=n {
            store.append_record(&LogRecord::Entry(entry(i))).unwrap();
        }
        store.sync().unwrap();
        Store::open(store.disk().clone(), false).unwrap()
    }

    #[test]
    fn a_torn_tail_is_cut_so_later_synced_entries_are_recovered() {
        let store = store_with(2);
        let mut disk = store.disk().clone();
        disk.append(LOG_FILE, &[7, 0, 0, 0, b'{']).unwrap(); // a crash mid-append kept 5 bytes
        disk.sync().unwrap();
        let store = Store::open(disk, false).unwrap();
        assert_eq!(indices(&store), vec![1, 2]);
        store.append_record(&LogRecord::Entry(entry(3))).unwrap();
        store.sync().unwrap();
        let store = Store::open(store.disk().clone(), false).unwrap();
        assert_eq!(indices(&store), vec![1, 2, 3], "the entry synced after the torn record is kept");
    }

    /// Seed 963 (with disk-eio) looped in fail-stop at boot: openraft purged up to 3 while the
    /// snapshot covering it was still being installed, the install failed, and the disk was left
    /// with a log starting after a gap past its snapshot.
    #[test]
    fn a_purge_reaches_the_disk_only_once_a_snapshot_covers_it() {
        let mut store = store_with(5);
        now(RaftLogStorage::purge(&mut store, log_id(3))).unwrap();
        assert_eq!(indices(&store), vec![4, 5], "openraft sees the purge at once");
        let reopened = Store::open(store.disk().clone(), false).unwrap();
        assert_eq!(indices(&reopened), vec![1, 2, 3, 4, 5], "no snapshot covers it: the disk keeps the entries");
        assert_eq!(reopened.lock().purged, None);
        let meta = SnapshotMeta {
            last_log_id: Some(log_id(3)),
            last_membership: StoredMembership::default(),
            snapshot_id: "1-1-3".into(),
        };
        let data = Box::new(Cursor::new(FollowGraph::default().snapshot()));
        now(RaftStateMachine::install_snapshot(&mut store, &meta, data)).unwrap();
        let reopened = Store::open(store.disk().clone(), false).unwrap();
        assert_eq!(indices(&reopened), vec![4, 5], "the covering snapshot is durable: so is the purge");
        assert_eq!(reopened.lock().purged, Some(log_id(3)));
    }

    #[test]
    fn entries_whose_sync_failed_are_not_visible() {
        // Find a disk seed whose first error is the sync's, not an append's.
        let failed_sync = (0..64).find_map(|seed| {
            let store = Store::open(SharedDisk::new(seed), false).unwrap();
            store.disk().set_eio_probability(0.5);
            match store.persist_entries(vec![entry(1), entry(2)]) {
                Err(e) if e.0.contains("sync") => Some(store),
                _ => None,
            }
        });
        let store = failed_sync.expect("some seed fails the sync alone");
        assert!(indices(&store).is_empty(), "openraft must not read entries the disk did not sync");
    }
}
