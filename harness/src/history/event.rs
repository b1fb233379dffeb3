use serde::{Deserialize, Serialize};

/// How an operation event ended (or that it began), as in Jepsen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// The client sent the operation.
    Invoke,
    /// The operation took effect and this is its result.
    Ok,
    /// The operation definitely did not take effect.
    Fail,
    /// Unknown outcome (e.g. timeout): it may take effect at any time after its invoke, or never.
    Info,
}

/// One line of a history: an operation's invocation or completion.
///
/// A completion is matched to its invocation by `process` (one outstanding op per process).
/// `value` is free-form JSON; its shape depends on `f` and the model (see check::models).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the history, 0-based.
    pub index: u64,
    /// Simulated time, microseconds since the run began.
    pub time_us: u64,
    /// Logical client process; a process that got `info` never issues again.
    pub process: u64,
    /// Invoke or completion kind.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// Operation name, e.g. "follow", "read", "write", "cas".
    pub f: String,
    /// Key for keyed models (P-compositionality splits on it); None for single-object models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<serde_json::Value>,
    /// Argument on invoke, result on ok.
    #[serde(default)]
    pub value: serde_json::Value,
    /// Which node served it, when known (for reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The system under test that recorded it (absent in histories from other tools), so
    /// each system's checks pick out their own operations by it, never by operation name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
}

/// An ordered list of events.
pub type History = Vec<Event>;
