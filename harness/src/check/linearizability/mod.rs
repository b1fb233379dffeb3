//! Linearizability checker: Wing–Gong–Lowe search with memoisation and P-compositionality.
//!
//! The history is split into operations (invoke paired with completion by process), `fail`
//! ops are dropped, `info` ops may take effect any time after their invoke or never, and each
//! key is searched independently. A failure is shrunk to a small window of ops that still
//! cannot be linearized, which `render_timeline_html` draws.
#![warn(missing_docs)]
mod links;
mod load;
mod memo;
mod prepare;
mod search;
mod states;
mod synth;
mod timeline;
mod window;

#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::Value;

use self::prepare::{prepare, Partition};
use self::search::{Item, Resumable, SearchResult};
use super::models::{CasRegister, Follow, Kv, Model, ModelKind, Register};
use super::CheckResult;
use crate::history::{Event, EventKind, History, HistoryFile, InputError};

pub(crate) use load::read_for_model;
pub use load::{check_file, load_history};
pub use synth::{synthetic_history, SynthSpec};
pub use timeline::render_timeline_html;

/// Stable checker name used in `results.json`.
pub const CHECKER_NAME: &str = "linearizability";

/// Limits on the search, so a pathological history ends as `Inconclusive` instead of hanging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Search steps allowed per key (each step is one list move, model step or backtrack;
    /// also bounds the memo to at most this many entries). Deterministic, unlike a timeout.
    /// Shrinking a failure to a small window may spend up to twice this again, and at most
    /// twice what the verdict took (or `window::SHRINK_STEPS_MIN`, if more).
    pub steps_per_key_max: u64,
}

impl Budget {
    /// A budget of `n` steps per key.
    pub fn steps(n: u64) -> Self {
        Self { steps_per_key_max: n }
    }
}

impl Default for Budget {
    /// 5 million steps per key: well under a second and a few hundred MB of memo at worst.
    fn default() -> Self {
        Self::steps(5_000_000)
    }
}

/// One operation of a failing window, with what the report needs to draw and describe it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowOp {
    /// Client process.
    pub process: u64,
    /// Operation name.
    pub f: String,
    /// Invoke value.
    pub input: Value,
    /// Result value for `ok` ops; `None` for info or pending ops.
    pub output: Option<Value>,
    /// `Ok`, or `Info` for ops whose outcome is unknown (including ones that never completed).
    pub kind: EventKind,
    /// `index` of the invoke event.
    pub invoke_index: u64,
    /// `index` of the completion event, if any.
    pub complete_index: Option<u64>,
    /// Time of the invoke event (µs).
    pub invoke_time_us: u64,
    /// Time of the completion event (µs), if any.
    pub complete_time_us: Option<u64>,
    /// Position of the invoke event in the checked history.
    pub invoke_pos: usize,
    /// Position of the completion event in the checked history, if any.
    pub complete_pos: Option<usize>,
    /// The op completed only after the failure point, so the window treats it as still running.
    pub after_cut: bool,
    /// Node that served it, when known.
    pub node: Option<String>,
}

