//! A client: writes unique values and reads, always at the primary, retrying a lost request
//! with the same id until its deadline; a write with no answer is `info` (Jepsen's rule).
use super::node::{Op, Reply};
use super::{RegisterSystem, NAME, REPLICA};
use faultline::engine::Io;
use faultline::history::{node_name, EventKind};
use faultline::system::ClientCtx;
use faultline::workload::{receive_reply, ClientProgram, OpRecorder};
use faultline::world::wire::{self, Envelope, DATAGRAM_BYTES_MAX, PORT};
use faultline::world::World;
use faultline_systems::relations::RequestId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const CLIENT_RNG_SALT: u64 = 0x5245_4749_0000_0000;
const THINK_MS_MAX: u64 = 80;
const ATTEMPT_TIMEOUT_MS: u64 = 100;
/// How long one operation may take at most; also the system's drain time.
pub const OP_TIMEOUT_MS: u64 = 1_000;

/// The client program.
pub struct RegisterClient;

impl ClientProgram for RegisterClient {
    async fn run<I: Io>(self, ctx: ClientCtx) {
        let Ok(socket) = I::bind(PORT).await else { return };
        let (seed, scenario) = ctx.world.with(|w| (w.seed, w.scenario.clone()));
        if scenario.system::<RegisterSystem>().is_none() {
            return;
        }
        let primary = scenario.topology().hosts(NAME, REPLICA).start;
        let clients = scenario.client_count() as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ CLIENT_RNG_SALT ^ ctx.index as u64);
        let mut buf = vec![0u8; DATAGRAM_BYTES_MAX];
        let mut process = ctx.index as u64;
        let mut seq = 0u64;
        while I::now_us() < scenario.end_us() {
            I::sleep_until_us(I::now_us() + rng.random_range(0..=THINK_MS_MAX * 1000)).await;
            seq += 1;
            let op = if rng.random_bool(0.5) { Op::Write(ctx.index as u64 * 1_000_000 + seq) } else { Op::Read };
            let id = RequestId { client: ctx.index as u64, seq };
            let call = Call::<I> { world: &ctx.world, socket: &socket, primary, client: ctx.index as u64 };
            if call.operation(&mut buf, process, id, op).await == EventKind::Info {
                process += clients;
            }
        }
    }
}

struct Call<'a, I: Io> {
    world: &'a World,
    socket: &'a I::Socket,
    primary: usize,
    client: u64,
}

impl<I: Io> Call<'_, I> {
    /// Runs and records one operation; returns how it completed.
    async fn operation(&self, buf: &mut [u8], process: u64, id: RequestId, op: Op) -> EventKind {
        let (f, input) = match op {
            Op::Write(v) => ("write", json!(v)),
            Op::Read => ("read", Value::Null),
        };
        let recorder = OpRecorder { system: NAME, process, f, key: None };
        let invoke_us = I::now_us();
        self.world.with(|w| recorder.record(w, invoke_us, EventKind::Invoke, input.clone(), None));
        let reply = self.ask(buf, id, op, invoke_us + OP_TIMEOUT_MS * 1000).await;
        let (kind, value) = match (reply, op) {
            (Some(Reply::Value(v)), _) => (EventKind::Ok, json!(v)),
            (Some(Reply::Written), _) => (EventKind::Ok, input),
            (None, Op::Write(_)) => (EventKind::Info, Value::Null),
            (None, Op::Read) => (EventKind::Fail, Value::Null),
        };
        let node = (kind == EventKind::Ok).then(|| node_name(self.primary));
        self.world.with(|w| recorder.record(w, I::now_us(), kind, value, node));
        kind
    }

    async fn ask(&self, buf: &mut [u8], id: RequestId, op: Op, deadline_us: u64) -> Option<Reply> {
        let bytes = wire::encode(&(id, op)).ok()?;
        let datagram = (Envelope::Request { client: self.client, bytes }).encode().ok()?;
        while I::now_us() < deadline_us {
            let addr = self.world.with(|w| w.node_addrs.get(self.primary).copied())?;
            I::send(self.socket, addr, &datagram).await;
            let until = (I::now_us() + ATTEMPT_TIMEOUT_MS * 1000).min(deadline_us);
            let reply = receive_reply::<I, Reply>(self.world, self.socket, buf, id, until).await.map(|(_, r)| r);
            if reply.is_some() {
                return reply;
            }
        }
        None
    }
}
