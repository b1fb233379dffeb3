//! The host loop of one server node: the thin I/O layer around a sans-IO node (a Raft voter
//! or a CRDT replica, behind `Hosted`). It feeds datagrams and timer fires in, carries
//! outputs out, and applies the harness-level faults (pause, duplication, reordering, slow
//! fsync) the same way for every kind of node.
use super::state::{node_name, World, WorldState};
use super::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use super::SharedDisk;
use crate::engine::Io;
use crate::scenario::HostKind;
use faultline_systems::crdt::replica::CrdtReplica;
use faultline_systems::logsync::LogSyncReplica;
use faultline_systems::node::Output;
use faultline_systems::relations::RelationsNode;
use faultline_systems::relations::RequestId;
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use rand::Rng;
use std::net::SocketAddr;

/// Which boot of a node this is, for deriving its RNG seed.
#[derive(Clone, Copy, Debug)]
pub struct Boot {
    /// The run seed.
    pub seed: u64,
    /// 1 for the first start, then one more per restart.
    pub number: u64,
}

impl Boot {
    /// A seed for node `index`'s RNG in this boot: its own stream, derived from the run seed.
    pub fn rng_seed(self, index: usize) -> u64 {
        self.seed ^ ((index as u64 + 1) << 48) ^ (self.number << 32)
    }
}

/// An output on its way to the network.
pub enum Routed {
    /// Peer bytes for host id `to`.
    Peer { to: u64, bytes: Vec<u8> },
    /// An envelope for client `client`.
    Client { client: u64, envelope: Envelope },
}

impl Routed {
    /// Routes a replica's output, wrapping a client reply with `wrap`.
    pub fn of<R>(output: Output<R>, wrap: impl FnOnce(RequestId, R) -> Envelope) -> Self {
        match output {
            Output::Send { to, bytes } => Routed::Peer { to, bytes },
            Output::Reply { client, request, reply } => Routed::Client { client, envelope: wrap(request, reply) },
        }
    }
}

/// Takes every output of `node` as datagrams, then lets it report to its observer.
fn drain<N: Hosted>(node: &mut N, world: &World, index: usize, now_us: u64) -> Vec<(SocketAddr, Vec<u8>)> {
    let id = index as u64 + 1;
    let mut outgoing = Vec::new();
    world.with(|w| {
        while let Some(routed) = node.next_output(w, id, now_us) {
            outgoing.extend(match routed {
                Routed::Peer { to, bytes } => w.peer_datagram(id, to, bytes),
                Routed::Client { client, envelope } => w.client_datagram(client, || envelope.encode()),
            });
        }
        node.observe(w, index, now_us);
    });
    outgoing
}

/// A sans-IO node as the host loop drives it: timers and peer messages through
/// `SansIoNode`, plus what differs per system (booting, client requests, outputs).
pub trait Hosted: SansIoNode + Sized {
    /// Boots host `index`, recovering from its disk.
    fn boot(world: &World, index: usize, boot: Boot, now: Time) -> Result<Self, StorageError>;
    /// Handles a non-peer datagram addressed to it (a client request; others are ignored).
    fn handle_client(&mut self, now: Time, envelope: Envelope) -> Result<(), StorageError>;
    /// The node's next output for the network (records what is only for observers, e.g.
    /// Raft's applied entries, on the way); `id` is the node's 1-based host id.
    fn next_output(&mut self, w: &mut WorldState, id: u64, now_us: u64) -> Option<Routed>;
    /// Reports the node's state to its observer after a step.
    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64);
    /// Its disk (for slow-fsync accounting).
    fn disk(&self) -> &SharedDisk;
}

/// A datagram held back by the reorder fault until `due_us`.
struct Held {
    due_us: u64,
    to: SocketAddr,
    bytes: Vec<u8>,
}

/// Runs node `index` until its process is killed. A disk error makes it fail-stop: its disk
/// crashes (losing unsynced writes) and it boots again from what the disk kept.
pub async fn node_main<I: Io>(world: World, index: usize) {
    let Ok(socket) = I::bind(PORT).await else { return };
    let kind = world.with(|w| w.scenario.host_kind(index));
    loop {
        let failure = match kind {
            HostKind::Raft => run_incarnation::<I, RelationsNode<SharedDisk>>(&world, index, &socket).await,
            HostKind::Crdt => run_incarnation::<I, CrdtReplica<SharedDisk>>(&world, index, &socket).await,
            HostKind::LogSync => run_incarnation::<I, LogSyncReplica<SharedDisk>>(&world, index, &socket).await,
        };
        let restart_at = world.with(|w| {
            let now = I::now_us();
            w.stats.storage_failures += 1;
            tracing::info!(target: "faultline::node", "{} fail-stops: {failure}", node_name(index));
            let name = node_name(index);
            let fault = w.fault_started(now, "storage-failure", format!("{name} fail-stop: {failure}"), vec![name]);
            let r = &w.scenario.relations;
            let (lo, hi) = (r.restart_delay_min_ms * 1000, r.restart_delay_max_ms * 1000);
            let delay = w.rng.random_range(lo..=hi);
            let WorldStateParts { rng, disk } = parts(w, index);
            disk.crash(rng);
            w.fault_healed(fault, now + delay);
            now + delay
        });
        I::sleep_until_us(restart_at).await;
    }
}

struct WorldStateParts<'a> {
    rng: &'a mut rand_chacha::ChaCha8Rng,
    disk: &'a SharedDisk,
}

