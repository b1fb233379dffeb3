//! An openraft voter: a per-host async task that owns the `openraft::Raft` handle, feeds it
//! peer RPCs and client requests from the engine socket, sends what its network and clients
//! produce, and observes its storage (vote, log, applied entries) into the recorded run after
//! every change. A storage error stops openraft; the host then fail-stops and boots again.
use super::network::{self, Network, Out, PeerMsg, Pending};
use super::store::{Store, Stored};
use super::types::{our_index, packed_term, OpenRaft};
use super::{bugs, runtime, OpenRaftRecord, OpenRaftSystem, NAME, VOTER};
use crate::engine::Io;
use crate::systems::relations::host::decode_request;
use crate::world::{wire::Envelope, Boot, Held, Routed, World, WorldState};
use faultline_systems::raft::{Observation, Role};
use faultline_systems::relations::{Reply, Request, RequestId, PENDING_PROPOSALS_MAX};
use faultline_systems::storage::StorageError;
use openraft::error::{ClientWriteError, RaftError};
use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// How often an idle host looks at its storage and pays owed syncs, µs.
const TICK_US: u64 = 5_000;

/// One incarnation's moving parts.
struct Node {
    world: World,
    index: usize,
    id: u64,
    raft: OpenRaft,
    store: Store,
    outbox: mpsc::UnboundedSender<Out>,
    pending: Arc<Mutex<Pending>>,
    writes_in_flight: Arc<AtomicUsize>,
    /// Requests handed to openraft in this incarnation (see `client_request`).
    submitted: Submitted,
    seen_version: u64,
}

/// The ids of the requests this incarnation handed to openraft, the latest
/// `SUBMITTED_REMEMBERED_MAX` of them.
#[derive(Default)]
struct Submitted {
    ids: BTreeSet<RequestId>,
    order: VecDeque<RequestId>,
}

/// Submitted request ids remembered per incarnation (a client retries for about a second).
const SUBMITTED_REMEMBERED_MAX: usize = 4096;

