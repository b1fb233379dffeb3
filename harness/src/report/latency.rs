//! Pairing invocations with completions into per-operation latencies.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::history::{Event, EventKind};

/// One completed operation: what it was, how it ended and how long it took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpLatency {
    /// Operation name, from the invoke event.
    pub f: String,
    /// How it ended: `Ok`, `Fail` or `Info` (never `Invoke`).
    pub kind: EventKind,
    /// Simulated time of the invocation, microseconds.
    pub invoke_us: u64,
    /// Simulated time of the completion, microseconds.
    pub complete_us: u64,
    /// `complete_us - invoke_us` (0 if a malformed history completes before it invokes).
    pub latency_us: u64,
    /// Node that served it: the completion's node, else the invocation's.
    pub node: Option<String>,
}

/// Pairs each invoke with the next ok/fail/info event of the same process, in history order.
///
/// Returned in completion order. Deliberate choices for imperfect histories:
/// - an invoke that never completes (still pending when the run ended) is **ignored**: it has
///   no completion time, so it has no latency to plot; checkers, not charts, judge it;
/// - a completion with no outstanding invoke for its process is ignored;
/// - a second invoke while one is outstanding replaces the first (the first is dropped).
pub fn latencies(history: &[Event]) -> Vec<OpLatency> {
    // BTreeMap rather than HashMap: nothing here depends on iteration order today, but keep
    // the module free of hash-order hazards by construction.
    let mut outstanding: BTreeMap<u64, &Event> = BTreeMap::new();
    let mut ops = Vec::new();
    for ev in history {
        if ev.kind == EventKind::Invoke {
            outstanding.insert(ev.process, ev);
            continue;
        }
        let Some(inv) = outstanding.remove(&ev.process) else { continue };
        ops.push(OpLatency {
            f: inv.f.clone(),
            kind: ev.kind,
            invoke_us: inv.time_us,
            complete_us: ev.time_us,
            latency_us: ev.time_us.saturating_sub(inv.time_us),
            node: ev.node.clone().or_else(|| inv.node.clone()),
        });
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(time_us: u64, process: u64, kind: EventKind, f: &str) -> Event {
        Event {
            index: 0,
            time_us,
            process,
            kind,
            f: f.to_string(),
            key: None,
            value: serde_json::Value::Null,
            node: None,
            system: None,
        }
    }

    #[test]
    fn pairs_by_process_with_interleaving() {
        use EventKind::*;
        let mut h = vec![
            ev(0, 1, Invoke, "read"),
            ev(5, 2, Invoke, "write"),
            ev(10, 1, Ok, "read"),
            ev(30, 2, Info, "write"),
            ev(40, 1, Invoke, "cas"),
            ev(45, 1, Fail, "cas"),
            ev(50, 3, Invoke, "read"), // never completes: ignored
            ev(60, 4, Ok, "read"),     // no invoke: ignored
        ];
        h[2].node = Some("n2".into());
        let ops = latencies(&h);
        let got: Vec<_> = ops.iter().map(|o| (o.f.as_str(), o.kind, o.invoke_us, o.latency_us)).collect();
        assert_eq!(got, vec![("read", Ok, 0, 10), ("write", Info, 5, 25), ("cas", Fail, 40, 5)]);
        assert_eq!(ops[0].node.as_deref(), Some("n2"));
    }

    #[test]
    fn malformed_histories_do_not_panic() {
        use EventKind::*;
        assert!(latencies(&[]).is_empty());
        let h = vec![ev(100, 1, Invoke, "r"), ev(50, 1, Ok, "r"), ev(1, 1, Ok, "r")];
        let ops = latencies(&h);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].latency_us, 0);
    }
}
