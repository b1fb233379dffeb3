//! The Wing–Gong–Lowe search (Lowe, "Testing for linearizability", 2017; as in Porcupine).
//!
//! Call and return entries sit in a doubly linked list in history order. The search walks it:
//! at a call entry it tries to linearize that op next (step the model, lift the op's entries
//! out of the list); at a return entry nothing more can go before that op, so it backtracks.
//! A memo of (set of linearized ops, model state) prunes configurations already explored.
//! Ops without a return entry (info / pending) are optional: success needs only every op that
//! has a return entry to be linearized; the rest may happen later or never.
use std::collections::HashSet;

use super::links::{At, Links};
use super::memo::{Memo, OpSet};
use super::states::{StateId, States};
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

/// Is there an order of `items`, starting from `init`? At most `steps_max` loop iterations;
/// also returns the number of steps taken.
pub(crate) fn search_counted<M: Model>(
    model: &M,
    items: &[Item<'_, M::Op>],
    init: M::State,
    steps_max: u64,
) -> (SearchResult, u64) {
    let (core, steps) = core(model, items, init, steps_max, |_| true);
    (verdict_of(core, steps_max), steps)
}

fn verdict_of(core: Core, steps_max: u64) -> SearchResult {
    match core {
        Core::Stopped => SearchResult::Linearizable,
        Core::Done { deepest, stuck } => SearchResult::NotLinearizable { deepest, stuck },
        Core::Exhausted { best_depth } => SearchResult::Exhausted { steps: steps_max, best_depth },
    }
}

/// Every state some complete linearization of `items` can end in (in discovery order, no
/// duplicates), or `None` if the budget ran out; plus the steps taken. A state is recorded the moment every
/// mandatory op is linearized; optional ops may or may not have been used by then.
pub(crate) fn final_states<M: Model>(
    model: &M,
    items: &[Item<'_, M::Op>],
    init: M::State,
    steps_max: u64,
) -> (Option<Vec<M::State>>, u64) {
    let mut seen: HashSet<M::State, FxBuild> = HashSet::default();
    let mut out = Vec::new();
    let (r, used) = core(model, items, init, steps_max, |s| {
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

/// Where the search stands: the list, the linearized sets, the current state and the stack.
/// States are interned ids (`States`), so the memo and the stack hold words, not states.
struct Walk<S> {
    links: Links,
    optional: Vec<bool>,
    /// Linearized mandatory ops (those with a return entry) and optional ones.
    mandatory: OpSet,
    optionals: OpSet,
    memo: Memo<StateId>,
    states: States<S>,
    state: StateId,
    /// Linearized ops in order, with the state before each.
    stack: Vec<(usize, StateId)>,
    mandatory_done: usize,
    mandatory_total: usize,
    /// Longest partial order reached and the op that blocked it.
    best: Option<(Vec<usize>, Option<usize>)>,
}

impl<S: Clone + Eq + std::hash::Hash> Walk<S> {
    fn new<O>(items: &[Item<'_, O>], init: S) -> Self {
        let n = items.len();
        let optional: Vec<bool> = items.iter().map(|it| it.ret.is_none()).collect();
        let mandatory = OpSet::new(n);
        let optionals = OpSet::new(if optional.contains(&true) { n } else { 0 });
        let memo = Memo::new(&mandatory, &optionals);
        let mandatory_total = optional.iter().filter(|&&o| !o).count();
        let links = Links::new(items);
        Walk {
            links,
            optional,
            mandatory,
            optionals,
            memo,
            states: States::new(init),
            state: 0,
            stack: Vec::new(),
            mandatory_done: 0,
            mandatory_total,
            best: None,
        }
    }

    fn set_of(&mut self, op: usize) -> &mut OpSet {
        if self.optional[op] {
            &mut self.optionals
        } else {
            &mut self.mandatory
        }
    }

    /// Linearize `op` next, moving to `next` (its state after `op`), unless that configuration
    /// was explored already.
    fn try_lift(&mut self, op: usize, next: StateId) -> bool {
        self.set_of(op).insert(op);
        if !self.memo.insert(&self.mandatory, &self.optionals, &next, id_hash(next)) {
            self.set_of(op).remove(op);
            return false;
        }
        let prev = std::mem::replace(&mut self.state, next);
        self.stack.push((op, prev));
        self.links.lift(op);
        self.mandatory_done += usize::from(!self.optional[op]);
        true
    }

    /// Undo the last choice; the op undone, or `None` when nothing is left to undo.
    fn backtrack(&mut self) -> Option<usize> {
        let (op, state) = self.stack.pop()?;
        self.state = state;
        self.set_of(op).remove(op);
        self.links.unlift(op);
        self.mandatory_done -= usize::from(!self.optional[op]);
        Some(op)
    }

    /// Remember the current partial order if it is the longest so far.
    fn note_depth(&mut self, stuck: Option<usize>) {
        if self.best.as_ref().is_none_or(|b| self.stack.len() > b.0.len()) {
            self.best = Some((self.stack.iter().map(|(i, _)| *i).collect(), stuck));
        }
    }
}

/// The memo's hash of a state id (ids are dense, so spread them over the word).
fn id_hash(id: StateId) -> u64 {
    u64::from(id).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The search loop; also returns the steps taken. `on_complete` is called with the state
/// whenever every mandatory op is linearized; returning true stops, false backtracks.
fn core<M: Model>(
    model: &M,
    items: &[Item<'_, M::Op>],
    init: M::State,
    steps_max: u64,
    mut on_complete: impl FnMut(&M::State) -> bool,
) -> (Core, u64) {
    let mut search = Resumable::new(items, init, steps_max);
    loop {
        if let Some(core) = search.resume(model, u64::MAX, &mut on_complete) {
            return (core, search.steps);
        }
    }
}

/// A search that runs in slices of steps, so the keys of a history can take turns and the
/// first to fail ends the check early (as Porcupine's parallel partitions do), while the
/// schedule, being counted in steps, stays deterministic.
pub(crate) struct Resumable<'i, 'o, M: Model> {
    items: &'i [Item<'o, M::Op>],
    walk: Walk<M::State>,
    node: super::links::Node,
    steps: u64,
    steps_max: u64,
}

impl<'i, 'o, M: Model> Resumable<'i, 'o, M> {
    /// A search of `items` from `init`, of at most `steps_max` steps in all.
    pub(crate) fn new(items: &'i [Item<'o, M::Op>], init: M::State, steps_max: u64) -> Self {
        let walk = Walk::new(items, init);
        let node = walk.links.first();
        // The memo holds at most one entry per step; keep its ids within u32.
        let steps_max = steps_max.min(u64::from(u32::MAX - 1));
        Resumable { items, walk, node, steps: 0, steps_max }
    }

    /// Steps taken so far.
    pub(crate) fn steps(&self) -> u64 {
        self.steps
    }

    /// Run the verdict search for up to `slice` more steps; its result once it has ended.
    pub(crate) fn verdict(&mut self, model: &M, slice: u64) -> Option<SearchResult> {
        self.resume(model, slice, &mut |_| true).map(|core| verdict_of(core, self.steps_max))
    }

    /// Run up to `slice` more steps; how the search ended, once it has.
    fn resume(&mut self, model: &M, slice: u64, on_complete: &mut impl FnMut(&M::State) -> bool) -> Option<Core> {
        let walk = &mut self.walk;
        let stop = self.steps.saturating_add(slice);
        loop {
            if self.steps >= stop {
                return None;
            }
            self.steps += 1;
            if self.steps > self.steps_max {
                self.steps = self.steps_max;
                return Some(Core::Exhausted { best_depth: walk.best.as_ref().map_or(0, |b| b.0.len()) });
            }
            let complete = walk.mandatory_done == walk.mandatory_total;
            if complete && on_complete(walk.states.get(walk.state)) {
                return Some(Core::Stopped);
            }
            let at = if complete { At::End } else { walk.links.at(self.node) };
            if let At::Call(op) = at {
                let lifted = match walk.states.step(model, walk.state, op, self.items[op].op) {
                    Some(next) => walk.try_lift(op, next),
                    None => false,
                };
                self.node = if lifted { walk.links.first() } else { walk.links.after(self.node) };
                continue;
            }
            // A return entry, the end of the list, or a completed order being passed over:
            // nothing more can be tried from here, so undo the last choice.
            if !complete {
                walk.note_depth(match at {
                    At::Return(op) => Some(op),
                    _ => None,
                });
            }
            let Some(op) = walk.backtrack() else {
                let (deepest, stuck) = walk.best.take().unwrap_or_default();
                return Some(Core::Done { deepest, stuck });
            };
            self.node = walk.links.after_call(op);
        }
    }
}
