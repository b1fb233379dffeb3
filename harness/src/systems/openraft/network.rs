//! openraft's network over datagrams: every RPC is a `Call` with a request id, answered by an
//! `Answer` datagram; a bounded table of pending calls matches answers to callers, and a call
//! unanswered within openraft's TTL times out, so partitions and loss reach openraft as RPC
//! errors. Datagrams leave through the host's outbox (the host loop owns the socket).
use super::runtime::SimRuntime;
use super::types::TypeConfig;
use openraft::error::{InstallSnapshotError, NetworkError, PayloadTooLarge, RPCError, RaftError, Timeout, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest,
    VoteResponse,
};
use openraft::{AsyncRuntime, EmptyNode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Calls one node may have unanswered at once; past this a call fails as unreachable.
pub const PENDING_CALLS_MAX: usize = 256;
/// Largest peer message body: a datagram less the envelope's framing.
pub const PEER_BYTES_MAX: usize = crate::engine::DATAGRAM_BYTES_MAX - 256;

/// An RPC openraft makes of a peer.
#[derive(Serialize, Deserialize)]
pub enum Rpc {
    /// Replication and heartbeats.
    Append(AppendEntriesRequest<TypeConfig>),
    /// Elections.
    Vote(VoteRequest<u64>),
    /// One chunk of a snapshot.
    Snapshot(InstallSnapshotRequest<TypeConfig>),
}

/// A peer's answer; `None` when its openraft refused (e.g. it is shutting down).
#[derive(Serialize, Deserialize)]
pub enum Answer {
    /// To `Rpc::Append`.
    Append(Option<AppendEntriesResponse<u64>>),
    /// To `Rpc::Vote`.
    Vote(Option<VoteResponse<u64>>),
    /// To `Rpc::Snapshot`.
    Snapshot(Option<InstallSnapshotResponse<u64>>),
}

/// What peers send each other.
#[derive(Serialize, Deserialize)]
pub enum PeerMsg {
    /// A call, to be answered with the same id.
    Call { id: u64, rpc: Rpc },
    /// The answer to call `id`.
    Answer { id: u64, answer: Answer },
}

/// Encodes a peer message (JSON: openraft's types serialize through serde, not all postcard-safe).
pub fn encode(msg: &PeerMsg) -> Option<Vec<u8>> {
    serde_json::to_vec(msg).ok()
}

/// Decodes a peer message; garbage is None (dropped, as a server drops what it cannot parse).
pub fn decode(bytes: &[u8]) -> Option<PeerMsg> {
    serde_json::from_slice(bytes).ok()
}

/// A datagram on its way out: to a peer (by wire id) or a reply to a client.
pub enum Out {
    /// Peer bytes for host id `to`.
    Peer { to: u64, bytes: Vec<u8> },
    /// Reply bytes (a `(RequestId, Reply)`, encoded) for client `client`.
    Client { client: u64, bytes: Vec<u8> },
}

/// The calls awaiting answers. Ids carry the boot number, so an answer meant for an earlier
/// incarnation never matches a call of this one.
#[derive(Default)]
pub struct Pending {
    next_id: u64,
    waiting: BTreeMap<u64, oneshot::Sender<Answer>>,
}

impl Pending {
    /// A table whose ids start at `boot << 40`.
    pub fn new(boot: u64) -> Self {
        Pending { next_id: boot << 40, waiting: BTreeMap::new() }
    }

    /// Hands `answer` to the caller of `id`, if it still waits.
    pub fn answer(&mut self, id: u64, answer: Answer) {
        if let Some(tx) = self.waiting.remove(&id) {
            let _ = tx.send(answer);
        }
    }
}

/// Builds one client per peer, all sending through the node's outbox.
#[derive(Clone)]
pub struct Network {
    /// The node's outbox.
    pub outbox: mpsc::UnboundedSender<Out>,
    /// The node's pending calls.
    pub pending: Arc<Mutex<Pending>>,
}

/// openraft's client for one peer.
pub struct Peer {
    net: Network,
    target: u64,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Peer;

    async fn new_client(&mut self, target: u64, _node: &EmptyNode) -> Peer {
        Peer { net: self.clone(), target }
    }
}

/// Why a call got no answer.
enum CallError {
    TooLarge,
    Unreachable(&'static str),
    Timeout,
}

impl Peer {
    async fn call(&self, rpc: Rpc, ttl: Duration) -> Result<Answer, CallError> {
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut p = self.net.pending.lock().unwrap_or_else(|e| e.into_inner());
            if p.waiting.len() >= PENDING_CALLS_MAX {
                return Err(CallError::Unreachable("too many calls pending"));
            }
            p.next_id += 1;
            let id = p.next_id;
            p.waiting.insert(id, tx);
            id
        };
        let bytes = encode(&PeerMsg::Call { id, rpc }).ok_or(CallError::Unreachable("encode failed"))?;
        let result = if bytes.len() > PEER_BYTES_MAX {
            Err(CallError::TooLarge)
        } else if self.net.outbox.send(Out::Peer { to: self.target, bytes }).is_err() {
            Err(CallError::Unreachable("node stopping"))
        } else {
            match SimRuntime::timeout(ttl, rx).await {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(_)) => Err(CallError::Unreachable("node stopping")),
                Err(_) => Err(CallError::Timeout),
            }
        };
        self.net.pending.lock().unwrap_or_else(|e| e.into_inner()).waiting.remove(&id);
        result
    }

    fn error<E: std::error::Error>(&self, e: CallError, entries: usize, ttl: Duration) -> RPCError<u64, EmptyNode, E> {
        match e {
            // openraft retries with fewer entries: half, so a batch that fits is found quickly.
            CallError::TooLarge => {
                RPCError::PayloadTooLarge(PayloadTooLarge::new_entries_hint((entries as u64 / 2).max(1)))
            }
            CallError::Unreachable(why) => RPCError::Unreachable(Unreachable::new(&std::io::Error::other(why))),
            CallError::Timeout => RPCError::Timeout(Timeout {
                action: openraft::network::RPCTypes::AppendEntries,
                id: 0,
                target: self.target,
                timeout: ttl,
            }),
        }
    }
}

