//! Shrink a non-linearizable key's history to a small failing window.
//!
//! Only sound reductions are used, so the window (with its start states) is itself
//! non-linearizable and therefore a witness for the whole history:
//! 1. the shortest failing prefix (linearizability is prefix-closed: an op whose completion
//!    lies past the cut becomes optional, exactly like an info op), found by binary search;
//! 2. dropping reads, in halving chunks, while the rest still fails (a read changes no state,
//!    so any linearization of the full set restricts to one of the smaller set);
//! 3. anchoring: at a quiescent point T (every earlier returned op returned before T) those
//!    ops precede all ops after T in any linearization, so if the ops after T (plus earlier
//!    info ops, which may still take effect) fail from *every* state the ops before T can end
//!    in, that window plus those start states suffices.
use super::prepare::{Partition, PrepOp};
use std::cell::Cell;

use super::search::{final_states, search_counted, Item, SearchResult};
use crate::check::models::Model;

/// Bound on read-removal attempts, so shrinking a huge failing key stays cheap.
const MAX_READ_DROPS: usize = 256;
/// Bound on quiescent points tried when anchoring.
const MAX_ANCHORS: usize = 16;

/// The shrunk failure: which ops, where the history was cut, and the deepest partial order.
#[derive(Clone, Debug)]
pub(crate) struct Shrunk<S> {
    /// Indices into the partition's ops, in invoke order.
    pub ops: Vec<usize>,
    /// Event position of the cut: completions after it are treated as not yet returned.
    pub cut: usize,
    /// The states the window may start in (empty: the model's initial state).
    pub start_states: Vec<S>,
    /// Longest partial linearization found, as indices into `ops`.
    pub deepest: Vec<usize>,
    /// The op (index into `ops`) that could not be placed next.
    pub stuck: Option<usize>,
}

fn items<'a, O>(ops: &'a [PrepOp<O>], subset: &[usize], cut: usize) -> Vec<Item<'a, O>> {
    subset
        .iter()
        .map(|&i| {
            let o = &ops[i];
            Item { op: &o.op, call: o.call, ret: o.ret.filter(|&r| r <= cut) }
        })
        .collect()
}

/// Shrink a partition already known to be non-linearizable. `steps` bounds each search and
/// twice that bounds all of shrinking. `full` is the (deepest, stuck) pair of the search over
/// all ops, used if shrinking can't re-establish the failure within the budget.
pub(crate) fn shrink<M: Model>(
    model: &M,
    part: &Partition<M::Op>,
    steps: u64,
    full: (Vec<usize>, Option<usize>),
) -> Shrunk<M::State> {
    let ops = &part.ops;
    let left = Cell::new(steps.saturating_mul(2));
    let fails_from = |subset: &[usize], cut: usize, init: M::State| -> Option<(Vec<usize>, Option<usize>)> {
        let budget = steps.min(left.get());
        if budget == 0 {
            return None;
        }
        let (r, used) = search_counted(model, &items(ops, subset, cut), init, budget);
        left.set(left.get().saturating_sub(used));
        match r {
            SearchResult::NotLinearizable { deepest, stuck } => Some((deepest, stuck)),
            // Inconclusive counts as "not shown to fail": the window must be a real witness.
            _ => None,
        }
    };
    let fails = |subset: &[usize], cut: usize| fails_from(subset, cut, model.init());
    let upto = |cut: usize| -> Vec<usize> { (0..ops.len()).filter(|&i| ops[i].call <= cut).collect() };

    // 1. Shortest failing prefix; only cuts at return events can change the verdict.
    let mut rets: Vec<usize> = ops.iter().filter_map(|o| o.ret).collect();
    rets.sort_unstable();
    let (mut lo, mut hi) = (0usize, rets.len().saturating_sub(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(&upto(rets[mid]), rets[mid]).is_some() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let cut = rets.get(lo).copied().unwrap_or(usize::MAX);
    let mut subset = upto(cut);
    // `proof` is the search result for the current `subset`, kept so running out of budget
    // later never loses the witness.
    let Some(mut proof) = fails(&subset, cut) else {
        // Budget trouble while shrinking: fall back to the whole key.
        return Shrunk {
            ops: (0..ops.len()).collect(),
            cut: usize::MAX,
            start_states: Vec::new(),
            deepest: full.0,
            stuck: full.1,
        };
    };

    // 2. Drop reads: optional ones are no-ops outright; completed ones in halving chunks.
    let optional_read = |i: usize| model.is_read_only(&ops[i].op) && ops[i].ret.is_none_or(|r| r > cut);
    if subset.iter().any(|&i| optional_read(i)) {
        let without: Vec<usize> = subset.iter().copied().filter(|&i| !optional_read(i)).collect();
        if let Some(p) = fails(&without, cut) {
            subset = without;
            proof = p;
        }
    }
    let mut reads: Vec<usize> = subset.iter().copied().filter(|&i| model.is_read_only(&ops[i].op)).collect();
    let mut chunk = reads.len();
    let mut attempts = 0;
    while chunk >= 1 && attempts < MAX_READ_DROPS {
        let mut at = 0;
        while at < reads.len() && attempts < MAX_READ_DROPS {
            attempts += 1;
            let group = &reads[at..(at + chunk).min(reads.len())];
            let without: Vec<usize> = subset.iter().copied().filter(|i| !group.contains(i)).collect();
            if let Some(p) = fails(&without, cut) {
                subset = without;
                proof = p;
                reads.drain(at..(at + chunk).min(reads.len()));
            } else {
                at += chunk;
            }
        }
        chunk /= 2;
    }

    // 3. Anchor at the latest quiescent point that still leaves a failing suffix. Quiescent
    // means every *returned* op before T returned before T; optional (info) ops invoked
    // before T may still take effect after it, so they are carried into the window as
    // optional ops. Carrying all of them (even ones the prefix may have used) only makes the
    // window easier to linearize, so a failure of the window still proves the whole fails.
    let returned = |i: usize| ops[i].ret.filter(|&r| r <= cut);
    let mut quiescent = Vec::new();
    let mut max_ret = 0usize;
    for (k, &i) in subset.iter().enumerate() {
        if k > 0 && max_ret < ops[i].call {
            quiescent.push(k);
        }
        if let Some(r) = returned(i) {
            max_ret = max_ret.max(r);
        }
    }
    for &k in quiescent.iter().rev().take(MAX_ANCHORS) {
        let (before, after) = subset.split_at(k);
        let mut window: Vec<usize> = before.iter().copied().filter(|&i| returned(i).is_none()).collect();
        window.extend_from_slice(after);
        let budget = steps.min(left.get());
        let (states, used) = final_states(model, &items(ops, before, cut), model.init(), budget);
        left.set(left.get().saturating_sub(used));
        let Some(states) = states else { continue };
        let mut first = None;
        let all_fail = !states.is_empty()
            && states.iter().all(|s| match fails_from(&window, cut, s.clone()) {
                Some(r) => {
                    first.get_or_insert(r);
                    true
                }
                None => false,
            });
        if let (true, Some((deepest, stuck))) = (all_fail, first) {
            return Shrunk { ops: window, cut, start_states: states, deepest, stuck };
        }
    }

    Shrunk { ops: subset, cut, start_states: Vec::new(), deepest: proof.0, stuck: proof.1 }
}