fn parts(w: &mut super::state::WorldState, index: usize) -> WorldStateParts<'_> {
    WorldStateParts { rng: &mut w.rng, disk: &w.nodes[index].disk }
}

fn local_now(world: &World, index: usize, now_us: u64) -> Time {
    world.with(|w| w.nodes[index].clock.now(now_us))
}

async fn run_incarnation<I: Io, N: Hosted>(world: &World, index: usize, socket: &I::Socket) -> StorageError {
    let boot_us = I::now_us();
    let boot = world.with(|w| {
        let slot = &mut w.nodes[index];
        slot.boots += 1;
        w.stats.boots += 1;
        Boot { seed: w.seed, number: w.nodes[index].boots }
    });
    tracing::debug!(target: "faultline::node", "{} boots", node_name(index));
    let mut node = match N::boot(world, index, boot, local_now(world, index, boot_us)) {
        Ok(node) => node,
        Err(e) => return e,
    };
    let mut held: Vec<Held> = Vec::new();
    let mut buf = vec![0u8; DATAGRAM_BYTES_MAX];
    loop {
        if let Err(e) = flush::<I, N>(world, index, &mut node, socket, &mut held).await {
            return e;
        }
        let now_us = I::now_us();
        if let Some(until) = world.with(|w| w.nodes[index].paused_until_us.filter(|&u| u > now_us)) {
            I::sleep_until_us(until).await;
            continue;
        }
        let timer_us =
            node.poll_timeout().map(|t| world.with(|w| w.nodes[index].clock.global_deadline(t.as_micros(), now_us)));
        let held_us = held.iter().map(|h| h.due_us).min();
        let wake_us = [timer_us, held_us].into_iter().flatten().min().unwrap_or(u64::MAX);
        // `biased`: tokio::select!'s random branch order would draw from an RNG we do not seed.
        let received = tokio::select! {
            biased;
            r = I::recv(socket, &mut buf) => r.ok(),
            _ = I::sleep_until_us(wake_us) => None,
        };
        let now_us = I::now_us();
        // A pause that began while we waited holds the datagram until it ends.
        if let Some(until) = world.with(|w| w.nodes[index].paused_until_us.filter(|&u| u > now_us)) {
            I::sleep_until_us(until).await;
        }
        let now_us = I::now_us();
        let now = local_now(world, index, now_us);
        let step = match received {
            Some(len) => match decode(world, index, now_us, &buf[..len]) {
                Some(Envelope::Peer { from, bytes }) => node.handle_message(now, from, &bytes),
                Some(envelope) => node.handle_client(now, envelope),
                None => Ok(()),
            },
            None => {
                if node.poll_timeout().is_some_and(|t| t <= now) {
                    node.handle_timeout(now)
                } else {
                    Ok(())
                }
            }
        };
        if let Err(e) = step {
            return e;
        }
    }
}

fn decode(world: &World, index: usize, now_us: u64, bytes: &[u8]) -> Option<Envelope> {
    world.with(|w| {
        w.trace.record("recv", now_us, &[&(index as u64).to_le_bytes()[..], bytes].concat());
        w.stats.messages_delivered += 1;
        let e = Envelope::decode(bytes);
        if e.is_err() {
            w.stats.decode_errors += 1;
        }
        e.ok()
    })
}

/// Sends what the node produced (it reports to the observers while draining), and releases
/// due held datagrams.
async fn flush<I: Io, N: Hosted>(
    world: &World,
    index: usize,
    node: &mut N,
    socket: &I::Socket,
    held: &mut Vec<Held>,
) -> Result<(), StorageError> {
    let now_us = I::now_us();
    let outgoing = drain(node, world, index, now_us);
    // Slow fsync: the node's replies wait for the disk.
    let fsync_wait_us = node.disk().take_pending_sync_latency_us();
    if fsync_wait_us > 0 {
        I::sleep_until_us(now_us + fsync_wait_us).await;
    }
    for (to, bytes) in outgoing {
        send_with_wire_faults::<I>(world, socket, held, to, bytes).await;
    }
    let now_us = I::now_us();
    let (due, later): (Vec<Held>, Vec<Held>) = std::mem::take(held).into_iter().partition(|h| h.due_us <= now_us);
    *held = later;
    for h in due {
        I::send(socket, h.to, &h.bytes).await;
    }
    Ok(())
}

async fn send_with_wire_faults<I: Io>(
    world: &World,
    socket: &I::Socket,
    held: &mut Vec<Held>,
    to: SocketAddr,
    bytes: Vec<u8>,
) {
    let now_us = I::now_us();
    let (copies, hold_us) = world.with(|w| {
        let f = w.wire_faults.clone();
        let dup = f.duplicate_rate > 0.0 && w.rng.random_bool(f.duplicate_rate);
        let hold = f.reorder_rate > 0.0 && f.reorder_max_us > 0 && w.rng.random_bool(f.reorder_rate);
        w.stats.duplicated += u64::from(dup);
        w.stats.reordered += u64::from(hold);
        let hold_us = if hold { w.rng.random_range(1..=f.reorder_max_us) } else { 0 };
        (if dup { 2 } else { 1 }, hold_us)
    });
    if hold_us > 0 {
        held.push(Held { due_us: now_us + hold_us, to, bytes });
        return;
    }
    for _ in 0..copies {
        I::send(socket, to, &bytes).await;
    }
}
