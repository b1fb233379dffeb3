//! The Raft node: state, step plumbing (durability before output), message dispatch, timers.
use super::config::RaftConfig;
use super::log::RaftLog;
use super::message::{decode_message, encode_message, AppendReply, Message};
use super::observation::{AppliedEntry, NodeId, Observation, Role};
use super::persist;
use super::read::PendingRead;
use crate::storage::{Storage, StorageError};
use crate::time::Time;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, VecDeque};

/// The replicated state machine a Raft node drives.
pub trait StateMachine {
    /// What applying one command yields to the caller.
    type Output;
    /// Applies a committed command (bytes as proposed).
    fn apply(&mut self, command: &[u8]) -> Self::Output;
    /// Serializes the whole state.
    fn snapshot(&self) -> Vec<u8>;
    /// The client request a command carries, for observers.
    fn request_of(&self, command: &[u8]) -> Option<crate::relations::RequestId>;
    /// Replaces the whole state from a snapshot; on error the state is unchanged.
    fn restore(&mut self, bytes: &[u8]) -> Result<(), String>;
}

/// Something the Raft node wants its owner to do or know.
#[derive(Debug)]
pub enum Event<O> {
    /// Send encoded bytes to a peer.
    Send { to: NodeId, bytes: Vec<u8> },
    /// An entry was applied; `output` is `None` for no-op entries.
    Applied { entry: AppliedEntry, output: Option<O> },
    /// The read registered under `ctx` may now be answered from the state machine.
    ReadReady { ctx: u64 },
}

/// Leader's view of one follower.
#[derive(Clone, Debug)]
pub(crate) struct Progress {
    pub next: u64,
    pub matched: u64,
    pub active: bool,
    pub acked_round: u64,
}

/// Most pending ReadIndex reads a leader queues before refusing.
pub const PENDING_READS_MAX: usize = 1024;

/// A Raft replica of state machine `M`, persisting to `S`.
pub struct Raft<S: Storage, M: StateMachine> {
    pub(crate) cfg: RaftConfig,
    pub(crate) storage: S,
    pub(crate) sm: M,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) term: u64,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) log: RaftLog,
    pub(crate) snapshot_data: Vec<u8>,
    /// (term, vote) as last written to the WAL.
    pub(crate) written_hard_state: (u64, Option<NodeId>),
    /// WAL records produced during this step, written at its end.
    pub(crate) wal_buffer: Vec<u8>,
    /// Log (or undeferred hard-state) writes are pending a sync.
    pub(crate) needs_sync: bool,
    /// Set while handling a vote request with the `vote_before_persist` bug on.
    pub(crate) defer_hard_state_sync: bool,
    /// Last log index known synced: the leader may only count itself up to here.
    pub(crate) durable_last: u64,
    pub(crate) role: Role,
    pub(crate) leader: Option<NodeId>,
    pub(crate) commit: u64,
    pub(crate) applied: u64,
    /// Local clock as last passed in.
    pub(crate) last_now: Time,
    /// Monotonic microseconds: advances with forward clock moves, ignores backward jumps.
    pub(crate) mono: u64,
    pub(crate) election_deadline: u64,
    pub(crate) heartbeat_deadline: u64,
    pub(crate) check_quorum_deadline: u64,
    /// Until when we believe a leader is alive and so ignore (pre)vote requests.
    pub(crate) leader_contact_until: u64,
    pub(crate) votes: BTreeMap<NodeId, bool>,
    pub(crate) progress: BTreeMap<NodeId, Progress>,
    pub(crate) round: u64,
    /// Start times (mono) of heartbeat rounds not yet confirmed by a quorum.
    pub(crate) round_starts: VecDeque<(u64, u64)>,
    pub(crate) confirmed_round: u64,
    pub(crate) lease_until: u64,
    pub(crate) reads: Vec<PendingRead>,
    pub(crate) want_round: bool,
    pub(crate) staged: Vec<Event<M::Output>>,
    pub(crate) events: VecDeque<Event<M::Output>>,
    pub(crate) decode_errors: u64,
}

