//! One client process: pick an operation, send it to the node it believes leads, retry on
//! NotLeader, Busy (same node, after a back-off) or timeout until the operation's deadline,
//! and record the outcome. With a LogSync
//! session it is a LogSync client: writes go through Raft, reads to the read replicas.
use super::op::{pick_operation, HistoryOp};
use super::{Relations, RelationsRecord, WorkloadConfig, NAME, VOTER};
use crate::engine::Io;
use crate::history::EventKind;
use crate::system::{ClientCtx, Records};
use crate::systems::logsync::{self, LogSyncRecord, Session, SessionWrite};
use crate::workload::{receive_reply, ClientProgram, OpRecorder};
use crate::world::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use crate::world::World;
use faultline_systems::relations::{Operation, Reply, Request, RequestId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::ops::Range;

/// How an operation ended.
pub enum Outcome {
    /// Answered.
    Ok {
        /// The history's value for the answer.
        value: Value,
        /// 1-based host id of the node that answered.
        node: u64,
        /// The log index a write committed at (0 for reads).
        index: u64,
    },
    /// Definitely not applied.
    Fail,
    /// Maybe applied.
    Info,
}

/// A Raft client's program: plain, or with a LogSync session. It talks to the `VOTER` hosts
/// of `system` (relations, or another Raft hosting the follow graph) and records under its name.
pub struct RaftClient {
    /// The system whose voters it talks to; its history events carry this name.
    pub system: &'static str,
    /// What the client does.
    pub workload: WorkloadConfig,
    /// Where the system keeps its acknowledged writes.
    pub record: fn(&mut Records) -> &mut RelationsRecord,
    /// For a LogSync client: its session (reads go to the replicas).
    pub session: Option<Session>,
}

impl RaftClient {
    /// A client of the relations service (with a LogSync session, a LogSync client).
    pub fn of_relations(relations: &Relations, session: Option<Session>) -> Self {
        RaftClient { system: NAME, workload: relations.workload.clone(), record: relations_record, session }
    }
}

/// The relations service's record in the run's records.
fn relations_record(records: &mut Records) -> &mut RelationsRecord {
    records.get_mut()
}

/// A running client.
pub struct Client<'a, I: Io> {
    /// The run's shared state.
    pub world: &'a World,
    /// Global client index (requests carry it, replies come back to it).
    pub index: usize,
    /// Its socket.
    pub socket: I::Socket,
    /// Its own randomness.
    pub rng: ChaCha8Rng,
    voters: Range<usize>,
    system: &'static str,
    record: fn(&mut Records) -> &mut RelationsRecord,
    leader_hint: Option<usize>,
    /// Receive buffer.
    pub buf: Vec<u8>,
    /// For a LogSync client: its session.
    pub session: Option<Session>,
}

/// How long a client waits before retrying a leader that answered `Busy`.
const BUSY_BACKOFF_US: u64 = 20_000;

/// Salt for client RNG streams.
const CLIENT_RNG_SALT: u64 = 0x434c_4945_4e54_0000;

impl ClientProgram for RaftClient {
    async fn run<I: Io>(self, ctx: ClientCtx) {
        let Ok(socket) = I::bind(PORT).await else { return };
        let world = ctx.world;
        let (seed, scenario) = world.with(|w| (w.seed, w.scenario.clone()));
        let mut client = Client::<I> {
            world: &world,
            index: ctx.index,
            socket,
            rng: ChaCha8Rng::seed_from_u64(seed ^ CLIENT_RNG_SALT ^ ctx.index as u64),
            voters: scenario.topology().hosts(self.system, VOTER),
            system: self.system,
            record: self.record,
            leader_hint: None,
            buf: vec![0u8; DATAGRAM_BYTES_MAX],
            session: self.session,
        };
        let end_us = scenario.end_us();
        let clients = scenario.client_count() as u64;
        let mut process = ctx.index as u64;
        let mut seq = 0u64;
        let w = &self.workload;
        loop {
            let think_us = client.rng.random_range(0..=w.think_ms * 1000);
            I::sleep_until_us(I::now_us() + think_us).await;
            if I::now_us() >= end_us {
                break;
            }
            seq += 1;
            let in_doubt = client.one_operation(w, process, RequestId { client: ctx.index as u64, seq }).await;
            if in_doubt {
                // Jepsen's convention: a process with an operation in doubt never issues again.
                process += clients;
            }
        }
    }
}

