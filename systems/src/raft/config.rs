//! Static configuration of one Raft node, and the switches for the planted bugs.
use super::NodeId;
use std::time::Duration;

/// Planted bugs for the harness to find. All false by default; when false they change nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RaftBugs {
    /// Grant a vote before the vote/term are synced (written, but the sync waits for the next
    /// natural sync), so a crash can forget a granted vote.
    pub vote_before_persist: bool,
    /// Commit entries of earlier terms by counting replicas (Raft paper figure 8).
    pub commit_previous_term_by_count: bool,
    /// Lease = full `election_timeout_min` from the round start, with no clock-drift margin.
    pub lease_read_without_drift_margin: bool,
    /// A follower that gets an AppendEntries whose entries it already holds drops everything
    /// after them (instead of truncating only at a real conflict), so a stale or duplicated
    /// append erases entries it acked and the leader counted: breaks state-machine safety and
    /// loses acknowledged writes.
    pub truncate_on_stale_append: bool,
    /// A new leader serves ReadIndex (and lease) reads at its commit index before it has
    /// committed an entry of its own term, when that index may still lag what the previous
    /// leader committed: stale reads (breaks linearizability).
    pub read_index_before_own_term_commit: bool,
    /// A follower installing a snapshot takes it as covering one entry more than it does
    /// (last included index + 1), so it never applies that entry and acks it to the leader:
    /// breaks log matching and state-machine safety (the replica's state differs).
    pub snapshot_off_by_one: bool,
    /// A follower acknowledges AppendEntries before syncing the entries (the sync waits for
    /// the next natural one), so a crash loses entries the leader counted toward commit:
    /// loses committed entries and acknowledged writes.
    pub ack_append_before_sync: bool,
    /// Lease reads are served even with `check_quorum` off, when followers do not refuse
    /// votes during the lease, so a partitioned leader serves reads while a new leader
    /// commits writes: stale reads (breaks linearizability).
    pub lease_without_check_quorum: bool,
    /// A pre-candidate campaigns without waiting for a quorum of pre-votes, as if PreVote
    /// were off, so a node that keeps rejoining bumps the term and deposes a healthy leader:
    /// breaks "no leader change without a fault" (availability).
    pub pre_vote_ignored: bool,
}

/// Configuration of one Raft node.
#[derive(Clone, Debug)]
pub struct RaftConfig {
    /// This node.
    pub id: NodeId,
    /// All voters including self; membership is fixed.
    pub voters: Vec<NodeId>,
    /// Lower bound of the randomized election timeout.
    pub election_timeout_min: Duration,
    /// Upper bound (exclusive) of the randomized election timeout.
    pub election_timeout_max: Duration,
    /// How often a leader sends heartbeats.
    pub heartbeat_interval: Duration,
    /// Run a PreVote round before bumping the term.
    pub pre_vote: bool,
    /// Leader steps down without a live quorum; followers with a live leader ignore votes.
    pub check_quorum: bool,
    /// Leader answers reads locally while its lease holds (needs `check_quorum`).
    pub lease_reads: bool,
    /// Bound on the clock-rate error between any two nodes, in parts per million.
    pub clock_drift_ppm_max: u64,
    /// Snapshot and compact after this many applied entries since the last snapshot.
    pub snapshot_threshold: u64,
    /// Most entries carried by one append message.
    pub entries_per_append_max: usize,
    /// Seed of the only randomness source (election timeouts).
    pub rng_seed: u64,
    /// Planted bugs.
    pub bugs: RaftBugs,
}

impl RaftConfig {
    /// Sensible defaults: 150–300 ms elections, 50 ms heartbeats, PreVote and CheckQuorum on.
    pub fn new(id: NodeId, voters: Vec<NodeId>) -> Self {
        RaftConfig {
            id,
            voters,
            election_timeout_min: Duration::from_millis(150),
            election_timeout_max: Duration::from_millis(300),
            heartbeat_interval: Duration::from_millis(50),
            pre_vote: true,
            check_quorum: true,
            lease_reads: false,
            clock_drift_ppm_max: 50_000,
            snapshot_threshold: 100,
            entries_per_append_max: 64,
            rng_seed: id,
            bugs: RaftBugs::default(),
        }
    }

    /// Votes needed for a majority of the voters.
    pub(crate) fn quorum(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    /// The other voters, in id order.
    pub(crate) fn peers(&self) -> Vec<NodeId> {
        let mut peers: Vec<NodeId> = self.voters.iter().copied().filter(|v| *v != self.id).collect();
        peers.sort_unstable();
        peers.dedup();
        peers
    }
}