impl<S: Storage, M: StateMachine> Raft<S, M> {
    /// Recovers from `storage`; `sm` must be the empty state machine.
    pub fn new(cfg: RaftConfig, mut storage: S, mut sm: M, now: Time) -> Result<Self, StorageError> {
        assert!(cfg.voters.contains(&cfg.id), "a node must be one of the voters");
        assert!(cfg.election_timeout_min < cfg.election_timeout_max);
        let rec = persist::recover(&mut storage)?;
        if !rec.snapshot_data.is_empty() {
            sm.restore(&rec.snapshot_data).map_err(|e| StorageError(format!("corrupt snapshot data: {e}")))?;
        }
        let snapshot_index = rec.log.snapshot_index;
        let last = rec.log.last_index();
        let mut raft = Raft {
            rng: ChaCha8Rng::seed_from_u64(cfg.rng_seed),
            cfg,
            storage,
            sm,
            term: rec.term,
            voted_for: rec.voted_for,
            written_hard_state: (rec.term, rec.voted_for),
            log: rec.log,
            snapshot_data: rec.snapshot_data,
            wal_buffer: Vec::new(),
            needs_sync: false,
            defer_hard_state_sync: false,
            durable_last: last,
            role: Role::Follower,
            leader: None,
            commit: snapshot_index,
            applied: snapshot_index,
            last_now: now,
            mono: 0,
            election_deadline: 0,
            heartbeat_deadline: 0,
            check_quorum_deadline: 0,
            leader_contact_until: 0,
            votes: BTreeMap::new(),
            progress: BTreeMap::new(),
            round: 0,
            round_starts: VecDeque::new(),
            confirmed_round: 0,
            lease_until: 0,
            reads: Vec::new(),
            want_round: false,
            staged: Vec::new(),
            events: VecDeque::new(),
            decode_errors: 0,
        };
        // We may have acked a leader just before crashing and forgotten it; keep the promise
        // behind that leader's lease by refusing votes for one minimum election timeout.
        raft.leader_contact_until = raft.mono_after(raft.cfg.election_timeout_min);
        raft.reset_election_timer();
        Ok(raft)
    }

    pub(crate) fn mono_after(&self, d: std::time::Duration) -> u64 {
        self.mono.saturating_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }

    pub(crate) fn reset_election_timer(&mut self) {
        let min = u64::try_from(self.cfg.election_timeout_min.as_micros()).unwrap_or(u64::MAX);
        let max = u64::try_from(self.cfg.election_timeout_max.as_micros()).unwrap_or(u64::MAX);
        let timeout = self.rng.random_range(min..max.max(min + 1));
        self.election_deadline = self.mono.saturating_add(timeout);
    }

    pub(crate) fn begin(&mut self, now: Time) {
        self.defer_hard_state_sync = false;
        if now >= self.last_now {
            self.mono = self.mono.saturating_add(now.as_micros() - self.last_now.as_micros());
        } else {
            // Elapsed time is unknown after a backward jump; a lease must not outlive it.
            self.lease_until = 0;
        }
        self.last_now = now;
    }

    /// Persists what the staged outputs depend on, then releases them.
    pub(crate) fn finish(&mut self) -> Result<(), StorageError> {
        if self.written_hard_state != (self.term, self.voted_for) {
            self.wal_buffer.extend_from_slice(&persist::hard_state_record(self.term, self.voted_for));
            self.written_hard_state = (self.term, self.voted_for);
            if !self.defer_hard_state_sync {
                self.needs_sync = true;
            }
        }
        if !self.wal_buffer.is_empty() {
            let bytes = std::mem::take(&mut self.wal_buffer);
            self.storage.append(persist::WAL_FILE, &bytes)?;
        }
        if self.needs_sync {
            self.sync()?;
            if self.role == Role::Leader {
                self.maybe_commit();
            }
        }
        self.apply_committed()?;
        self.advance_reads();
        if self.want_round && self.role == Role::Leader {
            self.broadcast_heartbeat();
            self.advance_reads();
        }
        self.want_round = false;
        self.check_invariants();
        self.events.extend(self.staged.drain(..));
        Ok(())
    }

