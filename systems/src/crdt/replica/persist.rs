//! What a replica keeps on disk: one snapshot file, replaced atomically. Local writes sync it
//! before they are acknowledged; merged state is written without a sync (peers still hold it).
use super::api::CrdtReply;
use super::graphs::Graphs;
use crate::crdt::{ReplicaId, Timestamp};
use crate::storage::{Storage, StorageError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The snapshot file's name.
pub const SNAPSHOT_FILE: &str = "crdt.snapshot";

/// Everything that must survive a crash, written as one unit so the parts always agree.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// The graphs (the OR-Set carries its own dot counter).
    pub graphs: Graphs,
    /// The HLC's last stamp, so stamps never go back across a crash.
    pub hlc_last: Timestamp,
    /// Per peer: we hold its state as of this stamp of its (stability bookkeeping).
    pub heard: BTreeMap<ReplicaId, Timestamp>,
    /// Per client: its last request's sequence number and our answer (retries are answered
    /// again, not applied twice).
    pub answered: BTreeMap<u64, (u64, CrdtReply)>,
}

/// Reads the snapshot; `None` on a fresh disk. A file that does not decode or validate is
/// an error: starting empty would silently drop acknowledged writes.
pub fn load<S: Storage>(storage: &S) -> Result<Option<Snapshot>, StorageError> {
    let bytes = storage.read(SNAPSHOT_FILE)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    let snapshot: Snapshot =
        postcard::from_bytes(&bytes).map_err(|e| StorageError(format!("{SNAPSHOT_FILE} does not decode: {e}")))?;
    snapshot.graphs.validate().map_err(|e| StorageError(format!("{SNAPSHOT_FILE}: {e}")))?;
    Ok(Some(snapshot))
}

/// Replaces the snapshot; syncs if `durable`.
pub fn store<S: Storage>(storage: &mut S, snapshot: &Snapshot, durable: bool) -> Result<(), StorageError> {
    let bytes = postcard::to_allocvec(snapshot).map_err(|e| StorageError(format!("encode snapshot: {e}")))?;
    storage.replace(SNAPSHOT_FILE, &bytes)?;
    if durable {
        storage.sync()?;
    }
    Ok(())
}
