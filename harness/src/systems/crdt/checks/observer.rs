//! What the harness records about CRDT replicas while a run goes: each replica's digest
//! whenever it changes (and its latest state), and every client operation.
use faultline_systems::crdt::replica::{CrdtReply, Digest32, Edge, Graphs, SetKind, SetOp};
use faultline_systems::relations::RequestId;
use std::collections::BTreeMap;

/// A read a replica served, and whether its state then held the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadServed {
    /// The request (a client retries with the same id; each attempt is served anew).
    pub id: RequestId,
    /// Which graph.
    pub kind: SetKind,
    /// The edge asked about.
    pub edge: Edge,
    /// Whether the replica's state held it when it answered.
    pub present: bool,
}

/// A replica's state digest changed at `time_us`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestSample {
    /// Simulated time, µs.
    pub time_us: u64,
    /// Host index of the replica.
    pub node: usize,
    /// Its new digest.
    pub digest: Digest32,
}

/// How a client operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrdtOutcome {
    /// Answered.
    Ok(CrdtReply),
    /// A write with no answer: it may or may not have taken effect.
    Info,
    /// A read with no answer (no effect).
    Fail,
}

/// One client operation against a CRDT replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrdtOpRecord {
    /// Client process.
    pub process: u64,
    /// The request's id.
    pub id: RequestId,
    /// Host index of the replica it went to.
    pub node: usize,
    /// Which graph.
    pub kind: SetKind,
    /// The operation.
    pub op: SetOp,
    /// Invocation time, µs.
    pub invoke_us: u64,
    /// Completion time, µs.
    pub complete_us: u64,
    /// Outcome.
    pub outcome: CrdtOutcome,
}

impl CrdtOpRecord {
    /// The reply, if the operation was answered.
    pub fn reply(&self) -> Option<&CrdtReply> {
        match &self.outcome {
            CrdtOutcome::Ok(r) => Some(r),
            _ => None,
        }
    }

    /// Whether the operation may have taken effect without an answer.
    pub fn in_doubt(&self) -> bool {
        self.outcome == CrdtOutcome::Info
    }
}

/// Digests over time, final states, and operations.
#[derive(Clone, Debug, Default)]
pub struct CrdtObserver {
    /// Every digest change, in time order.
    pub samples: Vec<DigestSample>,
    /// Each replica's latest state.
    pub latest: BTreeMap<usize, Graphs>,
    /// Client operations, in completion order.
    pub ops: Vec<CrdtOpRecord>,
    /// Reads each replica served (host index → reads in order).
    pub reads: BTreeMap<usize, Vec<ReadServed>>,
    /// The most LWW tombstones each replica held at once.
    pub tombstones_max: BTreeMap<usize, usize>,
    /// Gossip messages refused by the far-future clock guard, over every incarnation.
    pub clock_refused_total: u64,
    clock_refused_last: BTreeMap<usize, u64>,
    last: BTreeMap<usize, Digest32>,
}

impl CrdtObserver {
    /// Records replica `node`'s state (whose digest is `digest`) after a step, if it changed.
    pub fn observe(&mut self, time_us: u64, node: usize, digest: Digest32, graphs: &Graphs) {
        if self.last.get(&node) == Some(&digest) {
            return;
        }
        self.last.insert(node, digest);
        self.samples.push(DigestSample { time_us, node, digest });
        let held = self.tombstones_max.entry(node).or_default();
        *held = (*held).max(graphs.lww.tombstones());
        self.latest.insert(node, graphs.clone());
    }

    /// Replica `node`'s refusal counter after a step (it restarts from 0 with the replica).
    pub fn clock_refused(&mut self, node: usize, count: u64) {
        let last = self.clock_refused_last.entry(node).or_default();
        self.clock_refused_total += if count >= *last { count - *last } else { count };
        *last = count;
    }

    /// Records the reads replica `node` served in a step.
    pub fn served(&mut self, node: usize, reads: Vec<ReadServed>) {
        if !reads.is_empty() {
            self.reads.entry(node).or_default().extend(reads);
        }
    }
}
