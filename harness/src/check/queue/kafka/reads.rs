//! Anomalies about what polls saw: `G1a` (aborted read) and `lost-write`.
use std::collections::{BTreeMap, BTreeSet};

use super::orders::Analysis;
use super::Anomaly;
use crate::check::queue::atom::Atom;
use crate::history::EventKind;

impl Analysis<'_> {
    /// `G1a`: an ok poll saw a value whose send definitely failed (Jepsen's `g1a-cases`).
    pub fn g1a(&self) -> Vec<Anomaly> {
        let mut out = Vec::new();
        for (i, op) in self.ops.iter().enumerate().filter(|(_, op)| op.kind == EventKind::Ok) {
            for (k, pairs) in op.reads() {
                let Some(failed) = self.failed_writes.get(&k) else { continue };
                for (_, v) in pairs.iter().filter(|(_, v)| failed.contains(v)) {
                    let writer = self.writer_of.get(&(k.clone(), v.clone())).copied();
                    let what = format!("polled value {v}, whose send failed");
                    out.push(Anomaly::new("G1a", &k, what, writer.into_iter().chain([i]).collect()));
                }
            }
        }
        out
    }

    /// `lost-write` (Jepsen's `lost-write-cases`): per key, every value whose last position
    /// in the log is at or below the highest first position of any value an ok poll saw must
    /// itself have been polled by an ok op, unless its send may never have committed.
    pub fn lost_writes(&self) -> Vec<Anomaly> {
        let mut out = Vec::new();
        for (k, seen) in &self.ok_reads {
            let (first_index, last_index_values) = self.log_indices(k);
            let Some(bound) = seen.iter().filter_map(|v| first_index.get(v).copied()).max() else { continue };
            let max_read = last_index_values
                .get(&bound)
                .and_then(|vs| vs.first())
                .and_then(|v| self.readers_of.get(&(k.clone(), v.clone())))
                .and_then(|rs| rs.first().copied());
            for v in last_index_values.range(..=bound).flat_map(|(_, vs)| vs).filter(|v| !seen.contains(*v)) {
                // A value only a failed or crashed poll saw has no writer; it cannot be a lost
                // write (Jepsen throws here), and G1a or the poller's own checks judge it.
                let Some(&writer) = self.writer_of.get(&(k.clone(), v.clone())) else { continue };
                if !self.must_have_committed(&self.ops[writer]) {
                    continue;
                }
                let index = first_index.get(v).copied().unwrap_or(0);
                let what = format!("acknowledged value {v} at index {index} was never polled, but index {bound} was");
                out.push(Anomaly::new("lost-write", k, what, [writer].into_iter().chain(max_read).collect()));
            }
        }
        out
    }

    /// For key `k`: each value's first dense index, and each dense index's values whose last
    /// appearance it is (Jepsen's `log->value->first-index` and `log->last-index->values`).
    fn log_indices(&self, k: &Atom) -> (BTreeMap<Atom, usize>, BTreeMap<usize, BTreeSet<Atom>>) {
        let mut first = BTreeMap::new();
        let mut last = BTreeMap::new();
        for (i, values) in self.logs.get(k).into_iter().flat_map(|log| log.values()).enumerate() {
            for v in values {
                first.entry(v.clone()).or_insert(i);
                last.insert(v.clone(), i);
            }
        }
        let mut by_last: BTreeMap<usize, BTreeSet<Atom>> = BTreeMap::new();
        for (v, i) in last {
            by_last.entry(i).or_default().insert(v);
        }
        (first, by_last)
    }
}
