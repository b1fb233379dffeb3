//! The host loop of one server node: the thin I/O layer around any sans-IO node behind
//! `Hosted`. It feeds datagrams and timer fires in, carries outputs out, and applies the
//! harness-level faults (pause, duplication, reordering, slow fsync) the same way for every
//! kind of node. Per step it calls the node in this order: `handle_message` / `handle_client`
//! / `handle_timeout` (one input), then `next_output` until None, then `observe`, then
//! `poll_timeout` to choose the next wake-up.
use super::state::{World, WorldState};
use super::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use super::SharedDisk;
use crate::engine::{EngineKind, Io};
use crate::history::{node_name, STORAGE_FAILURE};
use crate::system::{HostCtx, LocalFuture};
use faultline_systems::node::Output;
use faultline_systems::relations::RequestId;
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use rand::Rng;
use serde::Serialize;
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
    /// Reply bytes for client `client`: a system's `(RequestId, reply)`, encoded.
    Client { client: u64, bytes: Vec<u8> },
}

impl Routed {
    /// Routes a node's output, encoding a client reply with the request it answers.
    pub fn of<R: Serialize>(output: Output<R>) -> Result<Self, postcard::Error> {
        Ok(match output {
            Output::Send { to, bytes } => Routed::Peer { to, bytes },
            Output::Reply { client, request, reply } => Self::reply(client, request, &reply)?,
        })
    }

    /// The first of a node's pending outputs that encodes (outputs that fail to encode are
    /// counted in `stats.encode_errors`, never sent as empty bytes); `None` when none is left.
    pub fn next<R: Serialize>(w: &mut WorldState, mut poll: impl FnMut() -> Option<Output<R>>) -> Option<Self> {
        loop {
            match Self::of(poll()?) {
                Ok(routed) => return Some(routed),
                Err(_) => w.stats.encode_errors += 1,
            }
        }
    }

    /// A reply to `request` for client `client`.
    pub fn reply<R: Serialize>(client: u64, request: RequestId, reply: &R) -> Result<Self, postcard::Error> {
        Ok(Routed::Client { client, bytes: super::wire::encode(&(request, reply))? })
    }
}

/// A sans-IO node as the host loop drives it: timers and peer messages through
/// `SansIoNode`, plus what differs per system (client requests, outputs, observations).
pub trait Hosted: SansIoNode + Sized + 'static {
    /// Handles request bytes from client `client` (undecodable bytes are ignored).
    fn handle_client(&mut self, now: Time, client: u64, bytes: &[u8]) -> Result<(), StorageError>;
    /// The node's next output for the network (records what is only for the recorded run,
    /// e.g. Raft's applied entries, on the way); `index` is the node's host index.
    fn next_output(&mut self, w: &mut WorldState, index: usize, now_us: u64) -> Option<Routed>;
    /// Writes the node's state into the recorded run after a step.
    fn observe(&mut self, w: &mut WorldState, index: usize, now_us: u64);
    /// Its disk (for slow-fsync accounting).
    fn disk(&self) -> &SharedDisk;
}

/// Boots a node from its disk: what a system gives the host loop.
pub type BootFn<N> = dyn Fn(&World, usize, Boot, Time) -> Result<N, StorageError>;

/// The host future of `ctx` for a system whose hosts boot with `boot(system, world, index, boot, now)`:
/// the one shape every system's `System::host` has.
pub fn system_host_future<S: Clone + 'static, N: Hosted>(
    ctx: HostCtx,
    system: &S,
    boot: fn(&S, &World, usize, Boot, Time) -> Result<N, StorageError>,
) -> LocalFuture {
    let system = system.clone();
    host_future(ctx, std::rc::Rc::new(move |world, index, b, now| boot(&system, world, index, b, now)))
}

