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
const READ_DROPS_MAX: usize = 256;
/// Bound on quiescent points tried when anchoring.
const ANCHORS_MAX: usize = 16;

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

/// Step bounds for shrinking.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Bound on each search.
    pub per_search: u64,
    /// Bound on all of shrinking.
    pub total: u64,
}

/// Shrinking may always spend this many steps, however quick the verdict was.
pub(crate) const SHRINK_STEPS_MIN: u64 = 100_000;

impl Limits {
    /// Bounds for shrinking a failure whose verdict took `verdict_steps` of `budget`: the
    /// window costs at most about twice the verdict (so explaining a failure never dominates
    /// checking), and never more than twice the budget. Step counts, not time: deterministic.
    pub(crate) fn after_verdict(budget: u64, verdict_steps: u64) -> Self {
        let total = verdict_steps.saturating_mul(2).max(SHRINK_STEPS_MIN).min(budget.saturating_mul(2));
        Limits { per_search: budget, total }
    }
}

/// A failing (deepest, stuck) pair from a search.
type Proof = (Vec<usize>, Option<usize>);

/// Searches over subsets of one key's ops, sharing one step allowance.
struct Shrinker<'a, M: Model> {
    model: &'a M,
    ops: &'a [PrepOp<M::Op>],
    per_search: u64,
    left: Cell<u64>,
}

impl<M: Model> Shrinker<'_, M> {
    /// What the next search may spend.
    fn budget(&self) -> u64 {
        self.per_search.min(self.left.get())
    }

    /// Charge `used` steps to the shared allowance.
    fn charge(&self, used: u64) {
        self.left.set(self.left.get().saturating_sub(used));
    }

    /// Does `subset` (completions after `cut` treated as pending) fail from `init`? Running
    /// out of budget counts as "not shown to fail": the window must be a real witness.
    fn fails_from(&self, subset: &[usize], cut: usize, init: M::State) -> Option<Proof> {
        let budget = self.budget();
        if budget == 0 {
            return None;
        }
        let (r, used) = search_counted(self.model, &items(self.ops, subset, cut), init, budget);
        self.charge(used);
        match r {
            SearchResult::NotLinearizable { deepest, stuck } => Some((deepest, stuck)),
            _ => None,
        }
    }

    fn fails(&self, subset: &[usize], cut: usize) -> Option<Proof> {
        self.fails_from(subset, cut, self.model.init())
    }

    /// Ops invoked by `cut`.
    fn upto(&self, cut: usize) -> Vec<usize> {
        (0..self.ops.len()).filter(|&i| self.ops[i].call <= cut).collect()
    }

    fn is_read(&self, i: usize) -> bool {
        self.model.is_read_only(&self.ops[i].op)
    }
}

/// Shrink a partition already known to be non-linearizable, within `limits`. `full` is the
/// (deepest, stuck) pair of the search over all ops, used if shrinking can't re-establish the
/// failure within the budget.
pub(crate) fn shrink<M: Model>(model: &M, part: &Partition<M::Op>, limits: Limits, full: Proof) -> Shrunk<M::State> {
    let sh = Shrinker { model, ops: &part.ops, per_search: limits.per_search, left: Cell::new(limits.total) };
    let Some((cut, subset, proof)) = shortest_failing_prefix(&sh) else {
        // Budget trouble while shrinking: fall back to the whole key.
        let ops = (0..part.ops.len()).collect();
        return Shrunk { ops, cut: usize::MAX, start_states: Vec::new(), deepest: full.0, stuck: full.1 };
    };
    let (subset, proof) = drop_reads(&sh, cut, subset, proof);
    if let Some(anchored) = anchor(&sh, cut, &subset) {
        return anchored;
    }
    Shrunk { ops: subset, cut, start_states: Vec::new(), deepest: proof.0, stuck: proof.1 }
}

