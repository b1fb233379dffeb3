//! The replica, sans-IO: host 0 of the system is the primary, the others are backups. The
//! primary keeps the register in memory and relies on the backups for durability: it
//! replicates every write and acknowledges it once both backups have it on disk; after a
//! restart it recovers from a backup and re-replicates that state before serving again.
use faultline::world::{wire, Hosted, Routed, SharedDisk, WorldState};
use faultline_systems::node::Output;
use faultline_systems::relations::RequestId;
use faultline_systems::storage::{Storage, StorageError};
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// (primary boot, write number): later boots of the primary outrank anything before them.
pub type Stamp = (u64, u64);

/// The replicated state: the value and, per client, the last write applied (for retries).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reg {
    stamp: Stamp,
    value: Option<u64>,
    applied: BTreeMap<u64, u64>,
}

/// Peer messages.
#[derive(Debug, Serialize, Deserialize)]
enum Peer {
    Replicate(Reg),
    Ack(Stamp),
    Query,
    State(Reg),
}

/// A client's request.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Op {
    /// Set the register.
    Write(u64),
    /// Read it.
    Read,
}

/// The replica's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// The write is done.
    Written,
    /// The register's value.
    Value(Option<u64>),
}

const DISK_FILE: &str = "register";
const TICK: Duration = Duration::from_millis(50);
/// Writes in flight at the primary; more are ignored until some commit (clients retry).
const PENDING_MAX: usize = 64;

/// One replica.
pub struct RegisterNode {
    backups: Vec<u64>,
    disk: SharedDisk,
    /// Planted bug: acknowledge (and expose) a write before the backups have it.
    ack_before_replicate: bool,
    boot: u64,
    /// Backup: what is on disk. Primary: the newest state (committed or not).
    current: Reg,
    /// Primary: what reads see; None until recovery has re-replicated a state.
    committed: Option<Reg>,
    recovered: bool,
    /// Primary: states not yet on both backups, by stamp.
    pending: BTreeMap<Stamp, Reg>,
    waiters: Vec<(Stamp, u64, RequestId)>,
    acks: BTreeMap<u64, Stamp>,
    next_tick: Time,
    outputs: VecDeque<Output<Reply>>,
}

impl RegisterNode {
    /// Boots replica `id` (1-based; the first id of `ids` is the primary) from its disk.
    pub fn boot(id: u64, ids: &[u64], boot: u64, disk: SharedDisk, bug: bool, now: Time) -> Result<Self, StorageError> {
        let bytes = disk.read(DISK_FILE)?;
        let current = if bytes.is_empty() {
            Reg::default()
        } else {
            wire::decode(&bytes).map_err(|e| StorageError(format!("{DISK_FILE}: undecodable state: {e}")))?
        };
        let primary = ids.first().copied() == Some(id);
        Ok(RegisterNode {
            backups: if primary { ids[1..].to_vec() } else { Vec::new() },
            disk,
            ack_before_replicate: bug,
            boot,
            current,
            committed: None,
            recovered: !primary,
            pending: BTreeMap::new(),
            waiters: Vec::new(),
            acks: BTreeMap::new(),
            next_tick: now,
            outputs: VecDeque::new(),
        })
    }

    fn is_primary(&self) -> bool {
        !self.backups.is_empty()
    }

    fn send(&mut self, to: u64, message: &Peer) {
        if let Ok(bytes) = wire::encode(message) {
            self.outputs.push_back(Output::Send { to, bytes });
        }
    }

    fn broadcast(&mut self, message: &Peer) {
        for to in self.backups.clone() {
            self.send(to, message);
        }
    }

    fn reply(&mut self, client: u64, request: RequestId, reply: Reply) {
        self.outputs.push_back(Output::Reply { client, request, reply });
    }

    /// Handles a request from `client` (at the primary; backups ignore clients).
    pub fn handle_request(&mut self, client: u64, id: RequestId, op: Op) {
        let Some(committed) = self.committed.clone() else { return };
        match op {
            Op::Read => self.reply(client, id, Reply::Value(committed.value)),
            Op::Write(_) if committed.applied.get(&id.client) >= Some(&id.seq) => {
                self.reply(client, id, Reply::Written)
            }
            Op::Write(_) if self.current.applied.get(&id.client) >= Some(&id.seq) => {
                self.waiters.push((self.current.stamp, client, id));
            }
            Op::Write(_) if self.pending.len() >= PENDING_MAX => {}
            Op::Write(value) => self.write(client, id, value),
        }
    }

