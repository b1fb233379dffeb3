//! Interned model states for the search: each distinct state gets a `u32` id, and each
//! (state, op) transition is computed by the model once and then looked up.
//!
//! The search tries the same op from the same state many times (once per set of ops that led
//! there), and memoises (set, state) pairs. With states that grow (kv's appended strings, a
//! kilobyte or more), building, hashing and comparing them on every step dominated the check;
//! ids make a step one table probe and a memo probe a word compare. The model is still the
//! only judge of what a step does, so verdicts and step counts are unchanged.
use rustc_hash::FxHashMap;

use crate::check::models::Model;

/// Id of an interned state.
pub(crate) type StateId = u32;

/// Cached "the op cannot happen in this state".
const ILLEGAL: u32 = u32::MAX;

/// The states one search has met, and the transitions between them it has computed.
pub(crate) struct States<S> {
    /// State by id.
    states: Vec<S>,
    ids: FxHashMap<S, StateId>,
    /// (state id << 32 | item index) → state id after the op, or `ILLEGAL`.
    steps: FxHashMap<u64, u32>,
}

impl<S: Clone + Eq + std::hash::Hash> States<S> {
    /// A table holding only `init`, whose id is 0.
    pub(crate) fn new(init: S) -> Self {
        let mut t = States { states: Vec::new(), ids: FxHashMap::default(), steps: FxHashMap::default() };
        t.intern(init);
        t
    }

    /// The state with id `id` (an id this table handed out).
    pub(crate) fn get(&self, id: StateId) -> &S {
        &self.states[id as usize]
    }

    fn intern(&mut self, s: S) -> StateId {
        if let Some(&id) = self.ids.get(&s) {
            return id;
        }
        // A step makes at most one new state and the step budget is below u32::MAX - 1, so
        // ids never reach ILLEGAL.
        let id = u32::try_from(self.states.len()).ok().filter(|&i| i < ILLEGAL);
        let id = id.expect("states bounded by the step budget, below u32::MAX");
        self.states.push(s.clone());
        self.ids.insert(s, id);
        id
    }

    /// The state after item `item` (op `op`) from state `from`, or `None` if the model says
    /// the op cannot happen there.
    pub(crate) fn step<M: Model<State = S>>(
        &mut self,
        model: &M,
        from: StateId,
        item: usize,
        op: &M::Op,
    ) -> Option<StateId> {
        let key = (u64::from(from) << 32) | item as u64;
        let next = match self.steps.get(&key) {
            Some(&n) => n,
            None => {
                let n = match model.step(self.get(from), op) {
                    Some(s) => self.intern(s),
                    None => ILLEGAL,
                };
                self.steps.insert(key, n);
                n
            }
        };
        (next != ILLEGAL).then_some(next)
    }
}
