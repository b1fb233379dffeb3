//! The shared analysis of a Kafka history (Jepsen's `analysis`): reads and writes by type,
//! writers and readers of each value, and per-key logs and version orders; plus the two
//! anomalies read straight off the logs, `inconsistent-offsets` and `duplicate`.
use std::collections::{BTreeMap, BTreeSet};

use super::ops::{KafkaOp, Mop};
use super::Anomaly;
use crate::check::queue::atom::Atom;
use crate::history::EventKind;

/// Offset to the values seen at it, for one key.
pub type Log = BTreeMap<u64, BTreeSet<Atom>>;

/// A key's dense version order: offsets with holes removed (holes are transaction markers).
#[derive(Clone, Debug, Default)]
pub struct VersionOrder {
    /// Index to the value at it (the least, where an offset has several).
    pub by_index: Vec<Atom>,
    /// Value to its index; a value at several indices maps to the last, as Jepsen's
    /// `index-seq` does.
    pub by_value: BTreeMap<Atom, usize>,
}

/// Everything the anomaly searches share; op references are indices into `ops`.
pub struct Analysis<'a> {
    /// The parsed operations, in history order.
    pub ops: &'a [KafkaOp],
    /// Per key, every value some ok op polled.
    pub ok_reads: BTreeMap<Atom, BTreeSet<Atom>>,
    /// Per key, every value some failed op sent.
    pub failed_writes: BTreeMap<Atom, BTreeSet<Atom>>,
    /// Per key, its log as sends (that must have committed) and polls (of any type) saw it.
    pub logs: BTreeMap<Atom, Log>,
    /// Per key, its version order.
    pub orders: BTreeMap<Atom, VersionOrder>,
    /// The (last) completion that sent `(key, value)`.
    pub writer_of: BTreeMap<(Atom, Atom), usize>,
    /// The completions that polled `(key, value)`.
    pub readers_of: BTreeMap<(Atom, Atom), Vec<usize>>,
    /// The ops that put something at `(key, offset)` into the logs.
    pub at_offset: BTreeMap<(Atom, u64), BTreeSet<usize>>,
}

fn values_by_kind(ops: &[KafkaOp], kind: EventKind, reads: bool) -> BTreeMap<Atom, BTreeSet<Atom>> {
    let mut out: BTreeMap<Atom, BTreeSet<Atom>> = BTreeMap::new();
    for op in ops.iter().filter(|op| op.kind == kind) {
        let pairs = if reads { op.reads() } else { op.writes() };
        for (k, ps) in pairs {
            out.entry(k).or_default().extend(ps.into_iter().map(|(_, v)| v));
        }
    }
    out
}

impl<'a> Analysis<'a> {
    /// Build the analysis of `ops`.
    pub fn new(ops: &'a [KafkaOp]) -> Self {
        let mut a = Analysis {
            ops,
            ok_reads: values_by_kind(ops, EventKind::Ok, true),
            failed_writes: values_by_kind(ops, EventKind::Fail, false),
            logs: BTreeMap::new(),
            orders: BTreeMap::new(),
            writer_of: BTreeMap::new(),
            readers_of: BTreeMap::new(),
            at_offset: BTreeMap::new(),
        };
        for (i, op) in ops.iter().enumerate().filter(|(_, op)| op.kind != EventKind::Invoke) {
            for (k, ps) in op.writes() {
                for (_, v) in ps {
                    a.writer_of.insert((k.clone(), v), i);
                }
            }
            for (k, ps) in op.reads() {
                ps.into_iter().for_each(|(_, v)| a.readers_of.entry((k.clone(), v)).or_default().push(i));
            }
        }
        a.build_logs();
        a
    }

    /// Jepsen's `must-have-committed?`: ok, or info with some sent value polled by an ok op.
    pub fn must_have_committed(&self, op: &KafkaOp) -> bool {
        match op.kind {
            EventKind::Ok => true,
            EventKind::Info => op
                .writes()
                .iter()
                .any(|(k, ps)| self.ok_reads.get(k).is_some_and(|seen| ps.iter().any(|(_, v)| seen.contains(v)))),
            _ => false,
        }
    }

    /// Logs from sends only when they must have committed, from polls always: Kafka promises
    /// pollers safe data whether or not their transaction commits (Jepsen's `version-orders`).
    fn build_logs(&mut self) {
        for (i, op) in self.ops.iter().enumerate() {
            let sends_count = self.must_have_committed(op);
            for m in &op.mops {
                match m {
                    Mop::Send(k, (Some(o), v)) if sends_count => self.note(k, *o, v, i),
                    Mop::Poll(by_key) => {
                        for (k, pairs) in by_key {
                            pairs
                                .iter()
                                .filter_map(|(o, v)| o.map(|o| (o, v)))
                                .for_each(|(o, v)| self.note(k, o, v, i));
                        }
                    }
                    _ => {}
                }
            }
        }
        for (k, log) in &self.logs {
            let mut order = VersionOrder::default();
            for values in log.values() {
                if let Some(first) = values.first() {
                    order.by_value.insert(first.clone(), order.by_index.len());
                    order.by_index.push(first.clone());
                }
            }
            self.orders.insert(k.clone(), order);
        }
    }

    fn note(&mut self, k: &Atom, offset: u64, v: &Atom, op: usize) {
        self.logs.entry(k.clone()).or_default().entry(offset).or_default().insert(v.clone());
        self.at_offset.entry((k.clone(), offset)).or_default().insert(op);
    }

    /// The dense index of `v` in `k`'s version order, if known.
    pub fn index_of(&self, k: &Atom, v: &Atom) -> Option<usize> {
        self.orders.get(k)?.by_value.get(v).copied()
    }

    fn ops_at(&self, k: &Atom, offsets: &[u64]) -> Vec<usize> {
        let set: BTreeSet<usize> =
            offsets.iter().filter_map(|o| self.at_offset.get(&(k.clone(), *o))).flatten().copied().collect();
        set.into_iter().collect()
    }

    /// `inconsistent-offsets`: two or more values at one offset of a key.
    pub fn inconsistent_offsets(&self) -> Vec<Anomaly> {
        let mut out = Vec::new();
        for (k, log) in &self.logs {
            for (o, values) in log.iter().filter(|(_, vs)| vs.len() > 1) {
                let vs: Vec<String> = values.iter().map(Atom::to_string).collect();
                let what = format!("offset {o} holds values {}", vs.join(", "));
                out.push(Anomaly::new("inconsistent-offsets", k, what, self.ops_at(k, &[*o])));
            }
        }
        out
    }

    /// `duplicate`: one value at two or more offsets of a key.
    pub fn duplicates(&self) -> Vec<Anomaly> {
        let mut out = Vec::new();
        for (k, log) in &self.logs {
            let mut offsets: BTreeMap<&Atom, Vec<u64>> = BTreeMap::new();
            for (o, values) in log {
                values.iter().for_each(|v| offsets.entry(v).or_default().push(*o));
            }
            for (v, os) in offsets.into_iter().filter(|(_, os)| os.len() > 1) {
                let list: Vec<String> = os.iter().map(u64::to_string).collect();
                let what = format!("value {v} appears at offsets {}", list.join(", "));
                out.push(Anomaly::new("duplicate", k, what, self.ops_at(k, &os)));
            }
        }
        out
    }
}
