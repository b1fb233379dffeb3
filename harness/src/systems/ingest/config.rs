//! The `[ingest]` section: collectors, brokers, partitions, consumers, a sink, and the
//! clients (devices) that send behaviour events.
use crate::scenario::{require, require_ms, Invalid};
use serde::{Deserialize, Serialize};

/// The sections this system reads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sections {
    /// `[ingest]`.
    pub ingest: IngestConfig,
}

/// Behaviour-event ingestion: collectors -> partitioned Raft log on brokers -> leased
/// consumers -> one fenced sink.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Collectors (0: no ingestion part in this scenario).
    pub collectors: usize,
    /// Brokers, each hosting every partition's Raft group and the coordinator group.
    pub brokers: usize,
    /// Log partitions (one Raft group each).
    pub partitions: u32,
    /// Consumers sharing the partitions through leases.
    pub consumers: usize,
    /// Clients sending events.
    pub clients: usize,
    /// Devices per client (each device sticks to one collector).
    pub devices_per_client: u64,
    /// Distinct event types.
    pub event_types: usize,
    /// Pause between a client's events, milliseconds (uniform in [0, think_ms]).
    pub think_ms: u64,
    /// A collector ships its open batch after this long, milliseconds.
    pub batch_interval_ms: u64,
    /// ... or once it holds this many events.
    pub batch_events_max: usize,
    /// Fencing lease a consumer holds on a partition, milliseconds.
    pub lease_ms: u64,
    /// One try at the collector, milliseconds.
    pub attempt_timeout_ms: u64,
    /// Give up on an event after this long, milliseconds (it is then info).
    pub op_timeout_ms: u64,
    /// Every acknowledged event must be counted this long after the heal, milliseconds.
    pub liveness_ms_max: u64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            collectors: 0,
            brokers: 3,
            partitions: 4,
            consumers: 2,
            clients: 4,
            devices_per_client: 3,
            event_types: 3,
            think_ms: 50,
            batch_interval_ms: 200,
            batch_events_max: 500,
            lease_ms: 1_000,
            attempt_timeout_ms: 300,
            op_timeout_ms: 3_000,
            liveness_ms_max: 8_000,
        }
    }
}

/// Checks the section's values.
pub fn validate(c: &IngestConfig) -> Result<(), Invalid> {
    require(c.collectors <= 9, "ingest.collectors", "must be 0..=9")?;
    require((3..=7).contains(&c.brokers), "ingest.brokers", "must be 3..=7 (a Raft quorum must survive a crash)")?;
    require((1..=16).contains(&c.partitions), "ingest.partitions", "must be 1..=16")?;
    require((1..=8).contains(&c.consumers), "ingest.consumers", "must be 1..=8")?;
    require((1..=32).contains(&c.clients), "ingest.clients", "must be 1..=32")?;
    require((1..=64).contains(&c.devices_per_client), "ingest.devices_per_client", "must be 1..=64")?;
    require((1..=8).contains(&c.event_types), "ingest.event_types", "must be 1..=8")?;
    require((1..=10_000).contains(&c.batch_events_max), "ingest.batch_events_max", "must be 1..=10000")?;
    for (field, ms) in [
        ("ingest.think_ms", c.think_ms),
        ("ingest.batch_interval_ms", c.batch_interval_ms),
        ("ingest.lease_ms", c.lease_ms),
        ("ingest.attempt_timeout_ms", c.attempt_timeout_ms),
        ("ingest.op_timeout_ms", c.op_timeout_ms),
        ("ingest.liveness_ms_max", c.liveness_ms_max),
    ] {
        require_ms(ms, field)?;
    }
    require(c.batch_interval_ms > 0, "ingest.batch_interval_ms", "must be > 0")?;
    require(c.lease_ms >= 100, "ingest.lease_ms", "must be >= 100")?;
    require(c.attempt_timeout_ms > 0, "ingest.attempt_timeout_ms", "must be > 0")?;
    require(c.op_timeout_ms >= c.attempt_timeout_ms, "ingest.op_timeout_ms", "must be >= attempt_timeout_ms")?;
    require(c.liveness_ms_max > 0, "ingest.liveness_ms_max", "must be > 0")?;
    Ok(())
}

/// The event type names clients pick from.
pub const EVENT_TYPES: [&str; 8] = ["click", "view", "like", "share", "follow", "scroll", "open", "close"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_off() {
        let c = IngestConfig::default();
        assert_eq!(c.collectors, 0);
        assert!(validate(&c).is_ok());
    }

    #[test]
    fn too_few_brokers_is_named() {
        let c = IngestConfig { collectors: 2, brokers: 2, ..IngestConfig::default() };
        let e = validate(&c).expect_err("2 brokers");
        assert!(format!("{e:?}").contains("ingest.brokers"), "{e:?}");
    }

    #[test]
    fn op_timeout_below_attempt_is_named() {
        let c = IngestConfig { collectors: 2, op_timeout_ms: 10, ..IngestConfig::default() };
        let e = validate(&c).expect_err("op timeout");
        assert!(format!("{e:?}").contains("ingest.op_timeout_ms"), "{e:?}");
    }
}
