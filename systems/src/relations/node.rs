//! A relations replica: Raft driving the follow graph, plus client bookkeeping (who waits for
//! which log index or read).
use super::api::{Reply, Request, RequestId};
use super::state_machine::{encode_request, FollowGraph};
use crate::logsync::{LogShipper, ShipperConfig};
use crate::node::SansIoNode;
use crate::raft::{AppliedEntry, Event, NodeId, Observation, Raft, RaftConfig, Refused, Role};
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use std::collections::{BTreeMap, VecDeque};

/// Most proposals a leader keeps waiting for commit before refusing new writes.
pub const PENDING_PROPOSALS_MAX: usize = 1024;

/// What the node asks its driver to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Send an encoded peer message.
    Send { to: NodeId, bytes: Vec<u8> },
    /// Answer a client.
    Reply { client: u64, request: RequestId, reply: Reply },
    /// An entry was applied to the state machine (in index order).
    Applied(AppliedEntry),
}

#[derive(Clone, Debug)]
struct Proposal {
    term: u64,
    client: u64,
    request: RequestId,
}

/// A Raft replica whose state machine is the follow graph.
pub struct RelationsNode<S: Storage> {
    raft: Raft<S, FollowGraph>,
    proposals: BTreeMap<u64, Proposal>,
    reads: BTreeMap<u64, (u64, Request)>,
    next_read_ctx: u64,
    outputs: VecDeque<Output>,
    /// Streams committed entries to LogSync read replicas (idle without replicas).
    shipper: LogShipper,
}

impl<S: Storage> RelationsNode<S> {
    /// Recovers term/vote/log/snapshot from `storage` (tolerates a torn tail and an empty disk).
    pub fn new(config: RaftConfig, storage: S, now: Time) -> Result<Self, StorageError> {
        Ok(RelationsNode {
            raft: Raft::new(config, storage, FollowGraph::default(), now)?,
            proposals: BTreeMap::new(),
            reads: BTreeMap::new(),
            next_read_ctx: 0,
            outputs: VecDeque::new(),
            shipper: LogShipper::new(ShipperConfig::default(), now),
        })
    }

    /// Ships committed entries to LogSync read replicas as configured (replaces any earlier
    /// shipper; rounds start at `now`).
    pub fn set_shipper(&mut self, config: ShipperConfig, now: Time) {
        self.shipper = LogShipper::new(config, now);
    }

    fn ship(&mut self, sent: Vec<(NodeId, Vec<u8>)>) {
        self.outputs.extend(sent.into_iter().map(|(to, bytes)| Output::Send { to, bytes }));
    }

    /// Accepts a client request; `client` is the opaque reply address.
    pub fn handle_request(&mut self, now: Time, client: u64, request: Request) -> Result<(), StorageError> {
        let id = request.id;
        let refused =
            if request.op.is_write() { self.propose(now, client, &request)? } else { self.read(now, client, request)? };
        if let Some(refused) = refused {
            // The request was never registered, so answer for that same request id.
            self.outputs.push_back(Output::Reply { client, request: id, reply: refusal_reply(refused) });
        }
        self.drain();
        Ok(())
    }

    /// Proposes a write, remembering who waits for it; refuses beyond the queue bound.
    fn propose(&mut self, now: Time, client: u64, request: &Request) -> Result<Option<Refused>, StorageError> {
        if self.raft.role() == Role::Leader && self.proposals.len() >= PENDING_PROPOSALS_MAX {
            return Ok(Some(Refused::Busy));
        }
        Ok(match self.raft.handle_propose(now, encode_request(request))? {
            Ok((index, term)) => {
                self.proposals.insert(index, Proposal { term, client, request: request.id });
                None
            }
            Err(refused) => Some(refused),
        })
    }

    /// Registers a read (before Raft sees it: a lease read is ready at once).
    fn read(&mut self, now: Time, client: u64, request: Request) -> Result<Option<Refused>, StorageError> {
        let ctx = self.next_read_ctx;
        self.next_read_ctx += 1;
        self.reads.insert(ctx, (client, request));
        Ok(match self.raft.handle_read(now, ctx)? {
            Ok(()) => None,
            Err(refused) => {
                self.reads.remove(&ctx);
                Some(refused)
            }
        })
    }

    /// Moves Raft events into outputs, answering clients whose entries or reads are done.
    fn drain(&mut self) {
        while let Some(event) = self.raft.poll_event() {
            match event {
                Event::Send { to, bytes } => self.outputs.push_back(Output::Send { to, bytes }),
                Event::Applied { entry, output } => {
                    let index = entry.id.index;
                    let term = entry.id.term;
                    self.outputs.push_back(Output::Applied(entry));
                    // Everything at or below an applied index is settled one way or the other.
                    let waiting = self.proposals.split_off(&(index + 1));
                    let done = std::mem::replace(&mut self.proposals, waiting);
                    if let Some(p) = done.get(&index) {
                        if let Some(Some((request, mut reply))) = output {
                            if let Reply::Written { index: at, .. } = &mut reply {
                                *at = index;
                            }
                            if p.term == term && p.request == request {
                                let client = p.client;
                                self.outputs.push_back(Output::Reply { client, request, reply });
                            }
                        }
                    }
                }
                Event::ReadReady { ctx } => {
                    if let Some((client, request)) = self.reads.remove(&ctx) {
                        let reply = self.raft.state_machine().query(&request.op);
                        self.outputs.push_back(Output::Reply { client, request: request.id, reply });
                    }
                }
            }
        }
        if self.raft.role() != Role::Leader {
            // Lost leadership: pending work is dropped unanswered; clients retry and the dedupe
            // table keeps a retried write from applying twice.
            self.proposals.clear();
            self.reads.clear();
        }
    }

    /// Next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Raft state for observers.
    pub fn observe(&self) -> Observation {
        self.raft.observe()
    }

    /// Peer messages dropped because they did not decode.
    pub fn decode_errors(&self) -> u64 {
        self.raft.decode_errors()
    }

    /// The node's storage.
    pub fn storage(&self) -> &S {
        &self.raft.storage
    }

    /// The applied follow graph (for tests and debugging; not a linearizable read).
    pub fn state_machine(&self) -> &FollowGraph {
        self.raft.state_machine()
    }
}

impl<S: Storage> SansIoNode for RelationsNode<S> {
    fn poll_timeout(&self) -> Option<Time> {
        [self.raft.poll_timeout(), self.shipper.poll_timeout()].into_iter().flatten().min()
    }

    fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        self.raft.handle_timeout(now)?;
        self.drain();
        let mut sent = Vec::new();
        self.shipper.handle_timeout(now, &self.raft, &mut sent);
        self.ship(sent);
        Ok(())
    }

    fn handle_message(&mut self, now: Time, from: NodeId, bytes: &[u8]) -> Result<(), StorageError> {
        if self.shipper.is_replica(from) {
            let mut sent = Vec::new();
            self.shipper.handle_message(&self.raft, from, bytes, &mut sent);
            self.ship(sent);
            return Ok(());
        }
        self.raft.handle_message(now, from, bytes)?;
        self.drain();
        Ok(())
    }
}

/// What a client is told when its request was refused before being registered.
fn refusal_reply(refused: Refused) -> Reply {
    match refused {
        Refused::NotLeader { leader_hint } => Reply::NotLeader { leader_hint },
        Refused::Busy => Reply::Busy,
    }
}
