//! The `[crdt]` section: data-centre replicas and their clients.
use crate::scenario::{require, require_ms, Invalid};
use serde::{Deserialize, Serialize};

/// The sections this system reads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sections {
    /// `[crdt]`.
    pub crdt: CrdtConfig,
}

/// CRDT sync of the follow graph between data centres: one replica per data centre, each
/// holding the graph as all four set types, with local clients.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrdtConfig {
    /// Data-centre replicas (0: no CRDT part in this scenario).
    pub replicas: usize,
    /// Clients attached to each replica.
    pub clients_per_replica: usize,
    /// Time between a replica's anti-entropy rounds, milliseconds.
    pub gossip_interval_ms: u64,
    /// Users in the graph (edges are ordered pairs of distinct users).
    pub users: u64,
    /// Pause between a client's operations, milliseconds (uniform in [0, think_ms]).
    pub think_ms: u64,
    /// One try at the home replica, milliseconds.
    pub attempt_timeout_ms: u64,
    /// Give up after this long, milliseconds (a write is then info, a read fail).
    pub op_timeout_ms: u64,
    /// Relative weights: add, remove, contains.
    pub mix_add: u32,
    /// Weight of remove.
    pub mix_remove: u32,
    /// Weight of contains.
    pub mix_contains: u32,
    /// How far a peer's HLC stamp may run ahead of a replica's clock before the replica
    /// refuses its gossip, milliseconds (the far-future guard).
    pub clock_offset_ms_max: u64,
}

impl Default for CrdtConfig {
    fn default() -> Self {
        Self {
            replicas: 0,
            clients_per_replica: 2,
            gossip_interval_ms: 100,
            users: 5,
            think_ms: 100,
            attempt_timeout_ms: 100,
            op_timeout_ms: 500,
            mix_add: 5,
            mix_remove: 3,
            mix_contains: 2,
            clock_offset_ms_max: faultline_systems::crdt::OFFSET_US_MAX_DEFAULT / 1000,
        }
    }
}

/// Checks the section's values.
pub fn validate(c: &CrdtConfig) -> Result<(), Invalid> {
    require(c.replicas <= 9, "crdt.replicas", "must be 0..=9")?;
    require(c.replicas != 1, "crdt.replicas", "must be 0 (no CRDT part) or at least 2")?;
    require((1..=16).contains(&c.clients_per_replica), "crdt.clients_per_replica", "must be 1..=16")?;
    for (field, ms) in [
        ("crdt.gossip_interval_ms", c.gossip_interval_ms),
        ("crdt.think_ms", c.think_ms),
        ("crdt.attempt_timeout_ms", c.attempt_timeout_ms),
        ("crdt.op_timeout_ms", c.op_timeout_ms),
        ("crdt.clock_offset_ms_max", c.clock_offset_ms_max),
    ] {
        require_ms(ms, field)?;
    }
    require(c.gossip_interval_ms > 0, "crdt.gossip_interval_ms", "must be > 0")?;
    require(c.clock_offset_ms_max > 0, "crdt.clock_offset_ms_max", "must be > 0")?;
    require((2..=40).contains(&c.users), "crdt.users", "must be 2..=40 (states must fit a datagram)")?;
    require(c.attempt_timeout_ms > 0, "crdt.attempt_timeout_ms", "must be > 0")?;
    require(c.op_timeout_ms >= c.attempt_timeout_ms, "crdt.op_timeout_ms", "must be >= attempt_timeout_ms")?;
    let total = [c.mix_add, c.mix_remove, c.mix_contains].iter().try_fold(0u32, |a, &b| a.checked_add(b));
    require(total.is_some_and(|t| t > 0), "crdt.mix_add", "weights must add up to 1..=4294967295")?;
    Ok(())
}
