//! Recording one client operation: its invoke, then its completion, as history events.
use crate::history::{Event, EventKind};
use crate::world::WorldState;
use serde_json::Value;

/// One operation of one process of one system, ready to be recorded.
#[derive(Clone, Debug)]
pub struct OpRecorder {
    /// The system recording it.
    pub system: &'static str,
    /// The client process (Jepsen's: a process with an operation in doubt never issues again).
    pub process: u64,
    /// Operation name.
    pub f: &'static str,
    /// Key, for keyed models.
    pub key: Option<Value>,
}

impl OpRecorder {
    /// Records an event of this operation at `time_us`.
    pub fn record(&self, w: &mut WorldState, time_us: u64, kind: EventKind, value: Value, node: Option<String>) {
        w.record(Event {
            index: 0,
            time_us,
            process: self.process,
            kind,
            f: self.f.to_string(),
            key: self.key.clone(),
            value,
            node,
            system: Some(self.system.to_string()),
        });
    }
}
