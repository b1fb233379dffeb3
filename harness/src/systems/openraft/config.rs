//! openraft's scenario section: `[openraft]` (the cluster, in openraft's own units:
//! milliseconds of simulated time) and `[openraft.workload]` (its clients, as relations'
//! `[workload]`), with defaults and validation.
use crate::scenario::{require, require_ms, Invalid};
use crate::systems::relations::config::validate_workload;
use crate::systems::relations::WorkloadConfig;
use serde::{Deserialize, Serialize};

/// Largest snapshot chunk: a chunk and its framing must fit one datagram.
pub const SNAPSHOT_CHUNK_BYTES_MAX: u64 = 16 * 1024;

/// The sections this system reads; absent `[openraft]` means the scenario does not run it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Sections {
    /// `[openraft]`.
    pub openraft: Option<OpenRaftSection>,
}

/// The openraft cluster and its clients.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpenRaftSection {
    /// Number of voters (0: the system does not run).
    pub nodes: usize,
    /// Leader heartbeat interval, ms.
    pub heartbeat_ms: u64,
    /// Lower bound of the election timeout, ms.
    pub election_timeout_ms_min: u64,
    /// Upper bound (exclusive) of the election timeout, ms.
    pub election_timeout_ms_max: u64,
    /// Most entries in one append RPC (keeps it inside a datagram).
    pub max_payload_entries: u64,
    /// Applied entries between snapshots.
    pub snapshot_logs: u64,
    /// Entries kept in the log behind a snapshot (fewer: lagging followers get snapshots).
    pub logs_to_keep: u64,
    /// `[openraft.workload]`: the clients.
    pub workload: WorkloadConfig,
}

impl Default for OpenRaftSection {
    /// Five voters with openraft's own timing defaults; small batches and frequent snapshots.
    fn default() -> Self {
        let c = openraft::Config::default();
        Self {
            nodes: 5,
            heartbeat_ms: c.heartbeat_interval,
            election_timeout_ms_min: c.election_timeout_min,
            election_timeout_ms_max: c.election_timeout_max,
            max_payload_entries: 64,
            snapshot_logs: 200,
            logs_to_keep: 50,
            workload: WorkloadConfig::default(),
        }
    }
}

impl OpenRaftSection {
    /// openraft's configuration for this section.
    pub fn openraft_config(&self) -> openraft::Config {
        openraft::Config {
            cluster_name: "faultline".into(),
            heartbeat_interval: self.heartbeat_ms,
            election_timeout_min: self.election_timeout_ms_min,
            election_timeout_max: self.election_timeout_ms_max,
            max_payload_entries: self.max_payload_entries,
            snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(self.snapshot_logs),
            snapshot_max_chunk_size: SNAPSHOT_CHUNK_BYTES_MAX,
            max_in_snapshot_log_to_keep: self.logs_to_keep,
            ..openraft::Config::default()
        }
    }
}

/// Checks the section's values (fields named as in the file).
pub fn validate(r: &OpenRaftSection) -> Result<(), Invalid> {
    require(r.nodes <= 9, "openraft.nodes", "must be 0..=9")?;
    require(r.heartbeat_ms > 0, "openraft.heartbeat_ms", "must be > 0")?;
    require_ms(r.election_timeout_ms_max, "openraft.election_timeout_ms_max")?;
    require(r.election_timeout_ms_min > r.heartbeat_ms, "openraft.election_timeout_ms_min", "must be > heartbeat_ms")?;
    require(
        r.election_timeout_ms_max > r.election_timeout_ms_min,
        "openraft.election_timeout_ms_max",
        "must be > election_timeout_ms_min",
    )?;
    require(
        (1..=256).contains(&r.max_payload_entries),
        "openraft.max_payload_entries",
        "must be 1..=256 (a datagram)",
    )?;
    require(r.snapshot_logs > 0, "openraft.snapshot_logs", "must be > 0")?;
    validate_workload(&r.workload, "openraft.workload")?;
    // Whatever openraft itself still refuses, named as the section.
    r.openraft_config().validate().map(|_| ()).map_err(|e| ("openraft".to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(edit: impl FnOnce(&mut OpenRaftSection)) -> String {
        let mut r = OpenRaftSection::default();
        edit(&mut r);
        validate(&r).err().map(|(field, _)| field).unwrap_or_default()
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(validate(&OpenRaftSection::default()), Ok(()));
    }

    #[test]
    fn bad_values_name_their_field() {
        assert_eq!(field_of(|r| r.nodes = 10), "openraft.nodes");
        assert_eq!(field_of(|r| r.heartbeat_ms = 0), "openraft.heartbeat_ms");
        assert_eq!(field_of(|r| r.election_timeout_ms_min = r.heartbeat_ms), "openraft.election_timeout_ms_min");
        assert_eq!(
            field_of(|r| r.election_timeout_ms_max = r.election_timeout_ms_min),
            "openraft.election_timeout_ms_max"
        );
        assert_eq!(field_of(|r| r.max_payload_entries = 0), "openraft.max_payload_entries");
        assert_eq!(field_of(|r| r.snapshot_logs = 0), "openraft.snapshot_logs");
        assert_eq!(field_of(|r| r.workload.clients = 0), "openraft.workload.clients");
    }
}