fn mismatch<E: std::error::Error>() -> RPCError<u64, EmptyNode, E> {
    RPCError::Network(NetworkError::new(&std::io::Error::other("answer of the wrong kind")))
}

impl RaftNetwork<TypeConfig> for Peer {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, EmptyNode, RaftError<u64>>> {
        let (entries, ttl) = (rpc.entries.len(), option.hard_ttl());
        match self.call(Rpc::Append(rpc), ttl).await {
            Ok(Answer::Append(Some(r))) => Ok(r),
            Ok(Answer::Append(None)) => Err(self.error(CallError::Unreachable("peer refused"), entries, ttl)),
            Ok(_) => Err(mismatch()),
            Err(e) => Err(self.error(e, entries, ttl)),
        }
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<u64>, RPCError<u64, EmptyNode, RaftError<u64, InstallSnapshotError>>> {
        let ttl = option.hard_ttl();
        match self.call(Rpc::Snapshot(rpc), ttl).await {
            Ok(Answer::Snapshot(Some(r))) => Ok(r),
            Ok(Answer::Snapshot(None)) => Err(self.error(CallError::Unreachable("peer refused"), 1, ttl)),
            Ok(_) => Err(mismatch()),
            Err(e) => Err(self.error(e, 1, ttl)),
        }
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, EmptyNode, RaftError<u64>>> {
        let ttl = option.hard_ttl();
        match self.call(Rpc::Vote(rpc), ttl).await {
            Ok(Answer::Vote(Some(r))) => Ok(r),
            Ok(Answer::Vote(None)) => Err(self.error(CallError::Unreachable("peer refused"), 1, ttl)),
            Ok(_) => Err(mismatch()),
            Err(e) => Err(self.error(e, 1, ttl)),
        }
    }
}

/// Serves a peer's call on this node's openraft; the answer goes out through `outbox`.
pub async fn serve(raft: super::types::OpenRaft, outbox: mpsc::UnboundedSender<Out>, from: u64, id: u64, rpc: Rpc) {
    let answer = match rpc {
        Rpc::Append(r) => Answer::Append(raft.append_entries(r).await.ok()),
        Rpc::Vote(r) => Answer::Vote(raft.vote(r).await.ok()),
        Rpc::Snapshot(r) => Answer::Snapshot(raft.install_snapshot(r).await.ok()),
    };
    if let Some(bytes) = encode(&PeerMsg::Answer { id, answer }) {
        let _ = outbox.send(Out::Peer { to: from, bytes });
    }
}
