//! The Wing–Gong–Lowe search (Lowe, "Testing for linearizability", 2017; as in Porcupine).
//!
//! Call and return entries sit in a doubly linked list in history order. The search walks it:
//! at a call entry it tries to linearize that op next (step the model, lift the op's entries
//! out of the list); at a return entry nothing more can go before that op, so it backtracks.
//! A memo of (set of linearized ops, model state) prunes configurations already explored.
//! Ops without a return entry (info / pending) are optional: success needs only every op that
//! has a return entry to be linearized; the rest may happen later or never.
use std::collections::{HashMap, HashSet};

use crate::check::models::Model;
use rustc_hash::FxBuildHasher as FxBuild;

/// An op as the search sees it; `call`/`ret` are positions in the history (distinct).
pub(crate) struct Item<'a, O> {
    /// The parsed op.
    pub op: &'a O,
    /// Invoke position.
    pub call: usize,
    /// Return position; `None`: optional, may take effect any time after `call` or never.
    pub ret: Option<usize>,
}

/// What the search concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SearchResult {
    /// Some order of the ops satisfies the model.
    Linearizable,
    /// No order works. `deepest` is the longest partial linearization reached (item indices in
    /// order) and `stuck` the op whose return blocked extending it.
    NotLinearizable { deepest: Vec<usize>, stuck: Option<usize> },
    /// The step budget ran out first.
    Exhausted { steps: u64, best_depth: usize },
}

/// How the core loop ended.
enum Core {
    /// `on_complete` asked to stop.
    Stopped,
    /// Every configuration was explored.
    Done { deepest: Vec<usize>, stuck: Option<usize> },
    /// Out of steps.
    Exhausted { best_depth: usize },
}

const NIL: usize = usize::MAX;

/// (mandatory ops linearized, state) -> sets of optional ops linearized that were explored.
type Memo<S> = HashMap<(Vec<u64>, S), Vec<Vec<u64>>, FxBuild>;

