//! Session guarantees per client, whichever replica answers: a read never sees an index
//! below one the client already wrote (read-your-writes) or read (monotonic reads).
use super::observer::{ReplicaReadRecord, SessionWrite};
use crate::check::CheckResult;
use crate::history::node_name;
use std::collections::BTreeMap;

/// Checks every client's reads against what it wrote and read before invoking them.
pub fn check_sessions(reads: &[ReplicaReadRecord], writes: &[SessionWrite]) -> CheckResult {
    // Per client, in time order: (time an event becomes known to the client, index, kind).
    let mut seen: BTreeMap<usize, Vec<(u64, u64, &str)>> = BTreeMap::new();
    for w in writes {
        seen.entry(w.client).or_default().push((w.complete_us, w.index, "wrote"));
    }
    for r in reads {
        seen.entry(r.client).or_default().push((r.complete_us, r.index, "read"));
    }
    for v in seen.values_mut() {
        v.sort();
    }
    let mut problems = Vec::new();
    for r in reads {
        let Some(history) = seen.get(&r.client) else { continue };
        let before = history.iter().filter(|&&(t, _, _)| t < r.invoke_us);
        if let Some(&(t, index, kind)) = before.max_by_key(|&&(_, i, _)| i) {
            if r.index < index {
                let guarantee = if kind == "wrote" { "read-your-writes" } else { "monotonic reads" };
                problems.push(format!(
                    "{guarantee}: client c{} read at index {} from {} at {} µs after it {kind} index {index} at {t} µs",
                    r.client + 1,
                    r.index,
                    node_name(r.node),
                    r.complete_us
                ));
            }
        }
    }
    let clients = seen.len();
    let pass = format!("{} reads of {clients} sessions never went back before what the session saw", reads.len());
    CheckResult::from_problems("logsync-sessions", problems, pass)
}
