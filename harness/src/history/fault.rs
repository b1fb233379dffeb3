use serde::{Deserialize, Serialize};

/// One fault as it happened: when it began, when it healed, what and whom it hit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultWindow {
    /// Fault kind, e.g. "partition", "crash", "pause", "clock-bump", "loss".
    pub kind: String,
    /// Human description, e.g. "isolate n3" or "majority {n1,n2,n3} | {n4,n5}".
    pub description: String,
    /// Nodes affected.
    pub nodes: Vec<String>,
    /// Simulated start, microseconds.
    pub start_us: u64,
    /// Simulated heal, microseconds; None if it never healed before the run ended.
    pub end_us: Option<u64>,
}

/// The fault kind a host records when a disk error fail-stops a node: the step that hit it
/// stopped half-way, so what that step showed or sent was never followed by a sync.
pub const STORAGE_FAILURE: &str = "storage-failure";

/// Whether host `node` (1-based id) was fail-stopped by a disk error that started between
/// `from_us` and `to_us` inclusive.
pub fn storage_failure_between(faults: &[FaultWindow], node: u64, from_us: u64, to_us: u64) -> bool {
    let name = super::node_name(usize::try_from(node.saturating_sub(1)).unwrap_or(usize::MAX));
    faults
        .iter()
        .any(|f| f.kind == STORAGE_FAILURE && f.nodes.contains(&name) && f.start_us >= from_us && f.start_us <= to_us)
}