impl Submitted {
    fn insert(&mut self, id: RequestId) {
        if self.ids.insert(id) {
            self.order.push_back(id);
        }
        while self.order.len() > SUBMITTED_REMEMBERED_MAX {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
    }
}

/// Runs voter `index` until its process is killed: boots, serves, and after a fail-stop waits
/// out the restart delay and boots again from what its disk kept.
pub async fn host_main<I: Io>(system: OpenRaftSystem, world: World, index: usize, rank: usize) {
    let Ok(socket) = I::bind(crate::engine::PORT).await else { return };
    loop {
        let failure = incarnation::<I>(&system, &world, index, rank, &socket).await;
        let restart_at = world.with(|w| crate::world::fail_stop(w, index, I::now_us(), &failure));
        I::sleep_until_us(restart_at).await;
    }
}

/// Counts the boot, tells the checks the node restarted, and gathers what booting needs.
fn begin_boot(w: &mut WorldState, index: usize, now_us: u64) -> (Boot, BTreeSet<u64>, bool) {
    w.nodes[index].boots += 1;
    w.stats.boots += 1;
    let boot = Boot { seed: w.seed, number: w.nodes[index].boots };
    w.records.get_mut::<OpenRaftRecord>().0.raft.restarted(index as u64 + 1, now_us);
    let voters = w.scenario.topology().hosts(NAME, VOTER).map(|h| h as u64 + 1).collect();
    (boot, voters, bugs::switches(&w.bugs).ack_append_before_sync)
}

async fn incarnation<I: Io>(
    system: &OpenRaftSystem,
    world: &World,
    index: usize,
    rank: usize,
    socket: &I::Socket,
) -> StorageError {
    let id = index as u64 + 1;
    let (boot, voters, ack_before_sync) = world.with(|w| begin_boot(w, index, I::now_us()));
    runtime::seed_rng(boot.rng_seed(index));
    runtime::use_clock_of(world, index);
    let disk = world.with(|w| w.nodes[index].disk.clone());
    let store = match Store::open(disk, ack_before_sync) {
        Ok(store) => store,
        Err(e) => return e,
    };
    let fresh = store.is_fresh();
    let (outbox, outbox_rx) = mpsc::unbounded_channel();
    let pending = Arc::new(Mutex::new(Pending::new(boot.number)));
    let net = Network { outbox: outbox.clone(), pending: pending.clone() };
    let config = Arc::new(system.section.openraft_config());
    let raft = match OpenRaft::new(id, config, net, store.clone(), store.clone()).await {
        Ok(raft) => raft,
        Err(e) => return StorageError(format!("openraft did not start: {e}")),
    };
    // The cluster's membership is written once, by the first voter, on a fresh disk: a node
    // that already holds any state (or any other voter) waits to hear from a leader instead.
    if fresh && rank == 0 {
        let r = raft.clone();
        madsim::task::spawn(async move {
            let _ = r.initialize(voters).await;
        });
    }
    let writes_in_flight = Arc::new(AtomicUsize::new(0));
    let submitted = Submitted::default();
    let mut node = Node {
        world: world.clone(),
        index,
        id,
        raft,
        store,
        outbox,
        pending,
        writes_in_flight,
        submitted,
        seen_version: 0,
    };
    let failure = serve::<I>(&mut node, socket, outbox_rx).await;
    let _ = node.raft.shutdown().await;
    failure
}

/// What woke the host.
enum Event {
    Out(Option<Out>),
    Datagram(Option<usize>),
    Tick,
}

async fn serve<I: Io>(
    node: &mut Node,
    socket: &I::Socket,
    mut outbox_rx: mpsc::UnboundedReceiver<Out>,
) -> StorageError {
    let mut buf = vec![0u8; crate::engine::DATAGRAM_BYTES_MAX];
    let mut held: Vec<Held> = Vec::new();
    let mut next_tick_us = I::now_us() + TICK_US;
    loop {
        if let Some(until) = crate::world::paused_until(&node.world, node.index, I::now_us()) {
            // A paused process neither hears nor speaks; openraft's own timers still run.
            I::sleep_until_us(until).await;
            continue;
        }
        let held_us = held.iter().map(|h| h.due_us).min();
        let wake_us = held_us.map_or(next_tick_us, |h| h.min(next_tick_us));
        // `biased`: tokio::select!'s random branch order would draw from an RNG we do not seed.
        let event = tokio::select! {
            biased;
            out = outbox_rx.recv() => Event::Out(out),
            r = I::recv(socket, &mut buf) => Event::Datagram(r.ok()),
            _ = I::sleep_until_us(wake_us) => Event::Tick,
        };
        let now_us = I::now_us();
        match event {
            Event::Out(Some(out)) => send::<I>(node, socket, &mut held, out).await,
            Event::Out(None) => return StorageError("outbox closed".into()),
            Event::Datagram(Some(len)) => receive(node, now_us, &buf[..len]),
            Event::Datagram(None) => {}
            Event::Tick => {
                next_tick_us = now_us + TICK_US;
                if let Err(e) = node.store.pay_owed_sync() {
                    return e;
                }
            }
        }
        release_held::<I>(socket, &mut held).await;
        if let Err(e) = &node.raft.metrics().borrow().running_state {
            return StorageError(format!("openraft stopped: {e}"));
        }
        observe(node, I::now_us());
    }
}

/// Sends one outgoing datagram, after any slow fsync the node's disk still owes its replies.
async fn send<I: Io>(node: &Node, socket: &I::Socket, held: &mut Vec<Held>, out: Out) {
    let now_us = I::now_us();
    let fsync_wait_us = node.store.disk().take_pending_sync_latency_us();
    if fsync_wait_us > 0 {
        I::sleep_until_us(now_us + fsync_wait_us).await;
    }
    let datagram = node.world.with(|w| match out {
        Out::Peer { to, bytes } => w.peer_datagram(node.id, to, bytes),
        Out::Client { client, bytes } => w.reply_datagram(node.id, client, bytes),
    });
    if let Some((to, bytes)) = datagram {
        crate::world::send_with_wire_faults::<I>(&node.world, socket, held, to, bytes).await;
    }
}

async fn release_held<I: Io>(socket: &I::Socket, held: &mut Vec<Held>) {
    let now_us = I::now_us();
    let (due, later): (Vec<Held>, Vec<Held>) = std::mem::take(held).into_iter().partition(|h| h.due_us <= now_us);
    *held = later;
    for h in due {
        I::send(socket, h.to, &h.bytes).await;
    }
}

/// Hands a received datagram to openraft (peer calls and answers) or to a client task.
fn receive(node: &mut Node, now_us: u64, bytes: &[u8]) {
    match crate::world::decode_datagram(&node.world, node.index, now_us, bytes) {
        Some(Envelope::Peer { from, bytes }) => match network::decode(&bytes) {
            Some(PeerMsg::Call { id, rpc }) => {
                madsim::task::spawn(network::serve(node.raft.clone(), node.outbox.clone(), from, id, rpc));
            }
            Some(PeerMsg::Answer { id, answer }) => {
                node.pending.lock().unwrap_or_else(|e| e.into_inner()).answer(id, answer);
            }
            None => node.world.with(|w| w.stats.decode_errors += 1),
        },
        Some(Envelope::Request { client, bytes }) => {
            if let Some(request) = decode_request(&bytes) {
                client_request(node, client, request);
            }
        }
        Some(Envelope::Reply { .. }) | None => {}
    }
}

/// Serves one client request through openraft's log (reads too: they are linearizable
/// because they are ordered with the writes). Only a node whose storage says it leads takes
/// it. "Not leader" promises the client its request was not applied, so it is never said of
/// a request this incarnation handed to openraft (a duplicated or retried datagram arriving
/// after the node lost leadership: the first copy may still commit), and a write openraft
/// fails after taking gets no reply either; the client times out and retries instead.
fn client_request(node: &mut Node, client: u64, request: Request) {
    let (leads, hint) = {
        let s = node.store.lock();
        let v = s.vote;
        (
            v.is_some_and(|v| v.committed && v.leader_id.node_id == node.id),
            v.filter(|v| v.committed).map(|v| v.leader_id.node_id),
        )
    };
    let taken_before = node.submitted.ids.contains(&request.id);
    let reply_now = if taken_before {
        if !leads {
            return;
        }
        // Handed over again (the state machine's dedupe applies it once), never refused.
        None
    } else if !leads {
        Some(Reply::NotLeader { leader_hint: hint })
    } else if node.writes_in_flight.load(Ordering::Relaxed) >= PENDING_PROPOSALS_MAX {
        Some(Reply::Busy)
    } else {
        None
    };
    let (raft, outbox, in_flight) = (node.raft.clone(), node.outbox.clone(), node.writes_in_flight.clone());
    let request_id = request.id;
    let reply_to = move |reply: Reply| {
        if let Ok(Routed::Client { client, bytes }) = Routed::reply(client, request_id, &reply) {
            let _ = outbox.send(Out::Client { client, bytes });
        }
    };
    if let Some(reply) = reply_now {
        reply_to(reply);
        return;
    }
    node.submitted.insert(request_id);
    in_flight.fetch_add(1, Ordering::Relaxed);
    madsim::task::spawn(async move {
        let result = raft.client_write(request).await;
        in_flight.fetch_sub(1, Ordering::Relaxed);
        match result {
            Ok(response) => response.data.map_or((), reply_to),
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(_))) | Err(_) => {}
        }
    });
}

