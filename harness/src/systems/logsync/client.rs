//! LogSync clients: a Raft client whose reads go to the read replicas with a session token
//! (the highest log index it has written or read), failing over to the next replica when
//! one answers `Behind` or not at all.
use super::{LogSyncRecord, ReplicaReadRecord};
use crate::engine::Io;
use crate::systems::relations::{Client, Outcome};
use crate::workload::receive_reply;
use crate::world::wire::Envelope;
use faultline_systems::logsync::{ReplicaRead, ReplicaReply};
use faultline_systems::relations::{Operation, RequestId};
use rand::Rng;
use serde_json::json;

/// A LogSync client's session.
#[derive(Clone, Debug)]
pub struct Session {
    /// Highest log index this client has written or read.
    pub token: u64,
    /// Host indices of the replicas, and which one the client uses now.
    pub replicas: Vec<usize>,
    /// Index into `replicas`.
    pub current: usize,
    /// Share of operations that are reads, percent.
    pub read_percent: u32,
    /// Freshness the reads ask for.
    pub staleness_ms_max: Option<u64>,
    /// One try at one replica, µs.
    pub attempt_us: u64,
    /// Give up on a read after this long, µs.
    pub op_timeout_us: u64,
}

/// The history name of a replica read (distinct from linearizable Raft reads).
pub fn replica_function(f: &'static str) -> &'static str {
    match f {
        "is_following" => "replica_is_following",
        "followers" => "replica_followers",
        "following" => "replica_following",
        _ => "replica_follower_count",
    }
}

impl Session {
    /// Turns `op` into a read or a write as the read share says, on the same users; half
    /// the `followers(u)` reads become `following(u)`, which replicas also answer.
    pub fn reshape(&self, op: Operation, rng: &mut impl Rng) -> Operation {
        let want_read = rng.random_range(0..100) < self.read_percent;
        match (want_read, op) {
            (true, Operation::Followers { user }) if rng.random_bool(0.5) => Operation::Following { user },
            (true, Operation::Follow { follower, followee } | Operation::Unfollow { follower, followee }) => {
                Operation::IsFollowing { follower, followee }
            }
            (false, Operation::IsFollowing { follower, followee }) => Operation::Follow { follower, followee },
            (false, Operation::Followers { user } | Operation::Following { user } | Operation::Counts { user }) => {
                // A write needs two users; the other one is the user's neighbour.
                Operation::Unfollow { follower: user + 1, followee: user }
            }
            (_, op) => op,
        }
    }
}

impl<I: Io> Client<'_, I> {
    /// Reads at the current replica with the session token; on `Behind` or silence, fails
    /// over to the next replica, until the read's deadline.
    pub async fn replica_read(&mut self, op: &Operation, id: RequestId, invoke_us: u64) -> Outcome {
        let Some(session) = self.session.clone() else { return Outcome::Fail };
        let deadline = invoke_us + session.op_timeout_us;
        let read = ReplicaRead { id, op: op.clone(), token: session.token, staleness_ms_max: session.staleness_ms_max };
        let Ok(request) = Envelope::request(self.index as u64, &read) else { return Outcome::Fail };
        let mut current = session.current;
        while I::now_us() < deadline {
            let host = session.replicas[current % session.replicas.len()];
            let Some(addr) = self.world.with(|w| w.node_addrs.get(host).copied()) else { return Outcome::Fail };
            I::send(&self.socket, addr, &request).await;
            let until = (I::now_us() + session.attempt_us).min(deadline);
            let answer = receive_reply::<I, ReplicaReply>(&self.world, &self.socket, &mut self.buf, id, until).await;
            if let Some((_, ReplicaReply::Value { reply, index })) = answer {
                let complete_us = I::now_us();
                if let Some(s) = &mut self.session {
                    s.token = s.token.max(index);
                    s.current = current;
                }
                let record = ReplicaReadRecord {
                    client: self.index,
                    node: host,
                    op: op.clone(),
                    invoke_us,
                    complete_us,
                    token: session.token,
                    reply: reply.clone(),
                    index,
                    staleness_ms_max: session.staleness_ms_max,
                };
                self.world.with(|w| w.records.get_mut::<LogSyncRecord>().reads.push(record));
                let value = json!({ "reply": reply, "index": index });
                return Outcome::Ok { value, node: host as u64 + 1, index };
            }
            // Behind, or no answer: the next replica.
            current = (current + 1) % session.replicas.len();
        }
        Outcome::Fail
    }
}