/// Is there an order of `items`, starting from `init`? At most `max_steps` loop iterations.
pub(crate) fn search<M: Model>(model: &M, items: &[Item<'_, M::Op>], init: M::State, max_steps: u64) -> SearchResult {
    search_counted(model, items, init, max_steps).0
}

/// `search`, also returning the number of steps it took.
pub(crate) fn search_counted<M: Model>(
    model: &M,
    items: &[Item<'_, M::Op>],
    init: M::State,
    max_steps: u64,
) -> (SearchResult, u64) {
    let (core, steps) = core(model, items, init, max_steps, |_| true);
    let r = match core {
        Core::Stopped => SearchResult::Linearizable,
        Core::Done { deepest, stuck } => SearchResult::NotLinearizable { deepest, stuck },
        Core::Exhausted { best_depth } => SearchResult::Exhausted { steps: max_steps, best_depth },
    };
    (r, steps)
}

/// Every state some complete linearization of `items` can end in (in discovery order, no
/// duplicates), or `None` if the budget ran out; plus the steps taken. A state is recorded the moment every
/// mandatory op is linearized; optional ops may or may not have been used by then.
pub(crate) fn final_states<M: Model>(
    model: &M,
    items: &[Item<'_, M::Op>],
    init: M::State,
    max_steps: u64,
) -> (Option<Vec<M::State>>, u64) {
    let mut seen: HashSet<M::State, FxBuild> = HashSet::default();
    let mut out = Vec::new();
    let (r, used) = core(model, items, init, max_steps, |s| {
        if seen.insert(s.clone()) {
            out.push(s.clone());
        }
        false
    });
    match r {
        Core::Exhausted { .. } => (None, used),
        _ => (Some(out), used),
    }
}

/// The search loop; also returns the steps taken. `on_complete` is called with the state
/// whenever every mandatory op is linearized; returning true stops, false backtracks.
fn core<M: Model>(
    model: &M,
    items: &[Item<'_, M::Op>],
    init: M::State,
    max_steps: u64,
    mut on_complete: impl FnMut(&M::State) -> bool,
) -> (Core, u64) {
    let n = items.len();
    // Entries: (time, is_return, op). Node 0 is the list head; node k+1 is entries[k].
    let mut entries: Vec<(usize, bool, usize)> = Vec::with_capacity(2 * n);
    for (i, it) in items.iter().enumerate() {
        entries.push((it.call, false, i));
        if let Some(r) = it.ret {
            entries.push((r, true, i));
        }
    }
    entries.sort_unstable();
    let m = entries.len();
    let mut next: Vec<usize> = (1..=m + 1).collect();
    next[m] = NIL;
    let mut prev: Vec<usize> = (0..=m).map(|k| k.wrapping_sub(1)).collect();
    prev[0] = NIL;
    let mut call_node = vec![NIL; n];
    let mut ret_node = vec![NIL; n];
    for (k, &(_, is_ret, op)) in entries.iter().enumerate() {
        if is_ret {
            ret_node[op] = k + 1;
        } else {
            call_node[op] = k + 1;
        }
    }
    let total_mandatory = items.iter().filter(|it| it.ret.is_some()).count();

    let remove = |next: &mut Vec<usize>, prev: &mut Vec<usize>, node: usize| {
        let (p, q) = (prev[node], next[node]);
        next[p] = q;
        if q != NIL {
            prev[q] = p;
        }
    };
    let restore = |next: &mut Vec<usize>, prev: &mut Vec<usize>, node: usize| {
        let (p, q) = (prev[node], next[node]);
        next[p] = node;
        if q != NIL {
            prev[q] = node;
        }
    };

    let words = n.div_ceil(64).max(1);
    let optional: Vec<bool> = items.iter().map(|it| it.ret.is_none()).collect();
    let has_optional = optional.iter().any(|&o| o);
    // Linearized ops, split: mandatory ones in `mbits`, optional ones in `obits`.
    let mut mbits = vec![0u64; words];
    let mut obits = if has_optional { vec![0u64; words] } else { Vec::new() };
    // Memo with subsumption: (mandatory set, state) -> optional sets already explored. A new
    // configuration whose optional set is a superset of an explored one is subsumed: having
    // used *fewer* optional ops leaves strictly more freedom (they may happen later or never).
    let mut memo: Memo<M::State> = HashMap::default();
    let mut state = init;
    let mut stack: Vec<(usize, M::State)> = Vec::new();
    let mut linearized_mandatory = 0usize;
    let mut best: Option<(Vec<usize>, Option<usize>)> = None;
    let mut entry = next[0];
    let mut steps = 0u64;

    loop {
        steps += 1;
        if steps > max_steps {
            return (Core::Exhausted { best_depth: best.map_or(0, |b| b.0.len()) }, max_steps);
        }
        let complete = linearized_mandatory == total_mandatory;
        if complete && on_complete(&state) {
            return (Core::Stopped, steps);
        }
        let at = if entry == NIL || complete { None } else { Some(entries[entry - 1]) };
        match at {
            Some((_, false, i)) => {
                if let Some(s2) = model.step(&state, items[i].op) {
                    let bits = if optional[i] { &mut obits } else { &mut mbits };
                    bits[i / 64] |= 1 << (i % 64);
                    if memo_insert(&mut memo, &mbits, &obits, &s2) {
                        stack.push((i, std::mem::replace(&mut state, s2)));
                        remove(&mut next, &mut prev, call_node[i]);
                        if ret_node[i] != NIL {
                            remove(&mut next, &mut prev, ret_node[i]);
                            linearized_mandatory += 1;
                        }
                        entry = next[0];
                        continue;
                    }
                    let bits = if optional[i] { &mut obits } else { &mut mbits };
                    bits[i / 64] &= !(1 << (i % 64));
                }
                entry = next[entry];
            }
            blocked => {
                // A return entry, the end of the list, or a completed order being passed over:
                // nothing more can be tried from here, so undo the last choice.
                if !complete {
                    let stuck = blocked.map(|(_, _, i)| i);
                    if best.as_ref().is_none_or(|b| stack.len() > b.0.len()) {
                        best = Some((stack.iter().map(|(i, _)| *i).collect(), stuck));
                    }
                }
                let Some((j, s)) = stack.pop() else {
                    let (deepest, stuck) = best.unwrap_or_default();
                    return (Core::Done { deepest, stuck }, steps);
                };
                state = s;
                let bits = if optional[j] { &mut obits } else { &mut mbits };
                bits[j / 64] &= !(1 << (j % 64));
                // Restore in reverse order of removal so the dancing links stay consistent.
                if ret_node[j] != NIL {
                    restore(&mut next, &mut prev, ret_node[j]);
                    linearized_mandatory -= 1;
                }
                restore(&mut next, &mut prev, call_node[j]);
                entry = next[call_node[j]];
            }
        }
    }
}

/// Record a configuration unless an explored one subsumes it; true if it is new.
fn memo_insert<S: Clone + Eq + std::hash::Hash>(memo: &mut Memo<S>, mbits: &[u64], obits: &[u64], state: &S) -> bool {
    let subset = |a: &[u64], b: &[u64]| a.iter().zip(b).all(|(x, y)| x & !y == 0);
    let seen = memo.entry((mbits.to_vec(), state.clone())).or_default();
    if seen.iter().any(|o| subset(o, obits)) {
        return false;
    }
    // Drop explored supersets: the new, smaller set subsumes them from now on.
    seen.retain(|o| !subset(obits, o));
    seen.push(obits.to_vec());
    true
}
