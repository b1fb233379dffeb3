//! raft-rs's scenario section: `[raftrs]` (the cluster, in raft-rs's own units: ticks of
//! `tick_ms` local milliseconds) and `[raftrs.workload]` (its clients, as relations' `[workload]`),
//! with defaults and validation.
use crate::scenario::{require, require_ms, Invalid};
use crate::systems::relations::config::validate_workload;
use crate::systems::relations::WorkloadConfig;
use faultline_systems::raftrs::{RaftRsBugs, RaftRsConfig, ReadMode};
use serde::{Deserialize, Serialize};

/// The sections this system reads; absent `[raftrs]` means the scenario does not run it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sections {
    /// `[raftrs]`.
    pub raftrs: Option<RaftRsSection>,
}

/// The raft-rs cluster and its clients.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RaftRsSection {
    /// Number of voters (0: the system does not run).
    pub nodes: usize,
    /// Length of one raft-rs tick of the node's local clock, milliseconds.
    pub tick_ms: u64,
    /// Lower bound of the randomized election timeout, ticks.
    pub election_ticks_min: usize,
    /// Upper bound (exclusive) of the election timeout, ticks.
    pub election_ticks_max: usize,
    /// Leader heartbeat interval, ticks.
    pub heartbeat_ticks: usize,
    /// PreVote on.
    pub pre_vote: bool,
    /// CheckQuorum on.
    pub check_quorum: bool,
    /// Serve reads from raft-rs's lease (`LeaseBased`) instead of ReadIndex; needs check_quorum.
    pub lease_reads: bool,
    /// Applied entries between snapshots.
    pub snapshot_threshold: u64,
    /// Most bytes of entries in one append message.
    pub msg_bytes_max: u64,
    /// Most append messages in flight to one follower.
    pub inflight_msgs_max: usize,
    /// `[raftrs.workload]`: the clients.
    pub workload: WorkloadConfig,
}

impl Default for RaftRsSection {
    /// Five voters; every raft-rs setting as `RaftRsConfig::new` has it (one source of defaults).
    fn default() -> Self {
        let c = RaftRsConfig::new(1, vec![1]);
        Self {
            nodes: 5,
            tick_ms: c.tick_ms,
            election_ticks_min: c.election_ticks_min,
            election_ticks_max: c.election_ticks_max,
            heartbeat_ticks: c.heartbeat_ticks,
            pre_vote: c.pre_vote,
            check_quorum: c.check_quorum,
            lease_reads: c.read_mode == ReadMode::LeaseBased,
            snapshot_threshold: c.snapshot_threshold,
            msg_bytes_max: c.msg_bytes_max,
            inflight_msgs_max: c.inflight_msgs_max,
            workload: WorkloadConfig::default(),
        }
    }
}

impl RaftRsSection {
    /// The configuration of node `id` among `voters` (wire ids), seeded and with its bugs.
    pub fn node_config(&self, id: u64, voters: Vec<u64>, rng_seed: u64, bugs: RaftRsBugs) -> RaftRsConfig {
        let mut c = RaftRsConfig::new(id, voters);
        c.tick_ms = self.tick_ms;
        c.election_ticks_min = self.election_ticks_min;
        c.election_ticks_max = self.election_ticks_max;
        c.heartbeat_ticks = self.heartbeat_ticks;
        c.pre_vote = self.pre_vote;
        c.check_quorum = self.check_quorum;
        c.read_mode = if self.lease_reads { ReadMode::LeaseBased } else { ReadMode::Safe };
        c.snapshot_threshold = self.snapshot_threshold;
        c.msg_bytes_max = self.msg_bytes_max;
        c.inflight_msgs_max = self.inflight_msgs_max;
        c.rng_seed = rng_seed;
        c.bugs = bugs;
        c
    }
}

/// Checks the section's values (fields named as in the file).
pub fn validate(r: &RaftRsSection) -> Result<(), Invalid> {
    require(r.nodes <= 9, "raftrs.nodes", "must be 0..=9")?;
    require(r.tick_ms > 0, "raftrs.tick_ms", "must be > 0")?;
    require_ms(r.tick_ms, "raftrs.tick_ms")?;
    require(r.heartbeat_ticks > 0, "raftrs.heartbeat_ticks", "must be > 0")?;
    require(
        r.election_ticks_min > r.heartbeat_ticks,
        "raftrs.election_ticks_min",
        "must be > heartbeat_ticks (raft-rs refuses otherwise)",
    )?;
    require(r.election_ticks_max > r.election_ticks_min, "raftrs.election_ticks_max", "must be > election_ticks_min")?;
    let election_ms_max = u64::try_from(r.election_ticks_max).ok().and_then(|t| t.checked_mul(r.tick_ms));
    require(
        election_ms_max.is_some_and(|ms| require_ms(ms, "").is_ok()),
        "raftrs.election_ticks_max",
        "times tick_ms must be at most one simulated day",
    )?;
    require(!r.lease_reads || r.check_quorum, "raftrs.lease_reads", "needs check_quorum = true (raft-rs's lease)")?;
    require(r.snapshot_threshold > 0, "raftrs.snapshot_threshold", "must be > 0")?;
    require(r.inflight_msgs_max > 0, "raftrs.inflight_msgs_max", "must be > 0")?;
    validate_workload(&r.workload, "raftrs.workload")?;
    // Whatever raft-rs itself still refuses, named as the section.
    let voters: Vec<u64> = (1..=r.nodes.max(1) as u64).collect();
    let node = r.node_config(1, voters, 0, RaftRsBugs::default());
    node.validate().map_err(|e| ("raftrs".to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(edit: impl FnOnce(&mut RaftRsSection)) -> String {
        let mut r = RaftRsSection::default();
        edit(&mut r);
        validate(&r).err().map(|(field, _)| field).unwrap_or_default()
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(validate(&RaftRsSection::default()), Ok(()));
    }

    #[test]
    fn bad_values_name_their_field() {
        assert_eq!(field_of(|r| r.nodes = 10), "raftrs.nodes");
        assert_eq!(field_of(|r| r.tick_ms = 0), "raftrs.tick_ms");
        assert_eq!(field_of(|r| r.heartbeat_ticks = 0), "raftrs.heartbeat_ticks");
        assert_eq!(field_of(|r| r.election_ticks_min = r.heartbeat_ticks), "raftrs.election_ticks_min");
        assert_eq!(field_of(|r| r.election_ticks_max = r.election_ticks_min), "raftrs.election_ticks_max");
        assert_eq!(field_of(|r| r.tick_ms = 86_400_000), "raftrs.election_ticks_max");
        assert_eq!(field_of(|r| (r.lease_reads, r.check_quorum) = (true, false)), "raftrs.lease_reads");
        assert_eq!(field_of(|r| r.snapshot_threshold = 0), "raftrs.snapshot_threshold");
        assert_eq!(field_of(|r| r.inflight_msgs_max = 0), "raftrs.inflight_msgs_max");
        assert_eq!(field_of(|r| r.workload.clients = 0), "raftrs.workload.clients");
        assert_eq!(field_of(|r| r.workload.op_timeout_ms = 1), "raftrs.workload.op_timeout_ms");
    }
}