impl WindowOp {
    /// One-line description, e.g. `p2 read(null) → 3 [#17–#19]`.
    pub fn describe(&self) -> String {
        let out = match (&self.output, self.kind) {
            (Some(v), _) => format!(" → {}", short(v)),
            (None, _) if self.complete_pos.is_some() => " → info".to_string(),
            (None, _) => " → pending".to_string(),
        };
        let span = match self.complete_index {
            Some(c) => format!("#{}–#{}", self.invoke_index, c),
            None => format!("#{}–", self.invoke_index),
        };
        format!("p{} {}({}){} [{}]", self.process, self.f, short(&self.input), out, span)
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// A small set of ops on one key that cannot be linearized (a witness for the whole history).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailingWindow {
    /// Model name.
    pub model: String,
    /// The key, for keyed histories.
    pub key: Option<Value>,
    /// States the window may start in: every state the ops before it can end in (all earlier
    /// ops returned before the window's first invoke). Empty: the model's initial state.
    pub start_states: Vec<Value>,
    /// The ops, in invoke order.
    pub ops: Vec<WindowOp>,
    /// Longest order of window ops the search could justify (indices into `ops`).
    pub linearized: Vec<usize>,
    /// The op (index into `ops`) that could not be placed after `linearized`.
    pub stuck: Option<usize>,
}

impl FailingWindow {
    /// Human summary: which key, how many ops, what was ordered and which op got stuck.
    pub fn describe(&self) -> String {
        let key = self.key.as_ref().map(|k| format!(" on key {}", short(k))).unwrap_or_default();
        let mut s = format!("not linearizable ({} model){key}: {} op(s) cannot be ordered", self.model, self.ops.len());
        if !self.start_states.is_empty() {
            let st: Vec<String> = self.start_states.iter().map(short).collect();
            s.push_str(&format!(" from state {}", st.join(" or ")));
        }
        if let Some(st) = self.stuck.and_then(|i| self.ops.get(i)) {
            s.push_str(&format!("; stuck at {}", st.describe()));
        }
        if !self.linearized.is_empty() {
            let order: Vec<String> =
                self.linearized.iter().filter_map(|&i| self.ops.get(i)).map(WindowOp::describe).collect();
            s.push_str(&format!(" after {}", order.join(", ")));
        }
        s
    }
}

/// The verdict of the linearizability checker.
#[derive(Clone, Debug, PartialEq)]
pub enum LinearizabilityResult {
    /// Every key's history has a linearization.
    Linearizable {
        /// Operations checked (after dropping failed ops and unknown reads).
        ops: usize,
        /// Number of keys (1 for single-object histories).
        keys: usize,
    },
    /// Some key's history has none; the window is the smallest failing set found.
    NotLinearizable(FailingWindow),
    /// The budget ran out on a key before a verdict (no key was found non-linearizable).
    Inconclusive {
        /// The first key (in key order) that ran out.
        key: Option<Value>,
        /// Why, in words.
        reason: String,
    },
    /// The history cannot be interpreted by the model (bad op, unmatched completion, ...).
    InvalidInput(InputError),
}

/// Where events came from, for error messages.
pub(crate) struct Source<'a> {
    /// File name or label.
    pub file: &'a str,
    /// The events.
    pub events: &'a [Event],
    /// Source line per event; `None`: lines are 1-based positions.
    pub lines: Option<&'a [usize]>,
}

impl Source<'_> {
    /// Line of the event at `pos`.
    pub fn line_of(&self, pos: usize) -> usize {
        match self.lines {
            Some(l) => l.get(pos).copied().unwrap_or(0),
            None => pos + 1,
        }
    }
}

/// Check an in-memory history (e.g. one just recorded). Input errors name event positions.
pub fn check_history(model: ModelKind, history: &History, budget: Budget) -> LinearizabilityResult {
    check_source(model, &Source { file: "<history>", events: history, lines: None }, budget)
}

/// Check a history read from a file; input errors name the file's lines.
pub fn check_history_file(model: ModelKind, history: &HistoryFile, budget: Budget) -> LinearizabilityResult {
    check_source(model, &file_source(history), budget)
}

/// Check a history against any `Model`, including one defined outside this crate; reports
/// name it by `Model::name`. For an in-memory history use `HistoryFile::from_history`.
pub fn check_with_model<M: Model>(model: &M, history: &HistoryFile, budget: Budget) -> LinearizabilityResult {
    run(model, &file_source(history), budget)
}

/// Check an in-memory history against any [`Model`], a user's own included.
pub fn check_with<M: Model>(model: &M, history: &History, budget: Budget) -> LinearizabilityResult {
    run(model, &Source { file: "history", events: history, lines: None }, budget)
}

fn file_source(history: &HistoryFile) -> Source<'_> {
    Source { file: &history.file, events: &history.events, lines: Some(&history.lines) }
}

fn check_source(model: ModelKind, src: &Source<'_>, budget: Budget) -> LinearizabilityResult {
    match model {
        ModelKind::Register => run(&Register, src, budget),
        ModelKind::CasRegister => run(&CasRegister, src, budget),
        ModelKind::Kv => run(&Kv, src, budget),
        ModelKind::Follow => run(&Follow, src, budget),
    }
}

/// Steps each key's search runs before the next key takes its turn.
const SLICE_STEPS: u64 = 20_000;

