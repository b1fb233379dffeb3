//! Who waits for what: writes by the log index they were proposed at, reads by the ReadIndex
//! context they were issued with. Both bounded; both dropped unanswered when leadership is lost
//! (clients retry, and the dedupe table keeps a retried write from applying twice).
use crate::relations::{Reply, Request, RequestId};
use std::collections::BTreeMap;

/// A write waiting for its entry to apply.
#[derive(Clone, Debug)]
struct Proposal {
    term: u64,
    client: u64,
    request: RequestId,
}

/// A read waiting for its ReadIndex, then for the state machine to reach it.
#[derive(Clone, Debug)]
struct PendingRead {
    client: u64,
    request: Request,
    /// Set once raft-rs confirmed the read index.
    index: Option<u64>,
    /// Whether `read_index` was called for it (a new leader must commit in its term first).
    issued: bool,
    /// Ticks it has waited; reads whose confirmation was lost expire.
    age_ticks: u64,
}

/// A client answer ready to go out.
pub(crate) type Answer = (u64, RequestId, Reply);

/// Pending client work of one node.
#[derive(Debug, Default)]
pub(crate) struct Clients {
    proposals: BTreeMap<u64, Proposal>,
    reads: BTreeMap<u64, PendingRead>,
    next_read_ctx: u64,
}

impl Clients {
    /// Pending writes.
    pub fn proposals_len(&self) -> usize {
        self.proposals.len()
    }

    /// Pending reads.
    pub fn reads_len(&self) -> usize {
        self.reads.len()
    }

    /// Remembers a write proposed at `index` in `term`.
    pub fn proposed(&mut self, index: u64, term: u64, client: u64, request: RequestId) {
        self.proposals.insert(index, Proposal { term, client, request });
    }

    /// Registers a read; returns its context.
    pub fn add_read(&mut self, client: u64, request: Request) -> u64 {
        let ctx = self.next_read_ctx;
        self.next_read_ctx = self.next_read_ctx.wrapping_add(1);
        self.reads.insert(ctx, PendingRead { client, request, index: None, issued: false, age_ticks: 0 });
        ctx
    }

    /// Contexts of reads not yet handed to raft-rs, marking them issued.
    pub fn issue_reads(&mut self) -> Vec<u64> {
        let ctxs: Vec<u64> = self.reads.iter().filter(|(_, r)| !r.issued).map(|(c, _)| *c).collect();
        for ctx in &ctxs {
            if let Some(r) = self.reads.get_mut(ctx) {
                r.issued = true;
            }
        }
        ctxs
    }

    /// raft-rs confirmed that read `ctx` may be served once `index` is applied.
    pub fn read_confirmed(&mut self, ctx: u64, index: u64) {
        if let Some(r) = self.reads.get_mut(&ctx) {
            r.index = Some(index);
        }
    }

    /// Ages reads by `ticks`; drops those older than `age_ticks_max` (their confirmation was lost).
    pub fn age_reads(&mut self, ticks: u64, age_ticks_max: u64) {
        self.reads.retain(|_, r| {
            r.age_ticks = r.age_ticks.saturating_add(ticks);
            r.age_ticks <= age_ticks_max
        });
    }

    /// Reads whose index is applied (`applied`), removed, with their requests.
    pub fn take_servable_reads(&mut self, applied: u64) -> Vec<(u64, Request)> {
        let ready: Vec<u64> =
            self.reads.iter().filter(|(_, r)| r.index.is_some_and(|i| i <= applied)).map(|(c, _)| *c).collect();
        ready.iter().filter_map(|ctx| self.reads.remove(ctx)).map(|r| (r.client, r.request)).collect()
    }

    /// The entry at `index` of `term` applied with `output`; answers its proposer if this node
    /// proposed exactly that entry. Everything at or below `index` is settled either way.
    pub fn applied(&mut self, index: u64, term: u64, output: Option<(RequestId, Reply)>) -> Option<Answer> {
        let waiting = self.proposals.split_off(&(index + 1));
        let done = std::mem::replace(&mut self.proposals, waiting);
        let p = done.get(&index)?;
        let (request, mut reply) = output?;
        if let Reply::Written { index: at, .. } = &mut reply {
            *at = index;
        }
        (p.term == term && p.request == request).then_some((p.client, request, reply))
    }

    /// Drops all pending work (leadership lost, or the state machine jumped by a snapshot).
    pub fn clear(&mut self) {
        self.proposals.clear();
        self.reads.clear();
    }
}
