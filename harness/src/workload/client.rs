//! One client process: pick an operation, send it to the node it believes leads, retry on
//! NotLeader, Busy (same node, after a back-off) or timeout until the operation's deadline,
//! and record the outcome.
use super::op::{pick_operation, HistoryOp};
use super::receive::receive_until;
use super::session::{replica_function, Session};
use crate::check::logsync::SessionWrite;
use crate::engine::Io;
use crate::history::EventKind;
use crate::world::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use crate::world::World;
use faultline_systems::relations::{Operation, Reply, Request, RequestId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// How an operation ended.
pub(super) enum Outcome {
    Ok {
        value: Value,
        node: u64,
        /// The log index a write committed at (0 for reads).
        index: u64,
    },
    /// Definitely not applied.
    Fail,
    /// Maybe applied.
    Info,
}

pub(super) struct Client<'a, I: Io> {
    pub(super) world: &'a World,
    pub(super) index: usize,
    pub(super) socket: I::Socket,
    pub(super) rng: ChaCha8Rng,
    nodes: usize,
    leader_hint: Option<usize>,
    pub(super) buf: Vec<u8>,
    /// For a LogSync client: its session, and reads go to replicas.
    pub(super) session: Option<Session>,
}

/// How long a client waits before retrying a leader that answered `Busy`.
const BUSY_BACKOFF_US: u64 = 20_000;

/// Salt for client RNG streams.
const CLIENT_RNG_SALT: u64 = 0x434c_4945_4e54_0000;

/// Runs client `index` until the scenario's end. With a `session` it is a LogSync client:
/// it writes through Raft and reads through the read replicas.
pub async fn raft_client_main<I: Io>(world: World, index: usize, session: Option<Session>) {
    let Ok(socket) = I::bind(PORT).await else { return };
    let (seed, scenario) = world.with(|w| (w.seed, w.scenario.clone()));
    let mut client = Client::<I> {
        world: &world,
        index,
        socket,
        rng: ChaCha8Rng::seed_from_u64(seed ^ CLIENT_RNG_SALT ^ index as u64),
        nodes: scenario.relations.nodes,
        leader_hint: None,
        buf: vec![0u8; DATAGRAM_BYTES_MAX],
        session,
    };
    let w = &scenario.workload;
    let end_us = scenario.end_us();
    let clients = scenario.client_count() as u64;
    let mut process = index as u64;
    let mut seq = 0u64;
    loop {
        let think_us = client.rng.random_range(0..=w.think_ms * 1000);
        I::sleep_until_us(I::now_us() + think_us).await;
        if I::now_us() >= end_us {
            break;
        }
        let mut op = pick_operation(&mut client.rng, w, I::now_us());
        if let Some(session) = &client.session {
            op = session.reshape(op, &mut client.rng);
        }
        seq += 1;
        let id = RequestId { client: index as u64, seq };
        let mut h = HistoryOp::of(&op);
        let replica_read = client.session.is_some() && !op.is_write();
        if replica_read {
            h.f = replica_function(h.f);
        }
        let invoke_us = I::now_us();
        world.with(|s| {
            s.record_op(invoke_us, process, EventKind::Invoke, h.f, Some(h.key.clone()), h.value.clone(), None)
        });
        let outcome = if replica_read {
            client.replica_read(&op, id, invoke_us).await
        } else {
            client.execute(&op, id, w.attempt_timeout_ms * 1000, w.op_timeout_ms * 1000).await
        };
        let now = I::now_us();
        let in_doubt = matches!(outcome, Outcome::Info);
        world.with(|s| match outcome {
            Outcome::Ok { value, node, index: at } => {
                if op.is_write() {
                    s.acked_writes.push(id);
                    if client.session.is_some() {
                        s.logsync.writes.push(SessionWrite { client: index, complete_us: now, index: at });
                    }
                }
                s.record_op(now, process, EventKind::Ok, h.f, Some(h.key), value, Some(format!("n{node}")));
            }
            Outcome::Fail => s.record_op(now, process, EventKind::Fail, h.f, Some(h.key), h.value, None),
            Outcome::Info => s.record_op(now, process, EventKind::Info, h.f, Some(h.key), h.value, None),
        });
        if in_doubt {
            // Jepsen's convention: a process with an operation in doubt never issues again.
            process += clients;
        }
    }
}

impl<I: Io> Client<'_, I> {
    async fn execute(&mut self, op: &Operation, id: RequestId, attempt_us: u64, op_timeout_us: u64) -> Outcome {
        let deadline = I::now_us() + op_timeout_us;
        let mut target = self.leader_hint.unwrap_or_else(|| self.rng.random_range(0..self.nodes));
        let mut in_doubt = false;
        let request = Envelope::Request { client: self.index as u64, request: Request { id, op: op.clone() } }.encode();
        loop {
            let now = I::now_us();
            if now >= deadline {
                // A read has no effect, so one that never answered simply failed.
                return if in_doubt && op.is_write() { Outcome::Info } else { Outcome::Fail };
            }
            let Some(addr) = self.world.with(|w| w.node_addrs.get(target).copied()) else { return Outcome::Fail };
            I::send(&self.socket, addr, &request).await;
            match self.await_reply(id, (now + attempt_us).min(deadline)).await {
                Some((node, Reply::NotLeader { leader_hint })) => {
                    let hinted = leader_hint
                        .and_then(|h| usize::try_from(h).ok())
                        .filter(|&h| h >= 1 && h <= self.nodes && h != node as usize);
                    target = match hinted {
                        Some(h) => h - 1,
                        None => self.rng.random_range(0..self.nodes),
                    };
                    self.leader_hint = None;
                    // Brief back-off so an election can finish.
                    I::sleep_until_us(I::now_us() + 10_000).await;
                }
                Some((_, Reply::Busy)) => {
                    // An overloaded leader is still the leader: back off, then retry it.
                    I::sleep_until_us(I::now_us() + BUSY_BACKOFF_US).await;
                }
                Some((node, reply)) => match HistoryOp::ok_value(op, &reply) {
                    Some(value) => {
                        self.leader_hint = Some(target);
                        let index = match reply {
                            Reply::Written { index, .. } => index,
                            _ => 0,
                        };
                        if let Some(session) = &mut self.session {
                            session.token = session.token.max(index);
                        }
                        return Outcome::Ok { value, node, index };
                    }
                    // A reply of the wrong shape is a bug in the server; treat it as unknown.
                    None => return if op.is_write() { Outcome::Info } else { Outcome::Fail },
                },
                None => {
                    in_doubt = true;
                    self.leader_hint = None;
                    target = self.rng.random_range(0..self.nodes);
                }
            }
        }
    }

    /// Waits for the reply to `id` until `until_us`; stale replies to earlier requests are dropped.
    async fn await_reply(&mut self, id: RequestId, until_us: u64) -> Option<(u64, Reply)> {
        receive_until::<I, _>(&self.socket, &mut self.buf, until_us, |e| match e {
            Envelope::Reply { node, request, reply } if request == id => Some((node, reply)),
            _ => None,
        })
        .await
    }
}