/// Search every key, the keys taking turns in slices of steps (in key order); the first to
/// be found non-linearizable is shrunk and reported. Deterministic: the schedule counts steps.
fn run<M: Model>(model: &M, src: &Source<'_>, budget: Budget) -> LinearizabilityResult {
    let parts = match prepare(model, src) {
        Ok(p) => p,
        Err(e) => return LinearizabilityResult::InvalidInput(e),
    };
    let items: Vec<Vec<Item<'_, M::Op>>> = parts
        .iter()
        .map(|part| part.ops.iter().map(|o| Item { op: &o.op, call: o.call, ret: o.ret }).collect())
        .collect();
    let mut searches: Vec<Option<Resumable<'_, '_, M>>> =
        items.iter().map(|it| Some(Resumable::new(it, model.init(), budget.steps_per_key_max))).collect();
    // Per key, why its search ran out of budget.
    let mut exhausted: Vec<Option<String>> = vec![None; parts.len()];
    while searches.iter().any(Option::is_some) {
        for (k, slot) in searches.iter_mut().enumerate() {
            let Some(search) = slot else { continue };
            let Some(result) = search.verdict(model, SLICE_STEPS) else { continue };
            let used = search.steps();
            *slot = None;
            match result {
                SearchResult::Linearizable => {}
                SearchResult::NotLinearizable { deepest, stuck } => {
                    let part = &parts[k];
                    let limits = window::Limits::after_verdict(budget.steps_per_key_max, used);
                    let shrunk = window::shrink(model, part, limits, (deepest, stuck));
                    return LinearizabilityResult::NotLinearizable(build_window(model, src, part, &shrunk));
                }
                // Keep going: another key may still be shown non-linearizable, which is definite.
                SearchResult::Exhausted { steps, best_depth } => {
                    exhausted[k] = Some(format!(
                        "search budget of {steps} steps exhausted on a key with {} ops (deepest partial order: {best_depth} ops)",
                        parts[k].ops.len()
                    ));
                }
            }
        }
    }
    let ops = parts.iter().map(|p| p.ops.len()).sum();
    match exhausted.iter().position(Option::is_some) {
        Some(k) => LinearizabilityResult::Inconclusive {
            key: parts[k].key.clone(),
            reason: exhausted[k].take().unwrap_or_default(),
        },
        None => LinearizabilityResult::Linearizable { ops, keys: parts.len() },
    }
}

fn build_window<M: Model>(
    model: &M,
    src: &Source<'_>,
    part: &Partition<M::Op>,
    shrunk: &window::Shrunk<M::State>,
) -> FailingWindow {
    let ops = shrunk
        .ops
        .iter()
        .map(|&i| {
            let o = &part.ops[i];
            let inv = &src.events[o.call];
            let comp = o.complete.map(|c| &src.events[c]);
            WindowOp {
                process: inv.process,
                f: inv.f.clone(),
                input: inv.value.clone(),
                output: o.ret.and(comp).map(|c| c.value.clone()),
                kind: if o.ret.is_some() { EventKind::Ok } else { EventKind::Info },
                invoke_index: inv.index,
                complete_index: comp.map(|c| c.index),
                invoke_time_us: inv.time_us,
                complete_time_us: comp.map(|c| c.time_us),
                invoke_pos: o.call,
                complete_pos: o.complete,
                after_cut: o.ret.is_some_and(|r| r > shrunk.cut),
                node: comp.and_then(|c| c.node.clone()).or_else(|| inv.node.clone()),
            }
        })
        .collect();
    FailingWindow {
        model: model.name().to_string(),
        key: part.key.clone(),
        start_states: shrunk.start_states.iter().map(|s| model.state_json(s)).collect(),
        ops,
        linearized: shrunk.deepest.clone(),
        stuck: shrunk.stuck,
    }
}

/// Summarise for `results.json`. Inconclusive and invalid input are not passes.
pub fn to_check_result(result: &LinearizabilityResult) -> CheckResult {
    match result {
        LinearizabilityResult::Linearizable { ops, keys } => {
            CheckResult::pass(CHECKER_NAME, format!("linearizable: {ops} ops over {keys} key(s)"))
        }
        LinearizabilityResult::NotLinearizable(w) => CheckResult::fail(CHECKER_NAME, w.describe()),
        LinearizabilityResult::Inconclusive { key, reason } => {
            let key = key.as_ref().map(|k| format!(" on key {}", short(k))).unwrap_or_default();
            CheckResult::fail(CHECKER_NAME, format!("inconclusive{key}: {reason}"))
        }
        LinearizabilityResult::InvalidInput(e) => CheckResult::fail(CHECKER_NAME, format!("invalid history: {e}")),
    }
}
