//! Checker tests: hand-written histories, a brute-force oracle, loading and rendering.
mod bench;
mod known;
mod oracle;
mod porcupine_names;
mod robust;

use serde_json::Value;

use crate::history::{Event, EventKind, History};

/// Build a history from `(process, type, f, key, value)` rows; index = position, time = 10×index.
pub(super) fn hist(rows: &[(u64, &str, &str, Option<Value>, Value)]) -> History {
    rows.iter()
        .enumerate()
        .map(|(i, (p, t, f, k, v))| Event {
            index: i as u64,
            time_us: 10 * i as u64,
            process: *p,
            kind: match *t {
                "invoke" => EventKind::Invoke,
                "ok" => EventKind::Ok,
                "fail" => EventKind::Fail,
                _ => EventKind::Info,
            },
            f: f.to_string(),
            key: k.clone(),
            value: v.clone(),
            node: None,
            system: None,
        })
        .collect()
}
