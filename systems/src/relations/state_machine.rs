//! The follow graph with its per-client dedupe table: the replicated state machine.
//! Self-follow (a follows a) is allowed: it is an ordinary edge, which keeps the state machine
//! total (every write has a well-defined reply) without an error variant in `Reply`.
use super::api::{Operation, Reply, Request, RequestId, UserId};
use crate::raft::StateMachine;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version tag of the snapshot encoding.
const SNAPSHOT_VERSION: u8 = 1;

/// The follow graph plus the dedupe table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowGraph {
    following: BTreeMap<UserId, BTreeSet<UserId>>,
    followers: BTreeMap<UserId, BTreeSet<UserId>>,
    /// Per client: highest applied seq and its reply.
    sessions: BTreeMap<u64, (u64, Reply)>,
}

#[derive(Serialize, Deserialize)]
struct SnapshotBody {
    edges: Vec<(UserId, UserId)>,
    sessions: Vec<(u64, u64, Reply)>,
}

impl FollowGraph {
    /// SHA-256 of the canonical snapshot encoding: equal iff the states are equal.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.snapshot()).into()
    }

    /// Applies a write with dedupe; `None` means a stale retry that gets no answer.
    pub fn apply_request(&mut self, request: &Request) -> Option<Reply> {
        let RequestId { client, seq } = request.id;
        if let Some((last_seq, reply)) = self.sessions.get(&client) {
            if seq == *last_seq {
                return Some(reply.clone());
            }
            if seq < *last_seq {
                return None;
            }
        }
        let reply = match request.op {
            Operation::Follow { follower, followee } => {
                Reply::Written { changed: self.follow(follower, followee), index: 0 }
            }
            Operation::Unfollow { follower, followee } => {
                Reply::Written { changed: self.unfollow(follower, followee), index: 0 }
            }
            // Reads never travel the log; one that did is answered but changes nothing.
            ref read => self.query(read),
        };
        self.sessions.insert(client, (seq, reply.clone()));
        Some(reply)
    }

    fn follow(&mut self, a: UserId, b: UserId) -> bool {
        let added = self.following.entry(a).or_default().insert(b);
        self.followers.entry(b).or_default().insert(a);
        added
    }

    fn unfollow(&mut self, a: UserId, b: UserId) -> bool {
        let removed = remove_edge(&mut self.following, a, b);
        remove_edge(&mut self.followers, b, a);
        removed
    }

    /// Answers an operation from the current state (writes are answered as no-ops).
    pub fn query(&self, op: &Operation) -> Reply {
        let set = |m: &BTreeMap<UserId, BTreeSet<UserId>>, u: UserId| {
            m.get(&u).map(|s| s.iter().copied().collect()).unwrap_or_default()
        };
        let len = |m: &BTreeMap<UserId, BTreeSet<UserId>>, u: UserId| m.get(&u).map_or(0, |s| s.len() as u64);
        match *op {
            Operation::IsFollowing { follower, followee } => {
                Reply::Bool(self.following.get(&follower).is_some_and(|s| s.contains(&followee)))
            }
            Operation::Followers { user } => Reply::Users(set(&self.followers, user)),
            Operation::Following { user } => Reply::Users(set(&self.following, user)),
            Operation::Counts { user } => {
                Reply::Counts { followers: len(&self.followers, user), following: len(&self.following, user) }
            }
            Operation::Follow { .. } | Operation::Unfollow { .. } => Reply::Written { changed: false, index: 0 },
        }
    }
}

fn remove_edge(map: &mut BTreeMap<UserId, BTreeSet<UserId>>, from: UserId, to: UserId) -> bool {
    let Some(set) = map.get_mut(&from) else { return false };
    let removed = set.remove(&to);
    if set.is_empty() {
        map.remove(&from);
    }
    removed
}

/// Encodes a request as a log command.
pub fn encode_request(request: &Request) -> Vec<u8> {
    postcard::to_allocvec(request).expect("postcard serialization of a Request")
}

impl StateMachine for FollowGraph {
    type Output = Option<(RequestId, Reply)>;

    fn apply(&mut self, command: &[u8]) -> Self::Output {
        // Commands come from our own leaders, but a bad one must not wedge every replica.
        let request: Request = postcard::from_bytes(command).ok()?;
        self.apply_request(&request).map(|reply| (request.id, reply))
    }

    fn request_of(&self, command: &[u8]) -> Option<RequestId> {
        postcard::from_bytes::<Request>(command).ok().map(|r| r.id)
    }

    fn snapshot(&self) -> Vec<u8> {
        let body = SnapshotBody {
            edges: self.following.iter().flat_map(|(a, bs)| bs.iter().map(move |b| (*a, *b))).collect(),
            sessions: self.sessions.iter().map(|(c, (s, r))| (*c, *s, r.clone())).collect(),
        };
        let mut out = vec![SNAPSHOT_VERSION];
        out.extend_from_slice(&postcard::to_allocvec(&body).expect("postcard serialization of a snapshot"));
        out
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        let (&version, body) = bytes.split_first().ok_or("empty snapshot")?;
        if version != SNAPSHOT_VERSION {
            return Err(format!("unknown snapshot version {version}"));
        }
        let body: SnapshotBody = postcard::from_bytes(body).map_err(|e| e.to_string())?;
        let mut graph = FollowGraph::default();
        for (a, b) in body.edges {
            graph.follow(a, b);
        }
        for (client, seq, reply) in body.sessions {
            graph.sessions.insert(client, (seq, reply));
        }
        *self = graph;
        Ok(())
    }
}