    fn write(&mut self, client: u64, id: RequestId, value: u64) {
        let mut next = self.current.clone();
        next.stamp = (self.boot, next.stamp.1.saturating_add(1));
        next.value = Some(value);
        next.applied.insert(id.client, id.seq);
        self.current = next.clone();
        self.pending.insert(next.stamp, next.clone());
        if self.ack_before_replicate {
            self.committed = Some(next.clone());
            self.reply(client, id, Reply::Written);
        } else {
            self.waiters.push((next.stamp, client, id));
        }
        self.broadcast(&Peer::Replicate(next));
    }

    /// The primary adopts a backup's state and re-replicates it under its own boot.
    fn adopt(&mut self, mut reg: Reg) {
        reg.stamp = (self.boot, 0);
        self.current = reg.clone();
        self.pending.insert(reg.stamp, reg.clone());
        self.recovered = true;
        self.broadcast(&Peer::Replicate(reg));
    }

    fn on_ack(&mut self, from: u64, stamp: Stamp) {
        let seen = self.acks.entry(from).or_default();
        *seen = (*seen).max(stamp);
        let Some(point) = self.backups.iter().map(|b| self.acks.get(b).copied().unwrap_or_default()).min() else {
            return;
        };
        let done: Vec<Stamp> = self.pending.range(..=point).map(|(s, _)| *s).collect();
        for stamp in done {
            if let Some(reg) = self.pending.remove(&stamp) {
                if self.committed.as_ref().is_none_or(|c| c.stamp < reg.stamp) {
                    self.committed = Some(reg);
                }
            }
        }
        let (ready, waiting) = std::mem::take(&mut self.waiters).into_iter().partition(|w| w.0 <= point);
        self.waiters = waiting;
        for (_, client, id) in ready {
            self.reply(client, id, Reply::Written);
        }
    }

    /// Backup: persists a newer state before acknowledging.
    fn on_replicate(&mut self, from: u64, reg: Reg) -> Result<(), StorageError> {
        if reg.stamp > self.current.stamp {
            let bytes = wire::encode(&reg).map_err(|e| StorageError(format!("{DISK_FILE}: encode: {e}")))?;
            self.disk.replace(DISK_FILE, &bytes)?;
            self.disk.sync()?;
            self.current = reg;
        }
        self.send(from, &Peer::Ack(self.current.stamp));
        Ok(())
    }
}

impl SansIoNode for RegisterNode {
    fn poll_timeout(&self) -> Option<Time> {
        self.is_primary().then_some(self.next_tick)
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        self.next_tick = now.saturating_add(TICK);
        if !self.recovered {
            self.broadcast(&Peer::Query);
        } else if let Some(latest) = self.pending.values().next_back().cloned() {
            for to in self.backups.clone() {
                if self.acks.get(&to).copied().unwrap_or_default() < latest.stamp {
                    self.send(to, &Peer::Replicate(latest.clone()));
                }
            }
        }
        Ok(())
    }

    fn handle_message(&mut self, _now: Time, from: u64, bytes: &[u8]) -> Result<(), StorageError> {
        let Ok(message) = wire::decode::<Peer>(bytes) else { return Ok(()) };
        match message {
            Peer::Replicate(reg) if !self.is_primary() => self.on_replicate(from, reg)?,
            Peer::Query if !self.is_primary() => self.send(from, &Peer::State(self.current.clone())),
            Peer::Ack(stamp) if self.is_primary() => self.on_ack(from, stamp),
            Peer::State(reg) if self.is_primary() && !self.recovered => self.adopt(reg),
            _ => {}
        }
        Ok(())
    }
}

impl Hosted for RegisterNode {
    fn handle_client(&mut self, _now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError> {
        if let Ok((id, op)) = wire::decode::<(RequestId, Op)>(bytes) {
            self.handle_request(client, id, op);
        }
        Ok(())
    }

    fn next_output(&mut self, w: &mut WorldState, _index: usize, _now_us: u64) -> Option<Routed> {
        loop {
            match Routed::of(self.outputs.pop_front()?) {
                Ok(routed) => return Some(routed),
                Err(_) => w.stats.encode_errors += 1,
            }
        }
    }

    fn observe(&mut self, _w: &mut WorldState, _index: usize, _now_us: u64) {
        // Nothing beyond the history: the register is judged by linearizability alone.
    }

    fn disk(&self) -> &SharedDisk {
        &self.disk
    }
}
