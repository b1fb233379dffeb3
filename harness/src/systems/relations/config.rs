//! The relations service's scenario sections: `[relations]` (the Raft cluster) and
//! `[workload]` (its clients), with their defaults and validation.
use crate::scenario::{require, require_ms, Invalid};
use faultline_systems::raft::RaftConfig;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The sections this system reads; other sections of the file are other systems'.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sections {
    /// `[relations]`.
    pub relations: RelationsConfig,
    /// `[workload]`.
    pub workload: WorkloadConfig,
}

/// The Raft relations cluster.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelationsConfig {
    /// Number of Raft voters.
    pub nodes: usize,
    /// Election timeout range, milliseconds.
    pub election_timeout_ms_min: u64,
    /// Upper end of the election timeout range, milliseconds.
    pub election_timeout_ms_max: u64,
    /// Leader heartbeat interval, milliseconds.
    pub heartbeat_ms: u64,
    /// PreVote on.
    pub pre_vote: bool,
    /// CheckQuorum on.
    pub check_quorum: bool,
    /// Serve reads from the leader's lease instead of ReadIndex.
    pub lease_reads: bool,
    /// Clock-rate error the lease tolerates, ppm.
    pub clock_drift_ppm_max: u64,
    /// Applied entries between snapshots.
    pub snapshot_threshold: u64,
    /// Most log entries one append message carries (1 makes a lagging follower catch up
    /// entry by entry, which opens the figure-8 window).
    pub entries_per_append_max: usize,
}

impl Default for RelationsConfig {
    /// Five voters; every Raft setting as `RaftConfig::new` has it (one source of defaults).
    fn default() -> Self {
        let raft = RaftConfig::new(1, Vec::new());
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            nodes: 5,
            election_timeout_ms_min: ms(raft.election_timeout_min),
            election_timeout_ms_max: ms(raft.election_timeout_max),
            heartbeat_ms: ms(raft.heartbeat_interval),
            pre_vote: raft.pre_vote,
            check_quorum: raft.check_quorum,
            lease_reads: raft.lease_reads,
            clock_drift_ppm_max: raft.clock_drift_ppm_max,
            snapshot_threshold: raft.snapshot_threshold,
            entries_per_append_max: raft.entries_per_append_max,
        }
    }
}

impl RelationsConfig {
    /// Node `id`'s Raft configuration (its bugs and RNG seed are the caller's).
    pub fn raft_config(&self, id: u64) -> RaftConfig {
        let mut c = RaftConfig::new(id, (1..=self.nodes as u64).collect());
        c.election_timeout_min = Duration::from_millis(self.election_timeout_ms_min);
        c.election_timeout_max = Duration::from_millis(self.election_timeout_ms_max);
        c.heartbeat_interval = Duration::from_millis(self.heartbeat_ms);
        c.pre_vote = self.pre_vote;
        c.check_quorum = self.check_quorum;
        c.lease_reads = self.lease_reads;
        c.clock_drift_ppm_max = self.clock_drift_ppm_max;
        c.snapshot_threshold = self.snapshot_threshold;
        c.entries_per_append_max = self.entries_per_append_max;
        c
    }
}

/// Clients and what they do.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadConfig {
    /// Concurrent clients (each one outstanding operation at a time).
    pub clients: usize,
    /// Users in the follow graph; few users means more contention per key.
    pub users: u64,
    /// Pause between a client's operations, milliseconds (uniform in [0, think_ms]).
    pub think_ms: u64,
    /// Give up on one attempt after this long, milliseconds.
    pub attempt_timeout_ms: u64,
    /// Give up on the operation after this long, milliseconds (then it is info or fail).
    pub op_timeout_ms: u64,
    /// Move to a fresh set of `users` every this many milliseconds (0: never), like
    /// Jepsen's independent keys: an operation in doubt can then only excuse anomalies on
    /// keys of its own period, and each key's history stays short for the checker.
    pub key_period_ms: u64,
    /// Relative weights of operations.
    pub mix: WorkloadMix,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            clients: 4,
            users: 4,
            think_ms: 50,
            attempt_timeout_ms: 250,
            op_timeout_ms: 1_000,
            key_period_ms: 0,
            mix: WorkloadMix::default(),
        }
    }
}

/// Relative weights of each operation in the workload.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadMix {
    /// follow(a, b).
    pub follow: u32,
    /// unfollow(a, b).
    pub unfollow: u32,
    /// is_following(a, b).
    pub is_following: u32,
    /// followers(u).
    pub followers: u32,
    /// counts(u): the follower count is checked.
    pub counts: u32,
}

impl Default for WorkloadMix {
    fn default() -> Self {
        Self { follow: 4, unfollow: 3, is_following: 3, followers: 2, counts: 1 }
    }
}

/// Checks the sections' values (fields named as in the file).
pub fn validate(s: &Sections) -> Result<(), Invalid> {
    let r = &s.relations;
    require(r.nodes <= 9, "relations.nodes", "must be 0..=9")?;
    for (field, ms) in [
        ("relations.election_timeout_ms_min", r.election_timeout_ms_min),
        ("relations.election_timeout_ms_max", r.election_timeout_ms_max),
        ("relations.heartbeat_ms", r.heartbeat_ms),
    ] {
        require_ms(ms, field)?;
    }
    require(r.election_timeout_ms_min > 0, "relations.election_timeout_ms_min", "must be > 0")?;
    require(
        r.election_timeout_ms_max > r.election_timeout_ms_min,
        "relations.election_timeout_ms_max",
        "must be > election_timeout_ms_min",
    )?;
    require(
        r.heartbeat_ms > 0 && r.heartbeat_ms < r.election_timeout_ms_min,
        "relations.heartbeat_ms",
        "must be > 0 and < election_timeout_ms_min",
    )?;
    require(r.clock_drift_ppm_max < 500_000, "relations.clock_drift_ppm_max", "must be < 500000")?;
    require(r.snapshot_threshold > 0, "relations.snapshot_threshold", "must be > 0")?;
    require(r.entries_per_append_max > 0, "relations.entries_per_append_max", "must be > 0")?;
    validate_workload(&s.workload, "workload")
}

/// Checks a Raft client workload read from section `section` (e.g. `workload`).
pub fn validate_workload(w: &WorkloadConfig, section: &str) -> Result<(), Invalid> {
    let field = |name: &str| format!("{section}.{name}");
    for (name, ms) in [
        ("think_ms", w.think_ms),
        ("attempt_timeout_ms", w.attempt_timeout_ms),
        ("op_timeout_ms", w.op_timeout_ms),
        ("key_period_ms", w.key_period_ms),
    ] {
        require_ms(ms, &field(name))?;
    }
    require((1..=64).contains(&w.clients), &field("clients"), "must be 1..=64")?;
    require((2..=1000).contains(&w.users), &field("users"), "must be 2..=1000")?;
    require(w.attempt_timeout_ms > 0, &field("attempt_timeout_ms"), "must be > 0")?;
    require(w.op_timeout_ms >= w.attempt_timeout_ms, &field("op_timeout_ms"), "must be >= attempt_timeout_ms")?;
    let m = &w.mix;
    let total =
        [m.follow, m.unfollow, m.is_following, m.followers, m.counts].iter().try_fold(0u32, |a, &b| a.checked_add(b));
    require(total.is_some_and(|t| t > 0), &field("mix"), "weights must add up to 1..=4294967295")?;
    Ok(())
}