    pub(crate) fn sync(&mut self) -> Result<(), StorageError> {
        self.storage.sync()?;
        self.needs_sync = false;
        self.durable_last = self.log.last_index();
        Ok(())
    }

    fn check_invariants(&self) {
        assert!(self.log.snapshot_index <= self.applied, "snapshot beyond applied");
        assert!(self.applied <= self.commit, "applied beyond commit");
        assert!(self.commit <= self.log.last_index(), "commit beyond log");
        assert!(self.log.last_term() <= self.term, "log term beyond current term");
        if self.role == Role::Leader {
            assert_eq!(self.leader, Some(self.cfg.id));
            assert_eq!(self.voted_for, Some(self.cfg.id), "a leader voted for itself");
        }
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.staged.push(Event::Send { to, bytes: encode_message(&message) });
    }

    /// Handles encoded bytes from a peer; undecodable bytes are counted and dropped.
    pub fn handle_message(&mut self, now: Time, from: NodeId, bytes: &[u8]) -> Result<(), StorageError> {
        self.begin(now);
        match decode_message(bytes) {
            Ok(message) if from != self.cfg.id && self.cfg.voters.contains(&from) => self.step(from, message)?,
            Ok(_) => {}
            Err(_) => self.decode_errors += 1,
        }
        self.finish()
    }

    /// Fires whatever timers are due.
    pub fn handle_timeout(&mut self, now: Time) -> Result<(), StorageError> {
        self.begin(now);
        if self.role == Role::Leader {
            if self.mono >= self.check_quorum_deadline {
                self.check_quorum_deadline = self.mono_after(self.cfg.election_timeout_min);
                if self.cfg.check_quorum && !self.quorum_active() {
                    let term = self.term;
                    self.become_follower(term, None);
                }
            }
            if self.role == Role::Leader && self.mono >= self.heartbeat_deadline {
                self.broadcast_heartbeat();
            }
        } else if self.mono >= self.election_deadline {
            if self.cfg.pre_vote {
                self.start_pre_vote();
            } else {
                self.campaign();
            }
        }
        self.finish()
    }

