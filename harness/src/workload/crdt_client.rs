//! A client in one data centre: it talks only to its home CRDT replica (writes are local by
//! design), retries a lost request with the same id (the replica answers a retry without
//! applying it twice), and stops writing at the heal so the quiescent period shows whether
//! the replicas converge.
use super::receive::receive_until;
use crate::check::crdt::{CrdtOpRecord, CrdtOutcome};
use crate::engine::Io;
use crate::history::{Event, EventKind};
use crate::scenario::CrdtConfig;
use crate::world::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use crate::world::{node_name, World};
use faultline_systems::crdt::replica::{CrdtReply, CrdtRequest, SetKind, SetOp};
use faultline_systems::relations::RequestId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// Salt for CRDT client RNG streams.
const CRDT_CLIENT_RNG_SALT: u64 = 0x4344_5243_4c49_0000;

/// Picks an operation: a graph, an edge between distinct users, and add / remove / contains.
pub fn pick_crdt_operation(rng: &mut impl Rng, c: &CrdtConfig) -> (SetKind, SetOp) {
    let kind = SetKind::ALL[rng.random_range(0..SetKind::ALL.len())];
    let a = rng.random_range(1..=c.users);
    let b = rng.random_range(1..c.users);
    let edge = (a, if b >= a { b + 1 } else { b });
    let roll = rng.random_range(0..(c.mix_add + c.mix_remove + c.mix_contains).max(1));
    let op = if roll < c.mix_add {
        SetOp::Add(edge)
    } else if roll < c.mix_add + c.mix_remove && kind.removable() {
        SetOp::Remove(edge)
    } else {
        SetOp::Contains(edge)
    };
    (kind, op)
}

/// The history's operation names for CRDT operations (Raft ones differ).
pub const CRDT_FUNCTIONS: [&str; 3] = ["add", "remove", "contains"];

/// The Raft clients' events of a history (what the linearizability checker judges): no
/// CRDT operations, no LogSync replica reads.
pub fn raft_events(history: &[Event]) -> Vec<Event> {
    history
        .iter()
        .filter(|e| !CRDT_FUNCTIONS.contains(&e.f.as_str()) && !super::is_replica_function(&e.f))
        .cloned()
        .collect()
}

fn f_name(op: SetOp) -> &'static str {
    match op {
        SetOp::Add(_) => "add",
        SetOp::Remove(_) => "remove",
        SetOp::Contains(_) => "contains",
    }
}

/// The history's value for a reply.
fn reply_value(reply: &CrdtReply) -> Value {
    match reply {
        CrdtReply::Added { dot, replaced, stamp } => json!({ "dot": dot, "replaced": replaced, "stamp": stamp }),
        CrdtReply::Removed { dots, stamp } => json!({ "dots": dots, "stamp": stamp }),
        CrdtReply::Contains(b) => json!(b),
        CrdtReply::Unsupported => json!("unsupported"),
    }
}

/// Runs CRDT client `crdt_index` (0-based among CRDT clients; `client` is its global index).
pub async fn crdt_client_main<I: Io>(world: World, client: usize, crdt_index: usize) {
    let Ok(socket) = I::bind(PORT).await else { return };
    let (seed, scenario) = world.with(|w| (w.seed, w.scenario.clone()));
    let c = &scenario.crdt;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ CRDT_CLIENT_RNG_SALT ^ crdt_index as u64);
    let home = scenario.crdt_hosts().start + crdt_index % c.replicas;
    let clients = scenario.client_count() as u64;
    let mut process = client as u64;
    let mut seq = 0u64;
    let mut buf = vec![0u8; DATAGRAM_BYTES_MAX];
    loop {
        I::sleep_until_us(I::now_us() + rng.random_range(0..=c.think_ms * 1000)).await;
        if I::now_us() >= scenario.heal_us() {
            // Writes stop at the heal; staying alive through the quiescent period keeps
            // engines that end when their clients do (turmoil) running while replicas converge.
            I::sleep_until_us(scenario.end_us()).await;
            break;
        }
        let (kind, op) = pick_crdt_operation(&mut rng, c);
        seq += 1;
        let id = RequestId { client: client as u64, seq };
        let (a, b) = op.edge();
        let key = json!(format!("{}:{a}->{b}", kind.name()));
        let invoke_us = I::now_us();
        world.with(|w| {
            w.record_op(invoke_us, process, EventKind::Invoke, f_name(op), Some(key.clone()), Value::Null, None)
        });
        let request = Envelope::CrdtRequest { client: client as u64, request: CrdtRequest { id, kind, op } }.encode();
        let deadline = invoke_us + c.op_timeout_ms * 1000;
        let mut reply = None;
        while reply.is_none() && I::now_us() < deadline {
            let Some(addr) = world.with(|w| w.node_addrs.get(home).copied()) else { break };
            I::send(&socket, addr, &request).await;
            let until = (I::now_us() + c.attempt_timeout_ms * 1000).min(deadline);
            reply = receive_until::<I, _>(&socket, &mut buf, until, |e| match e {
                Envelope::CrdtReply { request, reply, .. } if request == id => Some(reply),
                _ => None,
            })
            .await;
        }
        let now = I::now_us();
        let outcome = match reply {
            Some(r) => CrdtOutcome::Ok(r),
            None if op.is_write() => CrdtOutcome::Info,
            None => CrdtOutcome::Fail,
        };
        world.with(|w| {
            let (kind_ev, value, node) = match &outcome {
                CrdtOutcome::Ok(r) => (EventKind::Ok, reply_value(r), Some(node_name(home))),
                CrdtOutcome::Info => (EventKind::Info, Value::Null, None),
                CrdtOutcome::Fail => (EventKind::Fail, Value::Null, None),
            };
            w.record_op(now, process, kind_ev, f_name(op), Some(key), value, node);
            w.crdt.ops.push(CrdtOpRecord {
                process,
                node: home,
                kind,
                op,
                invoke_us,
                complete_us: now,
                outcome: outcome.clone(),
            });
        });
        if outcome == CrdtOutcome::Info {
            // Jepsen's convention: a process with an operation in doubt never issues again.
            process += clients;
        }
    }
}
