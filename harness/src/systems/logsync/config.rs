//! The `[logsync]` section: read replicas fed from the Raft log, and their session clients.
use crate::scenario::{require, require_ms, Invalid};
use serde::{Deserialize, Serialize};

/// The sections this system reads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sections {
    /// `[logsync]`.
    pub logsync: LogSyncConfig,
}

/// LogSync read replicas: they follow the Raft log without voting and serve reads locally;
/// their clients write through Raft and read through them with a session token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSyncConfig {
    /// Read replicas (0: no LogSync part in this scenario).
    pub replicas: usize,
    /// Clients that write through Raft and read through replicas.
    pub clients: usize,
    /// The leader's shipping round (also a heartbeat to replicas), milliseconds.
    pub ship_interval_ms: u64,
    /// Most entries per shipped message.
    pub batch_max: usize,
    /// Time between a replica's acknowledgements, milliseconds.
    pub ack_interval_ms: u64,
    /// How long a read waits at a replica for its session token, milliseconds.
    pub read_wait_ms: u64,
    /// Share of a LogSync client's operations that are reads (percent).
    pub read_percent: u32,
    /// If set, reads also ask for this maximum staleness, milliseconds.
    pub staleness_ms_max: Option<u64>,
    /// How many session clients (the first ones) only read, each read asking for
    /// `staleness_ms_max` (timeline readers); None: all of them.
    pub staleness_clients: Option<usize>,
    /// Declared staleness bound: a read at a replica no fault has touched for a while must be
    /// at most this far behind the committed log, milliseconds.
    pub staleness_bound_ms: u64,
}

impl Default for LogSyncConfig {
    fn default() -> Self {
        Self {
            replicas: 0,
            clients: 4,
            ship_interval_ms: 20,
            batch_max: 64,
            ack_interval_ms: 100,
            read_wait_ms: 50,
            read_percent: 60,
            staleness_ms_max: None,
            staleness_clients: None,
            staleness_bound_ms: 250,
        }
    }
}

/// Checks the section's values.
pub fn validate(l: &LogSyncConfig) -> Result<(), Invalid> {
    require(l.replicas <= 9, "logsync.replicas", "must be 0..=9")?;
    require((1..=32).contains(&l.clients), "logsync.clients", "must be 1..=32")?;
    for (field, ms) in [
        ("logsync.ship_interval_ms", l.ship_interval_ms),
        ("logsync.ack_interval_ms", l.ack_interval_ms),
        ("logsync.read_wait_ms", l.read_wait_ms),
        ("logsync.staleness_bound_ms", l.staleness_bound_ms),
        ("logsync.staleness_ms_max", l.staleness_ms_max.unwrap_or(0)),
    ] {
        require_ms(ms, field)?;
    }
    require(l.ship_interval_ms > 0, "logsync.ship_interval_ms", "must be > 0")?;
    require((1..=1024).contains(&l.batch_max), "logsync.batch_max", "must be 1..=1024")?;
    require(l.ack_interval_ms > 0, "logsync.ack_interval_ms", "must be > 0")?;
    require(l.read_percent <= 100, "logsync.read_percent", "must be 0..=100")?;
    let bounded = l.staleness_clients.unwrap_or(l.clients);
    require(bounded <= l.clients, "logsync.staleness_clients", "must be at most logsync.clients")?;
    require(
        l.staleness_clients.is_none() || l.staleness_ms_max.is_some(),
        "logsync.staleness_clients",
        "needs logsync.staleness_ms_max",
    )?;
    require(l.staleness_bound_ms > 0, "logsync.staleness_bound_ms", "must be > 0")?;
    Ok(())
}
