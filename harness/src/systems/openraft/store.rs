//! openraft's storage over the node's `SimDisk`: the vote (replaced and synced), the log (an
//! append-only file of length-prefixed records, synced before openraft hears the append is
//! done), and the snapshot (replaced and synced). The state machine itself is volatile:
//! openraft re-applies the log after the snapshot at every boot. What the checks observe
//! (vote, log ids, applied entries) is read from here, under one lock, after every step.
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

/// Decodes the log file's records; a torn last record (a crash mid-append) ends the log.
fn read_records(bytes: &[u8]) -> Vec<LogRecord> {
    let mut records = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 4 {
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let Some(body) = rest.get(4..4 + len) else { break };
        let Ok(record) = serde_json::from_slice::<LogRecord>(body) else { break };
        records.push(record);
        rest = &rest[4 + len..];
    }
    records
}

fn corrupt(file: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError(format!("{file}: {e}"))
}

impl Store {
    /// Recovers vote, log and snapshot from `disk` (an empty disk is a fresh node).
    pub fn open(disk: SharedDisk, ack_before_sync: bool) -> Result<Self, StorageError> {
        let mut s = Stored::default();
        let vote = disk.read(VOTE_FILE)?;
        if !vote.is_empty() {
            s.vote = Some(serde_json::from_slice(&vote).map_err(|e| corrupt(VOTE_FILE, e))?);
        }
        for record in read_records(&disk.read(LOG_FILE)?) {
            match record {
                LogRecord::Entry(e) => s.insert(e),
                LogRecord::Truncate(from) => s.truncate(from),
                LogRecord::Purge(upto) => s.purge(upto),
            }
        }
        let snapshot = disk.read(SNAPSHOT_FILE)?;
        if !snapshot.is_empty() {
            let snap: StoredSnapshot = serde_json::from_slice(&snapshot).map_err(|e| corrupt(SNAPSHOT_FILE, e))?;
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
        for e in entries {
            self.append_record(&LogRecord::Entry(e.clone())).map_err(to_openraft)?;
            self.lock().insert(e);
        }
        if self.ack_before_sync {
            // The planted bug: openraft hears "durable" now; the sync comes on the host's next tick.
            self.lock().sync_owed = true;
        } else {
            self.sync().map_err(to_openraft)?;
        }
        callback.log_io_completed(Ok(()));
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), OrStorageError> {
        self.append_record(&LogRecord::Truncate(log_id.index)).map_err(to_openraft)?;
        self.sync().map_err(to_openraft)?;
        self.lock().truncate(log_id.index);
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), OrStorageError> {
        self.append_record(&LogRecord::Purge(log_id)).map_err(to_openraft)?;
        self.sync().map_err(to_openraft)?;
        self.lock().purge(log_id);
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
        let mut s = self.lock();
        s.snapshot = Some(snap.clone());
        s.version += 1;
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
        let mut s = self.lock();
        s.graph = graph;
        s.applied = meta.last_log_id;
        s.membership = meta.last_membership.clone();
        s.snapshot = Some(snap);
        s.version += 1;
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, OrStorageError> {
        let s = self.lock();
        Ok(s.snapshot.clone().map(|snap| Snapshot { meta: snap.meta, snapshot: Box::new(Cursor::new(snap.data)) }))
    }
}
