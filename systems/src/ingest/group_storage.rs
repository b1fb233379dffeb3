//! One Raft group's view of its broker's single `Storage`: every file name gets the group's
//! prefix, so many groups share one disk (and one crash) without seeing each other's files.
use crate::storage::{Storage, StorageError};
use std::sync::{Arc, Mutex, MutexGuard};

/// A broker's storage, shared by all the groups it hosts. A mutex (not a RefCell) keeps the
/// broker `Send` for hosts that move nodes between threads; there is never contention.
pub(crate) type Shared<S> = Arc<Mutex<S>>;

/// Locks the shared storage; a poisoned lock (a panic mid-write) is an I/O error.
pub(crate) fn lock<S>(shared: &Shared<S>) -> Result<MutexGuard<'_, S>, StorageError> {
    shared.lock().map_err(|_| StorageError("broker storage lock poisoned by an earlier panic".into()))
}

/// The files of one group.
pub(crate) struct GroupStorage<S> {
    shared: Shared<S>,
    prefix: String,
}

impl<S> GroupStorage<S> {
    /// The files of group `group` in `shared`.
    pub(crate) fn new(shared: Shared<S>, group: u32) -> Self {
        GroupStorage { shared, prefix: format!("group-{group}/") }
    }

    fn name(&self, file: &str) -> String {
        format!("{}{file}", self.prefix)
    }
}

impl<S: Storage> Storage for GroupStorage<S> {
    fn read(&self, file: &str) -> Result<Vec<u8>, StorageError> {
        lock(&self.shared)?.read(&self.name(file))
    }

    fn append(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let name = self.name(file);
        lock(&self.shared)?.append(&name, bytes)
    }

    fn replace(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let name = self.name(file);
        lock(&self.shared)?.replace(&name, bytes)
    }

    // Syncs the whole disk: a barrier for one group is a barrier for all, which is safe.
    fn sync(&mut self) -> Result<(), StorageError> {
        lock(&self.shared)?.sync()
    }
}
