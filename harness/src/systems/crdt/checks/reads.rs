//! `crdt-read`: every answered membership read agrees with what the replica's state held
//! when it answered (the host noted it from the state's elements, apart from the replica's
//! own membership test). A client retries a read with the same id, and each attempt is
//! served anew, so an answer agrees if any serving of its id by its replica gave it.
use super::observer::{CrdtObserver, CrdtOutcome, ReadServed};
use crate::check::CheckResult;
use faultline_systems::crdt::replica::{CrdtReply, SetKind, SetOp};
use std::collections::BTreeMap;

/// The check's name.
pub const NAME: &str = "crdt-read";

/// Judges every answered `contains` against the replica state it was served from.
pub fn check_reads(record: &CrdtObserver) -> CheckResult {
    let mut problems = Vec::new();
    let mut judged: BTreeMap<SetKind, usize> = BTreeMap::new();
    let empty: Vec<ReadServed> = Vec::new();
    for op in &record.ops {
        let (SetOp::Contains(edge), CrdtOutcome::Ok(CrdtReply::Contains(answer))) = (op.op, &op.outcome) else {
            continue;
        };
        *judged.entry(op.kind).or_default() += 1;
        let served = record.reads.get(&op.node).unwrap_or(&empty);
        let states: Vec<bool> =
            served.iter().filter(|r| r.id == op.id && r.kind == op.kind && r.edge == edge).map(|r| r.present).collect();
        if !states.contains(answer) {
            let held = if states.is_empty() {
                "no serving of it was recorded".to_string()
            } else {
                format!("its state held {states:?}")
            };
            problems.push(format!(
                "{} contains {edge:?} at n{} answered {answer} at {} µs, but {held}",
                op.kind.name(),
                op.node + 1,
                op.complete_us
            ));
        }
    }
    let total: usize = judged.values().sum();
    let pass = if total == 0 {
        "no read was answered: nothing to judge".to_string()
    } else {
        let per_kind: Vec<String> = judged.iter().map(|(k, n)| format!("{} {n}", k.name())).collect();
        format!("{total} answered reads agree with their replica's state ({})", per_kind.join(", "))
    };
    CheckResult::from_problems(NAME, problems, pass)
}