/// The node's Raft state as the checks read it, from its storage: the persisted vote gives
/// term (the packed leader id), vote and role (a committed vote of its own is leadership).
fn observation(id: u64, s: &Stored) -> Observation {
    let (term, voted_for, role) = match s.vote {
        None => (0, None, Role::Follower),
        Some(v) => {
            let l = v.leader_id;
            let role = match (l.node_id == id, v.committed) {
                (true, true) => Role::Leader,
                (true, false) => Role::Candidate,
                _ => Role::Follower,
            };
            (packed_term(l.term, l.node_id), Some(l.node_id), role)
        }
    };
    let snap = s.snapshot.as_ref().and_then(|sn| sn.meta.last_log_id);
    let snapshot_index = snap.as_ref().map_or(0, our_index);
    let snapshot_term = snap.map_or(0, |l| packed_term(l.leader_id.term, l.leader_id.node_id));
    let applied = s.applied.as_ref().map_or(0, our_index);
    Observation {
        id,
        term,
        role,
        voted_for,
        commit_index: applied,
        last_applied: applied,
        snapshot_index,
        snapshot_term,
        log: s.ids.values().filter(|e| e.index > snapshot_index).copied().collect(),
    }
}

/// Writes what changed since the last look into the recorded run; a leader publishes itself.
fn observe(node: &mut Node, now_us: u64) {
    let (o, applied) = {
        let mut s = node.store.lock();
        if s.version == node.seen_version {
            return;
        }
        node.seen_version = s.version;
        (observation(node.id, &s), std::mem::take(&mut s.applied_pending))
    };
    node.world.with(|w| {
        if o.role == Role::Leader {
            w.leader_hint.publish(o.term, node.index);
        }
        let raft = &mut w.records.get_mut::<OpenRaftRecord>().0.raft;
        for e in &applied {
            raft.applied(now_us, node.id, e);
        }
        raft.observe(now_us, &o);
    });
}
