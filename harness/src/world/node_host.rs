//! The host loop of one relations node: the thin I/O layer around the sans-IO Raft node.
//! It feeds datagrams and timer fires in, carries outputs out, reports to the observer,
//! and applies the harness-level faults (pause, duplication, reordering, slow fsync).
use super::state::{node_name, World};
use super::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use super::SharedDisk;
use crate::engine::Io;
use faultline_systems::raft::RaftConfig;
use faultline_systems::relations::{Output, RelationsNode};
use faultline_systems::storage::StorageError;
use faultline_systems::time::Time;
use rand::Rng;
use std::net::SocketAddr;
use std::time::Duration;

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
    loop {
        let failure = run_incarnation::<I>(&world, index, &socket).await;
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

fn raft_config(world: &World, index: usize) -> (RaftConfig, SharedDisk) {
    world.with(|w| {
        let r = &w.scenario.relations;
        let voters: Vec<u64> = (1..=r.nodes as u64).collect();
        let mut c = RaftConfig::new(index as u64 + 1, voters);
        c.election_timeout_min = Duration::from_millis(r.election_timeout_min_ms);
        c.election_timeout_max = Duration::from_millis(r.election_timeout_max_ms);
        c.heartbeat_interval = Duration::from_millis(r.heartbeat_ms);
        c.pre_vote = r.pre_vote;
        c.check_quorum = r.check_quorum;
        c.lease_reads = r.lease_reads;
        c.max_clock_drift_ppm = r.max_clock_drift_ppm;
        c.snapshot_threshold = r.snapshot_threshold;
        c.max_entries_per_append = r.max_entries_per_append;
        c.bugs = w.raft_bugs;
        let slot = &mut w.nodes[index];
        slot.boots += 1;
        // Each boot gets its own stream, derived from the run seed.
        c.rng_seed = w.seed ^ ((index as u64 + 1) << 48) ^ (slot.boots << 32);
        w.stats.boots += 1;
        (c, slot.disk.clone())
    })
}

fn local_now(world: &World, index: usize, now_us: u64) -> Time {
    world.with(|w| w.nodes[index].clock.now(now_us))
}

async fn run_incarnation<I: Io>(world: &World, index: usize, socket: &I::Socket) -> StorageError {
    let (config, disk) = raft_config(world, index);
    let boot_us = I::now_us();
    world.with(|w| w.observer.restarted(index as u64 + 1, boot_us));
    tracing::debug!(target: "faultline::node", "{} boots", node_name(index));
    let mut node = match RelationsNode::new(config, disk, local_now(world, index, boot_us)) {
        Ok(node) => node,
        Err(e) => return e,
    };
    let mut held: Vec<Held> = Vec::new();
    let mut buf = vec![0u8; DATAGRAM_BYTES_MAX];
    loop {
        if let Err(e) = flush::<I>(world, index, &mut node, socket, &mut held).await {
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
            Some(len) => deliver(world, index, &mut node, now, now_us, &buf[..len]),
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

fn deliver<S: faultline_systems::storage::Storage>(
    world: &World,
    index: usize,
    node: &mut RelationsNode<S>,
    now: Time,
    now_us: u64,
    bytes: &[u8],
) -> Result<(), StorageError> {
    let envelope = world.with(|w| {
        w.trace.record("recv", now_us, &[&(index as u64).to_le_bytes()[..], bytes].concat());
        w.stats.messages_delivered += 1;
        let e = Envelope::decode(bytes);
        if e.is_err() {
            w.stats.decode_errors += 1;
        }
        e.ok()
    });
    match envelope {
        Some(Envelope::Peer { from, bytes }) => node.handle_message(now, from, &bytes),
        Some(Envelope::Request { client, request }) => node.handle_request(now, client, request),
        Some(Envelope::Reply { .. }) | None => Ok(()),
    }
}

/// Sends what the node produced, reports to the observer, and releases due held datagrams.
async fn flush<I: Io>(
    world: &World,
    index: usize,
    node: &mut RelationsNode<SharedDisk>,
    socket: &I::Socket,
    held: &mut Vec<Held>,
) -> Result<(), StorageError> {
    let now_us = I::now_us();
    let id = index as u64 + 1;
    let mut outgoing: Vec<(SocketAddr, Vec<u8>)> = Vec::new();
    while let Some(output) = node.poll_output() {
        match output {
            Output::Send { to, bytes } => {
                let addr = world.with(|w| w.node_addrs.get((to as usize).wrapping_sub(1)).copied());
                if let Some(addr) = addr {
                    outgoing.push((addr, Envelope::Peer { from: id, bytes }.encode()));
                }
            }
            Output::Reply { client, request, reply } => {
                let addr = world.with(|w| w.client_addrs.get(client as usize).copied());
                if let Some(addr) = addr {
                    outgoing.push((addr, Envelope::Reply { node: id, request, reply }.encode()));
                }
            }
            Output::Applied(entry) => world.with(|w| w.observer.applied(now_us, id, &entry)),
        }
    }
    let observation = node.observe();
    world.with(|w| w.observer.observe(now_us, &observation));
    // Slow fsync: the node's replies wait for the disk.
    let fsync_wait_us = node.storage().take_pending_sync_latency_us();
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
