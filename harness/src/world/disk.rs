//! A node's simulated disk. Writes are visible at once but volatile until `sync`; a crash
//! keeps what was synced, possibly a prefix of the later writes (the device wrote some of
//! its queue), and may tear the first write it did not finish. It can also be slow to sync
//! and fail with EIO. It outlives the node's crashes: a restarted node reads what it kept.
use faultline_systems::storage::{Storage, StorageError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// One unsynced write, in issue order.
#[derive(Clone, Debug)]
enum Pending {
    Append { file: String, bytes: Vec<u8> },
    Replace { file: String, bytes: Vec<u8> },
}

/// The disk's state; reach it through `SharedDisk`.
#[derive(Debug)]
pub struct SimDisk {
    durable: BTreeMap<String, Vec<u8>>,
    current: BTreeMap<String, Vec<u8>>,
    pending: Vec<Pending>,
    eio_probability: f64,
    fsync_latency_us: u64,
    sync_latency_owed_us: u64,
    rng: ChaCha8Rng,
    /// Counters for results.json.
    pub stats: DiskStats,
}

/// What happened to a disk over a run.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DiskStats {
    /// Successful syncs.
    pub syncs: u64,
    /// Crashes.
    pub crashes: u64,
    /// Unsynced writes lost in crashes.
    pub writes_lost: u64,
    /// Writes torn in crashes.
    pub writes_torn: u64,
    /// I/O errors returned.
    pub eio: u64,
}

/// A disk shared between the node that uses it and the nemesis that breaks it.
#[derive(Clone, Debug)]
pub struct SharedDisk(Arc<Mutex<SimDisk>>);

