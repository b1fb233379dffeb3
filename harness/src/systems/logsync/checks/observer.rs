//! What the harness records for LogSync: the committed log replayed into a model state
//! machine (one state per index), the replicas' claimed positions and states, and the
//! clients' replica reads and Raft writes.
use faultline_systems::logsync::ReplicaObservation;
use faultline_systems::raft::{AppliedEntry, StateMachine};
use faultline_systems::relations::{FollowGraph, Operation, Reply};
use std::collections::{BTreeMap, BTreeSet};

/// Index `i` of the committed log, as first applied by any voter.
#[derive(Clone, Debug)]
pub struct CommittedEntry {
    /// Its term.
    pub term: u64,
    /// When the first voter applied it (it had committed by then), µs.
    pub commit_us: u64,
    /// The state machine after it (its digest is computed only when a check needs it).
    pub state: FollowGraph,
}

/// A replica's claimed position and state after a step that changed them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaSample {
    /// Simulated time, µs.
    pub time_us: u64,
    /// Host index.
    pub node: usize,
    /// Claimed applied index.
    pub applied: u64,
    /// Claimed term at that index.
    pub applied_term: u64,
    /// Digest of its state.
    pub digest: [u8; 32],
}

/// A client's answered read at a replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaReadRecord {
    /// Client index (the session).
    pub client: usize,
    /// Host index of the replica that answered.
    pub node: usize,
    /// The read.
    pub op: Operation,
    /// Invocation time, µs.
    pub invoke_us: u64,
    /// Completion time, µs.
    pub complete_us: u64,
    /// The session token sent.
    pub token: u64,
    /// The answer.
    pub reply: Reply,
    /// The index the replica said it read at.
    pub index: u64,
    /// The staleness bound the read asked for, ms (None: any staleness will do).
    pub staleness_ms_max: Option<u64>,
}

/// A client's acknowledged Raft write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionWrite {
    /// Client index.
    pub client: usize,
    /// Completion time, µs.
    pub complete_us: u64,
    /// The log index it committed at.
    pub index: u64,
}

/// LogSync's recorders. Inert (records nothing) unless enabled: replaying the committed log
/// costs a state clone per entry, which only LogSync scenarios need.
#[derive(Clone, Debug, Default)]
pub struct LogSyncObserver {
    /// Whether the run has LogSync replicas.
    pub enabled: bool,
    /// The committed log: entry `i` at position `i - 1`.
    pub committed: Vec<CommittedEntry>,
    model: FollowGraph,
    /// Replica positions and states, when they changed.
    pub samples: Vec<ReplicaSample>,
    last: BTreeMap<usize, (u64, [u8; 32])>,
    /// Answered replica reads.
    pub reads: Vec<ReplicaReadRecord>,
    /// Acknowledged writes of LogSync clients.
    pub writes: Vec<SessionWrite>,
    /// Every replica boot after the first, in order.
    pub reboots: Vec<ReplicaReboot>,
    booted: BTreeSet<usize>,
}

/// A replica's restart: what it recovered, and where in `samples` it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaReboot {
    /// Host index.
    pub node: usize,
    /// Simulated time of the boot, µs.
    pub time_us: u64,
    /// The applied index it recovered from its disk.
    pub recovered: u64,
    /// How many samples (of every replica) were taken before it.
    pub samples_before: usize,
}

impl LogSyncObserver {
    /// A recorder; `enabled` only for runs with LogSync replicas.
    pub fn new(enabled: bool) -> Self {
        LogSyncObserver { enabled, ..Self::default() }
    }

    /// A voter applied `entry`; the first time an index is applied it joins the committed log.
    pub fn committed(&mut self, now_us: u64, entry: &AppliedEntry) {
        if !self.enabled || entry.id.index != self.committed.len() as u64 + 1 {
            return;
        }
        if let Some(command) = &entry.command {
            let _ = self.model.apply(command);
        }
        self.committed.push(CommittedEntry { term: entry.id.term, commit_us: now_us, state: self.model.clone() });
    }

    /// Replica `node` booted with `recovered` applied (a restart unless it is the first boot).
    pub fn replica_booted(&mut self, time_us: u64, node: usize, recovered: u64) {
        if !self.booted.insert(node) {
            self.reboots.push(ReplicaReboot { node, time_us, recovered, samples_before: self.samples.len() });
        }
    }

    /// Replica `node` after a step.
    pub fn replica_state(&mut self, time_us: u64, node: usize, o: &ReplicaObservation) {
        if self.last.get(&node) == Some(&(o.applied, o.digest)) {
            return;
        }
        self.last.insert(node, (o.applied, o.digest));
        self.samples.push(ReplicaSample {
            time_us,
            node,
            applied: o.applied,
            applied_term: o.applied_term,
            digest: o.digest,
        });
    }

    /// The state after committed index `index` (0: the empty state), if committed.
    pub fn state_at(&self, index: u64) -> Option<FollowGraph> {
        committed_state(&self.committed, &FollowGraph::default(), index).cloned()
    }
}

/// Entry `index` (1-based) of the committed log, if committed.
pub fn committed_entry(committed: &[CommittedEntry], index: u64) -> Option<&CommittedEntry> {
    committed.get(usize::try_from(index.checked_sub(1)?).ok()?)
}

/// The state after committed index `index`: `empty` for 0, else the entry's state.
pub fn committed_state<'a>(
    committed: &'a [CommittedEntry],
    empty: &'a FollowGraph,
    index: u64,
) -> Option<&'a FollowGraph> {
    match index {
        0 => Some(empty),
        i => committed_entry(committed, i).map(|c| &c.state),
    }
}