    /// Next local time at which `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Time> {
        let deadline = if self.role == Role::Leader {
            self.heartbeat_deadline.min(self.check_quorum_deadline)
        } else {
            self.election_deadline
        };
        let wait = deadline.saturating_sub(self.mono);
        Some(self.last_now.saturating_add(std::time::Duration::from_micros(wait)))
    }

    /// Next event for the owner.
    pub fn poll_event(&mut self) -> Option<Event<M::Output>> {
        self.events.pop_front()
    }

    fn step(&mut self, from: NodeId, message: Message) -> Result<(), StorageError> {
        let term = message.term();
        if term > self.term {
            match &message {
                Message::PreVote { .. } | Message::Vote { .. } => {
                    if self.cfg.check_quorum && self.in_leader_lease() {
                        return Ok(());
                    }
                    if matches!(message, Message::Vote { .. }) {
                        if self.cfg.bugs.vote_before_persist {
                            self.defer_hard_state_sync = true;
                        }
                        self.become_follower(term, None);
                    }
                }
                // Our own pre-vote granted at the proposed term: not a reason to bump.
                Message::PreVoteResp { granted: true, .. } => {}
                Message::Append { .. } | Message::Snapshot { .. } => self.become_follower(term, Some(from)),
                _ => self.become_follower(term, None),
            }
        } else if term < self.term {
            match message {
                // Tell a stale leader about the newer term so it steps down (it may otherwise
                // never hear it: with PreVote/CheckQuorum nobody else bumps terms at it).
                Message::Append { .. } | Message::Snapshot { .. } => {
                    self.send(from, Message::AppendResp { term: self.term, reply: AppendReply::default() })
                }
                Message::PreVote { .. } => self.send(from, Message::PreVoteResp { term: self.term, granted: false }),
                _ => {}
            }
            return Ok(());
        }
        match message {
            Message::PreVote { term, last_index, last_term } => self.handle_pre_vote(from, term, last_index, last_term),
            Message::PreVoteResp { term, granted } => self.handle_pre_vote_resp(from, term, granted),
            Message::Vote { last_index, last_term, .. } => self.handle_vote(from, last_index, last_term),
            Message::VoteResp { granted, .. } => self.handle_vote_resp(from, granted),
            Message::Append { prev_index, prev_term, entries, commit, round, .. } => {
                self.note_leader(from);
                self.handle_append(from, prev_index, prev_term, entries, commit, round)?;
            }
            Message::AppendResp { reply, .. } => self.handle_append_resp(from, reply),
            Message::Snapshot { index, snapshot_term, data, round, .. } => {
                self.note_leader(from);
                self.handle_snapshot(from, index, snapshot_term, data, round)?;
            }
        }
        Ok(())
    }

    /// A current-term Append/Snapshot arrived: `from` leads this term.
    fn note_leader(&mut self, from: NodeId) {
        if self.role == Role::Leader {
            // Two leaders in one term cannot happen with honest peers; ignore rather than crash.
            return;
        }
        if self.role != Role::Follower {
            let term = self.term;
            self.become_follower(term, Some(from));
        }
        self.leader = Some(from);
        self.leader_contact_until = self.mono_after(self.cfg.election_timeout_min);
        self.reset_election_timer();
    }

    pub(crate) fn in_leader_lease(&self) -> bool {
        self.role == Role::Leader || self.mono < self.leader_contact_until
    }

    /// What observers see.
    pub fn observe(&self) -> Observation {
        Observation {
            id: self.cfg.id,
            term: self.term,
            role: self.role,
            voted_for: self.voted_for,
            commit_index: self.commit,
            last_applied: self.applied,
            snapshot_index: self.log.snapshot_index,
            snapshot_term: self.log.snapshot_term,
            log: self.log.ids(),
        }
    }

    /// Messages dropped because they did not decode (or did not restore).
    pub fn decode_errors(&self) -> u64 {
        self.decode_errors
    }

    /// The storage, for inspection.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The state machine, for answering reads.
    pub fn state_machine(&self) -> &M {
        &self.sm
    }

    /// Current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Current term.
    pub fn term(&self) -> u64 {
        self.term
    }

    /// The leader we know of, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.cfg.id
    }

    /// Highest index known committed.
    pub fn commit_index(&self) -> u64 {
        self.commit
    }

    /// Whether this term has committed an entry: until it has, a new leader's commit index
    /// may lag what an earlier leader committed (Raft §8), so it is no measure of freshness.
    pub fn committed_in_current_term(&self) -> bool {
        self.log.term_at(self.commit) == Some(self.term)
    }

    /// Highest index applied to the state machine.
    pub fn applied_index(&self) -> u64 {
        self.applied
    }

    /// Last index in the log (committed or not).
    pub fn last_index(&self) -> u64 {
        self.log.last_index()
    }

    /// The term at `index` if the log (or its snapshot point) still knows it.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        self.log.term_at(index)
    }

    /// The entry at `index` as (term, command; `None` for a no-op), if it is in the log
    /// (not compacted into the snapshot, not beyond the end). Entries beyond the commit
    /// index may still be overwritten.
    pub fn entry_at(&self, index: u64) -> Option<(u64, Option<Vec<u8>>)> {
        let e = &self.log.get(index)?.entry;
        let command = match &e.data {
            super::message::EntryData::Noop => None,
            super::message::EntryData::Command(bytes) => Some(bytes.clone()),
        };
        Some((e.term, command))
    }
}