/// The host future of `ctx` on its engine, running node type `N` booted by `boot`.
pub fn host_future<N: Hosted>(ctx: HostCtx, boot: std::rc::Rc<BootFn<N>>) -> LocalFuture {
    match ctx.engine {
        EngineKind::Turmoil => Box::pin(node_main::<crate::engine::TurmoilIo, N>(ctx.world, ctx.index, boot)),
        EngineKind::Native => Box::pin(node_main::<crate::engine::NativeIo, N>(ctx.world, ctx.index, boot)),
        #[cfg(madsim)]
        EngineKind::Madsim => Box::pin(node_main::<crate::engine::MadsimIo, N>(ctx.world, ctx.index, boot)),
        // `engine::run` refuses madsim in a binary built without it, before any host starts.
        #[cfg(not(madsim))]
        EngineKind::Madsim => Box::pin(async {}),
    }
}

/// Takes every output of `node` as datagrams, then lets it report to the recorded run.
fn drain<N: Hosted>(node: &mut N, world: &World, index: usize, now_us: u64) -> Vec<(SocketAddr, Vec<u8>)> {
    let id = index as u64 + 1;
    let mut outgoing = Vec::new();
    let handlers = crate::engine::profile::Part::Handlers;
    crate::engine::profile::time(handlers, || {
        world.with(|w| {
            while let Some(routed) = node.next_output(w, index, now_us) {
                outgoing.extend(match routed {
                    Routed::Peer { to, bytes } => w.peer_datagram(id, to, bytes),
                    Routed::Client { client, bytes } => w.reply_datagram(id, client, bytes),
                });
            }
            node.observe(w, index, now_us);
        })
    });
    outgoing
}

/// A datagram held back by the reorder fault until `due_us`.
pub(crate) struct Held {
    /// When it may leave, µs.
    pub(crate) due_us: u64,
    /// Where it goes.
    pub(crate) to: SocketAddr,
    /// The datagram.
    pub(crate) bytes: Vec<u8>,
}

/// Runs node `index` until its process is killed. A disk error makes it fail-stop: its disk
/// crashes (losing unsynced writes) and it boots again from what the disk kept.
pub async fn node_main<I: Io, N: Hosted>(world: World, index: usize, boot: std::rc::Rc<BootFn<N>>) {
    let Ok(socket) = I::bind(PORT).await else { return };
    loop {
        let failure = run_incarnation::<I, N>(&world, index, &socket, &*boot).await;
        let restart_at = world.with(|w| fail_stop(w, index, I::now_us(), &failure));
        I::sleep_until_us(restart_at).await;
    }
}

/// Records a fail-stop, crashes the node's disk and returns when it restarts.
pub(crate) fn fail_stop(w: &mut WorldState, index: usize, now: u64, failure: &StorageError) -> u64 {
    w.stats.storage_failures += 1;
    let name = node_name(index);
    tracing::info!(target: "faultline::node", "{name} fail-stops: {failure}");
    let fault = w.fault_started(now, STORAGE_FAILURE, format!("{name} fail-stop: {failure}"), vec![name]);
    let ne = &w.scenario.nemesis;
    let (lo, hi) = (ne.restart_delay_ms_min * 1000, ne.restart_delay_ms_max * 1000);
    let delay = w.rng.random_range(lo..=hi);
    let disk = w.nodes[index].disk.clone();
    disk.crash(&mut w.rng);
    w.fault_healed(fault, now + delay);
    now + delay
}

fn local_now(world: &World, index: usize, now_us: u64) -> Time {
    world.with(|w| w.nodes[index].clock.now(now_us))
}

/// Until when node `index` is paused, if it is now.
pub(crate) fn paused_until(world: &World, index: usize, now_us: u64) -> Option<u64> {
    world.with(|w| w.nodes[index].paused_until_us.filter(|&u| u > now_us))
}

