//! A client in one data centre: it talks only to its home CRDT replica (writes are local by
//! design), retries a lost request with the same id (the replica answers a retry without
//! applying it twice), and stops writing at the heal so the quiescent period shows whether
//! the replicas converge.
use super::{Crdt, CrdtConfig, CrdtOpRecord, CrdtOutcome, CrdtRecord, NAME, REPLICA};
use crate::engine::Io;
use crate::history::{node_name, EventKind};
use crate::system::ClientCtx;
use crate::workload::{receive_reply, ClientProgram, OpRecorder};
use crate::world::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use crate::world::World;
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

/// A CRDT client's program.
pub struct CrdtClient;

/// What one client keeps between operations.
struct State<I: Io> {
    world: World,
    socket: I::Socket,
    buf: Vec<u8>,
    index: usize,
    home: usize,
}

impl ClientProgram for CrdtClient {
    async fn run<I: Io>(self, ctx: ClientCtx) {
        let Ok(socket) = I::bind(PORT).await else { return };
        let (seed, scenario) = ctx.world.with(|w| (w.seed, w.scenario.clone()));
        let Some(crdt) = scenario.system::<Crdt>() else { return };
        let c = &crdt.config;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ CRDT_CLIENT_RNG_SALT ^ ctx.rank as u64);
        let home = scenario.topology().hosts(NAME, REPLICA).start + ctx.rank % c.replicas.max(1);
        let clients = scenario.client_count() as u64;
        let mut st =
            State::<I> { world: ctx.world, socket, buf: vec![0u8; DATAGRAM_BYTES_MAX], index: ctx.index, home };
        let mut process = ctx.index as u64;
        let mut seq = 0u64;
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
            let id = RequestId { client: ctx.index as u64, seq };
            if st.operation(c, process, CrdtRequest { id, kind, op }).await == CrdtOutcome::Info {
                // Jepsen's convention: a process with an operation in doubt never issues again.
                process += clients;
            }
        }
    }
}

impl<I: Io> State<I> {
    /// Runs and records one operation at the home replica, retrying with the same id.
    async fn operation(&mut self, c: &CrdtConfig, process: u64, request: CrdtRequest) -> CrdtOutcome {
        let CrdtRequest { id, kind, op } = request;
        let (a, b) = op.edge();
        let recorder =
            OpRecorder { system: NAME, process, f: f_name(op), key: Some(json!(format!("{}:{a}->{b}", kind.name()))) };
        let invoke_us = I::now_us();
        self.world.with(|w| recorder.record(w, invoke_us, EventKind::Invoke, Value::Null, None));
        let reply = self.ask(c, &request, invoke_us + c.op_timeout_ms * 1000).await;
        let now = I::now_us();
        let outcome = match reply {
            Some(r) => CrdtOutcome::Ok(r),
            None if op.is_write() => CrdtOutcome::Info,
            None => CrdtOutcome::Fail,
        };
        let home = self.home;
        self.world.with(|w| {
            let (kind_ev, value, node) = match &outcome {
                CrdtOutcome::Ok(r) => (EventKind::Ok, reply_value(r), Some(node_name(home))),
                CrdtOutcome::Info => (EventKind::Info, Value::Null, None),
                CrdtOutcome::Fail => (EventKind::Fail, Value::Null, None),
            };
            recorder.record(w, now, kind_ev, value, node);
            let record = CrdtOpRecord {
                process,
                id,
                node: home,
                kind,
                op,
                invoke_us,
                complete_us: now,
                outcome: outcome.clone(),
            };
            w.records.get_mut::<CrdtRecord>().ops.push(record);
        });
        outcome
    }

    /// Sends `request` until it is answered or `deadline` passes.
    async fn ask(&mut self, c: &CrdtConfig, request: &CrdtRequest, deadline: u64) -> Option<CrdtReply> {
        let datagram = Envelope::request(self.index as u64, request).ok()?;
        while I::now_us() < deadline {
            let addr = self.world.with(|w| w.node_addrs.get(self.home).copied())?;
            I::send(&self.socket, addr, &datagram).await;
            let until = (I::now_us() + c.attempt_timeout_ms * 1000).min(deadline);
            if let Some((_, reply)) =
                receive_reply::<I, CrdtReply>(&self.world, &self.socket, &mut self.buf, request.id, until).await
            {
                return Some(reply);
            }
        }
        None
    }
}
