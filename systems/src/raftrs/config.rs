//! Configuration of one raft-rs node, its planted bugs, and the translation to `raft::Config`.
use crate::raft::NodeId;
use std::fmt;

/// Planted bugs in the adapter around raft-rs. All false by default; when false they change nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RaftRsBugs {
    /// Send the Ready's persisted messages (votes, append acks) before the sync, and leave the
    /// sync to the next tick (a "group commit" that acks too early): a crash inside that window
    /// forgets entries and votes the peers were told are durable.
    pub send_persisted_before_sync: bool,
}

/// How the leader serves linearizable reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    /// ReadIndex: a heartbeat round confirms leadership for every read.
    Safe,
    /// Lease: the leader answers from its commit index while CheckQuorum keeps it in office
    /// (needs `check_quorum`; assumes bounded clock drift).
    LeaseBased,
}

/// Configuration of one raft-rs node. Times are in ticks of `tick_ms` of the node's local clock.
#[derive(Clone, Debug)]
pub struct RaftRsConfig {
    /// This node (non-zero: raft-rs reserves 0).
    pub id: NodeId,
    /// All voters including self; membership is fixed.
    pub voters: Vec<NodeId>,
    /// Length of one tick of local time, in milliseconds.
    pub tick_ms: u64,
    /// Lower bound of the randomized election timeout, in ticks.
    pub election_ticks_min: usize,
    /// Upper bound (exclusive) of the randomized election timeout, in ticks.
    pub election_ticks_max: usize,
    /// Heartbeat interval, in ticks.
    pub heartbeat_ticks: usize,
    /// Run a PreVote round before bumping the term.
    pub pre_vote: bool,
    /// Leader steps down without a live quorum; followers with a live leader ignore votes.
    pub check_quorum: bool,
    /// How linearizable reads are served.
    pub read_mode: ReadMode,
    /// Snapshot and compact after this many applied entries since the last snapshot.
    pub snapshot_threshold: u64,
    /// Most bytes of entries in one append message.
    pub msg_bytes_max: u64,
    /// Most append messages in flight to one follower.
    pub inflight_msgs_max: usize,
    /// Seed of the only randomness source (election timeouts).
    pub rng_seed: u64,
    /// Planted bugs.
    pub bugs: RaftRsBugs,
}

/// The configuration does not describe a node raft-rs can run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid raft-rs config: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl RaftRsConfig {
    /// Defaults like our own Raft's: 10 ms ticks, 150–300 ms elections, 50 ms heartbeats,
    /// PreVote and CheckQuorum on, ReadIndex reads.
    pub fn new(id: NodeId, voters: Vec<NodeId>) -> Self {
        RaftRsConfig {
            id,
            voters,
            tick_ms: 10,
            election_ticks_min: 15,
            election_ticks_max: 30,
            heartbeat_ticks: 5,
            pre_vote: true,
            check_quorum: true,
            read_mode: ReadMode::Safe,
            snapshot_threshold: 200,
            msg_bytes_max: 64 * 1024,
            inflight_msgs_max: 256,
            rng_seed: id,
            bugs: RaftRsBugs::default(),
        }
    }

    /// The voters, sorted and deduplicated.
    pub(crate) fn voter_set(&self) -> Vec<NodeId> {
        let mut voters = self.voters.clone();
        voters.sort_unstable();
        voters.dedup();
        voters
    }

    /// Checks what raft-rs would otherwise panic or misbehave on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |what: &str| Err(ConfigError(what.to_string()));
        if self.id == 0 || self.voters.contains(&0) {
            return fail("node id 0 is reserved by raft-rs");
        }
        if !self.voters.contains(&self.id) {
            return fail("voters must include this node");
        }
        if self.tick_ms == 0 {
            return fail("tick_ms must be positive");
        }
        self.raft_config(0).validate().map_err(|e| ConfigError(e.to_string()))
    }

    /// The raft-rs configuration; `applied` is what the recovered state machine reflects.
    pub(crate) fn raft_config(&self, applied: u64) -> raft::Config {
        raft::Config {
            id: self.id,
            // raft-rs also uses election_tick as the CheckQuorum period and the lease length.
            election_tick: self.election_ticks_min,
            min_election_tick: self.election_ticks_min,
            max_election_tick: self.election_ticks_max,
            heartbeat_tick: self.heartbeat_ticks,
            applied,
            max_size_per_msg: self.msg_bytes_max,
            max_inflight_msgs: self.inflight_msgs_max,
            check_quorum: self.check_quorum,
            pre_vote: self.pre_vote,
            read_only_option: match self.read_mode {
                ReadMode::Safe => raft::ReadOnlyOption::Safe,
                ReadMode::LeaseBased => raft::ReadOnlyOption::LeaseBased,
            },
            ..Default::default()
        }
    }
}
