//! Anomalies about one process's successive operations: `poll-skip`, `nonmonotonic-poll`
//! (Jepsen's `poll-skip+nonmonotonic-cases`) and `nonmonotonic-send`
//! (`nonmonotonic-send-cases`).
use std::collections::BTreeMap;

use super::ops::{KafkaF, KafkaOp, PairsByKey};
use super::orders::Analysis;
use super::Anomaly;
use crate::check::queue::atom::Atom;
use crate::history::EventKind;

/// Key to the op (index into `ops`) that last polled or sent it, per process.
type LastByKey = BTreeMap<Atom, usize>;

/// Which side of an op the check follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Polls,
    Sends,
}

impl Side {
    fn pairs(self, op: &KafkaOp) -> PairsByKey {
        match self {
            Side::Polls => op.reads(),
            Side::Sends => op.writes(),
        }
    }
}

impl Analysis<'_> {
    /// A process's next poll of a key must start right after where its last ok poll of that
    /// key ended: further on is `poll-skip`, at or before is `nonmonotonic-poll`. An
    /// assign or subscribe keeps only the keys it names; positions are version-order indices,
    /// and a value without one is given the benefit of the doubt.
    pub fn poll_skips_and_nonmonotonic(&self) -> Vec<Anomaly> {
        self.per_process(Side::Polls)
    }

    /// A process's sends to a key must go forward in the version order (`nonmonotonic-send`).
    pub fn nonmonotonic_sends(&self) -> Vec<Anomaly> {
        self.per_process(Side::Sends)
    }

    fn per_process(&self, side: Side) -> Vec<Anomaly> {
        let mut by_process: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (i, op) in self.ops.iter().enumerate() {
            // Jepsen's send check only looks at ok and info completions.
            let relevant = side == Side::Polls || matches!(op.kind, EventKind::Ok | EventKind::Info);
            if relevant {
                by_process.entry(op.process).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        for ops in by_process.values() {
            let mut last = LastByKey::new();
            for &i in ops {
                self.step(side, i, &mut last, &mut out);
            }
        }
        out
    }

    fn step(&self, side: Side, i: usize, last: &mut LastByKey, out: &mut Vec<Anomaly>) {
        let op = &self.ops[i];
        match (op.f, side) {
            (KafkaF::Assign | KafkaF::Subscribe, _) if !matches!(op.kind, EventKind::Invoke | EventKind::Fail) => {
                last.retain(|k, _| op.keys.contains(k));
            }
            (KafkaF::Poll | KafkaF::Txn, Side::Polls) | (KafkaF::Send | KafkaF::Txn, Side::Sends) => {
                let pairs = side.pairs(op);
                for (k, ps) in &pairs {
                    if let Some(&prev) = last.get(k) {
                        out.extend(self.compare(side, k, prev, i, ps.first().map(|(_, v)| v)));
                    }
                }
                // Polls advance only on ok (a failed or crashed poll leaves offsets alone);
                // sends advance on ok and info, the only kinds the send check sees.
                if side == Side::Sends || op.kind == EventKind::Ok {
                    for k in pairs.keys() {
                        last.insert(k.clone(), i);
                    }
                }
            }
            _ => {}
        }
    }

    fn compare(&self, side: Side, k: &Atom, prev: usize, i: usize, next: Option<&Atom>) -> Option<Anomaly> {
        let before = side.pairs(&self.ops[prev]).get(k).and_then(|ps| ps.last().map(|(_, v)| v.clone()));
        let (Some(v), Some(v2)) = (before, next) else { return None };
        let (Some(a), Some(b)) = (self.index_of(k, &v), self.index_of(k, v2)) else { return None };
        let delta = i128::try_from(b).unwrap_or(i128::MAX).saturating_sub(i128::try_from(a).unwrap_or(i128::MAX));
        let verb = if side == Side::Polls { "polled" } else { "sent" };
        if delta < 1 {
            let name = if side == Side::Polls { "nonmonotonic-poll" } else { "nonmonotonic-send" };
            let what = format!("{verb} {v} (index {a}) then {v2} (index {b}), delta {delta}");
            return Some(Anomaly::new(name, k, what, vec![prev, i]));
        }
        if delta > 1 && side == Side::Polls {
            let order = self.orders.get(k).and_then(|o| o.by_index.get(a + 1..b)).unwrap_or(&[]);
            let skipped: Vec<String> = order.iter().map(Atom::to_string).collect();
            let what = format!("{verb} {v} (index {a}) then {v2} (index {b}), skipping {}", skipped.join(", "));
            return Some(Anomaly::new("poll-skip", k, what, vec![prev, i]));
        }
        None
    }
}