impl SharedDisk {
    /// An empty disk whose error injection draws from `seed`.
    pub fn new(seed: u64) -> Self {
        SharedDisk(Arc::new(Mutex::new(SimDisk {
            durable: BTreeMap::new(),
            current: BTreeMap::new(),
            pending: Vec::new(),
            eio_probability: 0.0,
            fsync_latency_us: 0,
            sync_latency_owed_us: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            stats: DiskStats::default(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, SimDisk> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Loses power: keeps the synced state plus a random prefix of the unsynced writes, of
    /// which the last may be torn (only a prefix of its bytes reached the platter).
    pub fn crash(&self, rng: &mut ChaCha8Rng) {
        let mut d = self.lock();
        let pending = std::mem::take(&mut d.pending);
        let kept = rng.random_range(0..=pending.len());
        let mut state = d.durable.clone();
        for write in &pending[..kept] {
            apply(&mut state, write);
        }
        let mut torn = 0;
        if let Some(Pending::Append { file, bytes }) = pending.get(kept) {
            let len = rng.random_range(0..bytes.len().max(1));
            if len > 0 {
                state.entry(file.clone()).or_default().extend_from_slice(&bytes[..len]);
                torn = 1;
            }
        }
        d.stats.crashes += 1;
        d.stats.writes_lost += (pending.len() - kept) as u64;
        d.stats.writes_torn += torn;
        // What survived is on the platter now: durable.
        d.durable = state.clone();
        d.current = state;
        d.sync_latency_owed_us = 0;
    }

    /// Makes each later operation fail with EIO with probability `p`.
    pub fn set_eio_probability(&self, p: f64) {
        self.lock().eio_probability = p.clamp(0.0, 1.0);
    }

    /// Makes each later sync take `us` of simulated time (the host sleeps it off).
    pub fn set_fsync_latency_us(&self, us: u64) {
        self.lock().fsync_latency_us = us;
    }

    /// Sync time owed since the last call; the host waits this long before sending replies.
    pub fn take_pending_sync_latency_us(&self) -> u64 {
        std::mem::take(&mut self.lock().sync_latency_owed_us)
    }

    /// The disk's counters.
    pub fn stats(&self) -> DiskStats {
        self.lock().stats.clone()
    }
}

impl SimDisk {
    fn maybe_fail(&mut self, op: &str, file: &str) -> Result<(), StorageError> {
        if self.eio_probability > 0.0 && self.rng.random_bool(self.eio_probability) {
            self.stats.eio += 1;
            return Err(StorageError(format!("EIO on {op} {file}")));
        }
        Ok(())
    }

    fn write(&mut self, op: &str, write: Pending) -> Result<(), StorageError> {
        let file = match &write {
            Pending::Append { file, .. } | Pending::Replace { file, .. } => file.clone(),
        };
        self.maybe_fail(op, &file)?;
        apply(&mut self.current, &write);
        self.pending.push(write);
        Ok(())
    }
}

fn apply(state: &mut BTreeMap<String, Vec<u8>>, write: &Pending) {
    match write {
        Pending::Append { file, bytes } => state.entry(file.clone()).or_default().extend_from_slice(bytes),
        Pending::Replace { file, bytes } => {
            state.insert(file.clone(), bytes.clone());
        }
    }
}

/// `apply` for a write that is no longer needed: a replaced file takes its bytes as they are.
fn apply_owned(state: &mut BTreeMap<String, Vec<u8>>, write: Pending) {
    match write {
        Pending::Append { file, bytes } => state.entry(file).or_default().extend_from_slice(&bytes),
        Pending::Replace { file, bytes } => {
            state.insert(file, bytes);
        }
    }
}

impl Storage for SharedDisk {
    fn read(&self, file: &str) -> Result<Vec<u8>, StorageError> {
        let mut d = self.lock();
        d.maybe_fail("read", file)?;
        Ok(d.current.get(file).cloned().unwrap_or_default())
    }

    fn append(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.lock().write("append", Pending::Append { file: file.to_string(), bytes: bytes.to_vec() })
    }

    fn replace(&mut self, file: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.lock().write("replace", Pending::Replace { file: file.to_string(), bytes: bytes.to_vec() })
    }

    fn sync(&mut self) -> Result<(), StorageError> {
        let mut d = self.lock();
        d.maybe_fail("sync", "")?;
        // `current` is `durable` with `pending` applied in order, so replaying the pending
        // writes onto `durable` makes the two equal without copying the whole disk per sync.
        let pending = std::mem::take(&mut d.pending);
        for write in pending {
            apply_owned(&mut d.durable, write);
        }
        d.sync_latency_owed_us += d.fsync_latency_us;
        d.stats.syncs += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn synced_writes_survive_a_crash() {
        let mut d = SharedDisk::new(1);
        d.append("wal", b"abc").unwrap();
        d.replace("meta", b"term=3").unwrap();
        d.sync().unwrap();
        for seed in 0..50 {
            d.crash(&mut rng(seed));
            assert_eq!(d.read("wal").unwrap(), b"abc");
            assert_eq!(d.read("meta").unwrap(), b"term=3");
        }
    }

    #[test]
    fn a_crash_keeps_a_prefix_of_unsynced_writes_and_may_tear_one() {
        let mut seen_lost = false;
        let mut seen_torn = false;
        let mut seen_kept = false;
        for seed in 0..200 {
            let mut d = SharedDisk::new(seed);
            d.append("wal", b"1111").unwrap();
            d.sync().unwrap();
            d.append("wal", b"2222").unwrap();
            d.append("wal", b"3333").unwrap();
            d.crash(&mut rng(seed));
            let wal = d.read("wal").unwrap();
            assert!(b"111122223333".starts_with(&wal) && wal.len() >= 4, "not a prefix: {wal:?}");
            seen_lost |= wal == b"1111";
            seen_kept |= wal == b"111122223333";
            seen_torn |= !wal.len().is_multiple_of(4);
        }
        assert!(seen_lost && seen_torn && seen_kept, "lost {seen_lost} torn {seen_torn} kept {seen_kept}");
    }

    #[test]
    fn replace_is_atomic_across_crashes() {
        for seed in 0..100 {
            let mut d = SharedDisk::new(seed);
            d.replace("meta", b"old").unwrap();
            d.sync().unwrap();
            d.replace("meta", b"new-value").unwrap();
            d.crash(&mut rng(seed));
            let meta = d.read("meta").unwrap();
            assert!(meta == b"old" || meta == b"new-value", "torn replace: {meta:?}");
        }
    }

    #[test]
    fn eio_and_fsync_latency() {
        let mut d = SharedDisk::new(7);
        d.set_fsync_latency_us(5_000);
        d.sync().unwrap();
        d.sync().unwrap();
        assert_eq!(d.take_pending_sync_latency_us(), 10_000);
        assert_eq!(d.take_pending_sync_latency_us(), 0);
        d.set_eio_probability(1.0);
        assert!(d.append("wal", b"x").is_err());
        assert!(d.sync().is_err());
        d.set_eio_probability(0.0);
        assert!(d.append("wal", b"x").is_ok());
        assert_eq!(d.stats().eio, 2);
    }
}