impl<I: Io> Client<'_, I> {
    /// Picks, runs and records one operation; true if its outcome is in doubt.
    async fn one_operation(&mut self, w: &WorkloadConfig, process: u64, id: RequestId) -> bool {
        let mut op = pick_operation(&mut self.rng, w, I::now_us());
        if let Some(session) = &self.session {
            op = session.reshape(op, &mut self.rng);
        }
        let h = HistoryOp::of(&op);
        let replica_read = self.session.is_some() && !op.is_write();
        let (system, f) =
            if replica_read { (logsync::NAME, logsync::replica_function(h.f)) } else { (self.system, h.f) };
        let recorder = OpRecorder { system, process, f, key: Some(h.key.clone()) };
        let invoke_us = I::now_us();
        self.world.with(|s| recorder.record(s, invoke_us, EventKind::Invoke, h.value.clone(), None));
        let outcome = if replica_read {
            self.replica_read(&op, id, invoke_us).await
        } else {
            self.execute(&op, id, w.attempt_timeout_ms * 1000, w.op_timeout_ms * 1000).await
        };
        let now = I::now_us();
        let in_doubt = matches!(outcome, Outcome::Info);
        let logsync_client = self.session.is_some();
        self.world.with(|s| match outcome {
            Outcome::Ok { value, node, index: at } => {
                if op.is_write() {
                    (self.record)(&mut s.records).acked_writes.push(id);
                    if logsync_client {
                        let write = SessionWrite { client: self.index, complete_us: now, index: at };
                        s.records.get_mut::<LogSyncRecord>().writes.push(write);
                    }
                }
                recorder.record(s, now, EventKind::Ok, value, Some(format!("n{node}")));
            }
            Outcome::Fail => recorder.record(s, now, EventKind::Fail, h.value, None),
            Outcome::Info => recorder.record(s, now, EventKind::Info, h.value, None),
        });
        in_doubt
    }

    /// A voter's host index, at random.
    fn random_voter(&mut self) -> usize {
        self.rng.random_range(self.voters.clone())
    }

    async fn execute(&mut self, op: &Operation, id: RequestId, attempt_us: u64, op_timeout_us: u64) -> Outcome {
        let deadline = I::now_us() + op_timeout_us;
        let mut target = self.leader_hint.unwrap_or_else(|| self.random_voter());
        let mut in_doubt = false;
        let mut asked: Vec<usize> = Vec::new();
        let Ok(request) = Envelope::request(self.index as u64, &Request { id, op: op.clone() }) else {
            return Outcome::Fail;
        };
        loop {
            let now = I::now_us();
            if now >= deadline {
                // A read has no effect, so one that never answered simply failed.
                return if in_doubt && op.is_write() { Outcome::Info } else { Outcome::Fail };
            }
            let Some(addr) = self.world.with(|w| w.node_addrs.get(target).copied()) else { return Outcome::Fail };
            // A refusal promises "not applied" only if it answers this attempt: one from a node
            // asked before may be a late or duplicated answer to the earlier ask, sent before
            // that node took this same request as leader.
            in_doubt |= asked.contains(&target);
            asked.push(target);
            I::send(&self.socket, addr, &request).await;
            match self.await_attempt(id, target, (now + attempt_us).min(deadline)).await {
                Some((node, Reply::NotLeader { leader_hint })) => {
                    target = self.hinted_voter(leader_hint, node);
                    self.leader_hint = None;
                    // Brief back-off so an election can finish.
                    I::sleep_until_us(I::now_us() + 10_000).await;
                }
                Some((_, Reply::Busy)) => {
                    // An overloaded leader is still the leader: back off, then retry it.
                    I::sleep_until_us(I::now_us() + BUSY_BACKOFF_US).await;
                }
                Some((node, reply)) => return self.answered(op, target, node, &reply),
                None => {
                    in_doubt = true;
                    self.leader_hint = None;
                    target = self.random_voter();
                }
            }
        }
    }

    /// Where a NotLeader answer from host id `node` points: its hint if that is another
    /// voter, else a random voter.
    fn hinted_voter(&mut self, leader_hint: Option<u64>, node: u64) -> usize {
        let hinted = leader_hint
            .and_then(|h| usize::try_from(h).ok())
            .and_then(|h| h.checked_sub(1))
            .filter(|&h| self.voters.contains(&h) && h as u64 + 1 != node);
        hinted.unwrap_or_else(|| self.random_voter())
    }

    /// The outcome of an answer from `node` (asked at host `target`).
    fn answered(&mut self, op: &Operation, target: usize, node: u64, reply: &Reply) -> Outcome {
        let Some(value) = HistoryOp::ok_value(op, reply) else {
            // A reply of the wrong shape is a bug in the server; treat it as unknown.
            return if op.is_write() { Outcome::Info } else { Outcome::Fail };
        };
        self.leader_hint = Some(target);
        let index = match reply {
            Reply::Written { index, .. } => *index,
            _ => 0,
        };
        if let Some(session) = &mut self.session {
            session.token = session.token.max(index);
        }
        Outcome::Ok { value, node, index }
    }

    /// Waits for the answer to this attempt at host `target`: a refusal from any other node
    /// answers an earlier attempt (late, or duplicated in flight) and is passed over.
    async fn await_attempt(&mut self, id: RequestId, target: usize, until_us: u64) -> Option<(u64, Reply)> {
        loop {
            match self.await_reply(id, until_us).await {
                Some((node, Reply::NotLeader { .. } | Reply::Busy)) if node != target as u64 + 1 => continue,
                other => return other,
            }
        }
    }

    /// Waits for the reply to `id` until `until_us`; stale replies to earlier requests are dropped.
    async fn await_reply(&mut self, id: RequestId, until_us: u64) -> Option<(u64, Reply)> {
        receive_reply::<I, Reply>(&self.world, &self.socket, &mut self.buf, id, until_us).await
    }
}