async fn run_incarnation<I: Io, N: Hosted>(
    world: &World,
    index: usize,
    socket: &I::Socket,
    boot: &BootFn<N>,
) -> StorageError {
    let boot_us = I::now_us();
    let this_boot = world.with(|w| {
        w.nodes[index].boots += 1;
        w.stats.boots += 1;
        Boot { seed: w.seed, number: w.nodes[index].boots }
    });
    tracing::debug!(target: "faultline::node", "{} boots", node_name(index));
    let mut node = match boot(world, index, this_boot, local_now(world, index, boot_us)) {
        Ok(node) => node,
        Err(e) => return e,
    };
    let mut held: Vec<Held> = Vec::new();
    let mut buf = vec![0u8; DATAGRAM_BYTES_MAX];
    loop {
        flush::<I, N>(world, index, &mut node, socket, &mut held).await;
        let now_us = I::now_us();
        if let Some(until) = paused_until(world, index, now_us) {
            I::sleep_until_us(until).await;
            continue;
        }
        let timer = crate::engine::profile::time(crate::engine::profile::Part::Handlers, || node.poll_timeout());
        let timer_us = timer.map(|t| world.with(|w| w.nodes[index].clock.global_deadline(t.as_micros(), now_us)));
        let held_us = held.iter().map(|h| h.due_us).min();
        let wake_us = [timer_us, held_us].into_iter().flatten().min().unwrap_or(u64::MAX);
        // `biased`: tokio::select!'s random branch order would draw from an RNG we do not seed.
        let received = tokio::select! {
            biased;
            r = I::recv(socket, &mut buf) => r.ok(),
            _ = I::sleep_until_us(wake_us) => None,
        };
        // A pause that began while we waited holds the datagram until it ends.
        if let Some(until) = paused_until(world, index, I::now_us()) {
            I::sleep_until_us(until).await;
        }
        let now_us = I::now_us();
        let datagram = received.map(|len| &buf[..len]);
        let handlers = crate::engine::profile::Part::Handlers;
        if let Err(e) = crate::engine::profile::time(handlers, || step(world, index, &mut node, datagram, now_us)) {
            return e;
        }
    }
}

/// Feeds one input to the node: a datagram, or a timer fire if one is due.
fn step<N: Hosted>(
    world: &World,
    index: usize,
    node: &mut N,
    datagram: Option<&[u8]>,
    now_us: u64,
) -> Result<(), StorageError> {
    let now = local_now(world, index, now_us);
    match datagram {
        Some(bytes) => match decode(world, index, now_us, bytes) {
            Some(Envelope::Peer { from, bytes }) => node.handle_message(now, from, &bytes),
            Some(Envelope::Request { client, bytes }) => node.handle_client(now, client, &bytes),
            Some(Envelope::Reply { .. }) | None => Ok(()),
        },
        None if node.poll_timeout().is_some_and(|t| t <= now) => node.handle_timeout(now),
        None => Ok(()),
    }
}

/// Records a received datagram in the trace and stats, and decodes its envelope.
pub(crate) fn decode(world: &World, index: usize, now_us: u64, bytes: &[u8]) -> Option<Envelope> {
    world.with(|w| {
        w.trace.record_parts("recv", now_us, &[&(index as u64).to_le_bytes()[..], bytes]);
        w.stats.messages_delivered += 1;
        let e = Envelope::decode(bytes);
        if e.is_err() {
            w.stats.decode_errors += 1;
        }
        e.ok()
    })
}

/// Sends what the node produced (it reports to the recorded run while draining), and
/// releases due held datagrams.
async fn flush<I: Io, N: Hosted>(world: &World, index: usize, node: &mut N, socket: &I::Socket, held: &mut Vec<Held>) {
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
}

/// Sends one datagram through the harness-level wire faults (duplication, reordering).
pub(crate) async fn send_with_wire_faults<I: Io>(
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
        let hold = f.reorder_rate > 0.0 && f.reorder_us_max > 0 && w.rng.random_bool(f.reorder_rate);
        w.stats.duplicated += u64::from(dup);
        w.stats.reordered += u64::from(hold);
        let hold_us = if hold { w.rng.random_range(1..=f.reorder_us_max) } else { 0 };
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