/// 1. The shortest failing prefix (only cuts at return events can change the verdict), by
/// binary search: the cut, the ops invoked by then, and the failing search's result.
fn shortest_failing_prefix<M: Model>(sh: &Shrinker<'_, M>) -> Option<(usize, Vec<usize>, Proof)> {
    let mut rets: Vec<usize> = sh.ops.iter().filter_map(|o| o.ret).collect();
    rets.sort_unstable();
    let (mut lo, mut hi) = (0usize, rets.len().saturating_sub(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if sh.fails(&sh.upto(rets[mid]), rets[mid]).is_some() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let cut = rets.get(lo).copied().unwrap_or(usize::MAX);
    let subset = sh.upto(cut);
    let proof = sh.fails(&subset, cut)?;
    Some((cut, subset, proof))
}

/// 2. Drop reads: optional ones are no-ops outright; completed ones in halving chunks. `proof`
/// always belongs to the returned subset, so running out of budget never loses the witness.
fn drop_reads<M: Model>(
    sh: &Shrinker<'_, M>,
    cut: usize,
    mut subset: Vec<usize>,
    mut proof: Proof,
) -> (Vec<usize>, Proof) {
    let optional_read = |i: usize| sh.is_read(i) && sh.ops[i].ret.is_none_or(|r| r > cut);
    if subset.iter().any(|&i| optional_read(i)) {
        let without: Vec<usize> = subset.iter().copied().filter(|&i| !optional_read(i)).collect();
        if let Some(p) = sh.fails(&without, cut) {
            subset = without;
            proof = p;
        }
    }
    let mut reads: Vec<usize> = subset.iter().copied().filter(|&i| sh.is_read(i)).collect();
    let mut chunk = reads.len();
    let mut attempts = 0;
    while chunk >= 1 && attempts < READ_DROPS_MAX {
        let mut at = 0;
        while at < reads.len() && attempts < READ_DROPS_MAX {
            attempts += 1;
            let end = (at + chunk).min(reads.len());
            let group = &reads[at..end];
            let without: Vec<usize> = subset.iter().copied().filter(|i| !group.contains(i)).collect();
            if let Some(p) = sh.fails(&without, cut) {
                subset = without;
                proof = p;
                reads.drain(at..end);
            } else {
                at += chunk;
            }
        }
        chunk /= 2;
    }
    (subset, proof)
}

/// 3. Anchor at the latest quiescent point that still leaves a failing suffix. Quiescent
/// means every *returned* op before T returned before T; optional (info) ops invoked before T
/// may still take effect after it, so they are carried into the window as optional ops.
/// Carrying all of them (even ones the prefix may have used) only makes the window easier to
/// linearize, so a failure of the window still proves the whole fails.
fn anchor<M: Model>(sh: &Shrinker<'_, M>, cut: usize, subset: &[usize]) -> Option<Shrunk<M::State>> {
    let returned = |i: usize| sh.ops[i].ret.filter(|&r| r <= cut);
    let mut quiescent = Vec::new();
    let mut max_ret = 0usize;
    for (k, &i) in subset.iter().enumerate() {
        if k > 0 && max_ret < sh.ops[i].call {
            quiescent.push(k);
        }
        if let Some(r) = returned(i) {
            max_ret = max_ret.max(r);
        }
    }
    for &k in quiescent.iter().rev().take(ANCHORS_MAX) {
        let (before, after) = subset.split_at(k);
        let mut window: Vec<usize> = before.iter().copied().filter(|&i| returned(i).is_none()).collect();
        window.extend_from_slice(after);
        let (states, used) = final_states(sh.model, &items(sh.ops, before, cut), sh.model.init(), sh.budget());
        sh.charge(used);
        let Some(states) = states else { continue };
        if let Some((deepest, stuck)) = fails_from_all(sh, &window, cut, &states) {
            return Some(Shrunk { ops: window, cut, start_states: states, deepest, stuck });
        }
    }
    None
}

/// The first state's proof if `window` fails from every one of `states` (and there are some).
fn fails_from_all<M: Model>(sh: &Shrinker<'_, M>, window: &[usize], cut: usize, states: &[M::State]) -> Option<Proof> {
    let mut first = None;
    for s in states {
        let proof = sh.fails_from(window, cut, s.clone())?;
        first.get_or_insert(proof);
    }
    first
}
