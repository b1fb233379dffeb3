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
