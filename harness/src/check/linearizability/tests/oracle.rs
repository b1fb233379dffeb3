//! Brute-force oracle: for small random concurrent histories, enumerate every order of every
//! subset of the optional (info / pending) ops and compare with the checker's verdict.
//! Also checks that each reported window is itself non-linearizable from its start states.
use std::cell::Cell;
use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Value};

use super::super::*;
use crate::check::models::{Outcome, Val};

const OPS_MAX: usize = 7;

/// One generator step: (process, op choice, a, b, key, outcome), all small bytes.
type Action = (u8, u8, u8, u8, u8, u8);

fn fs(model: ModelKind) -> &'static [&'static str] {
    match model {
        ModelKind::Register => &["read", "write"],
        ModelKind::CasRegister => &["read", "write", "cas"],
        ModelKind::Kv => &["read", "write", "cas", "append"],
        ModelKind::Follow => &["follow", "unfollow", "is_following", "followers", "follower_count"],
    }
}

fn input(model: ModelKind, f: &str, a: u8, b: u8) -> Value {
    match (model, f) {
        (_, "read" | "followers" | "follower_count") => Value::Null,
        (_, "cas") => json!([a % 3, b % 3]),
        (_, "append") => json!(["x", "y"][(a % 2) as usize]),
        _ => json!(a % 3),
    }
}

fn output(model: ModelKind, f: &str, inp: &Value, a: u8, b: u8) -> Value {
    match (model, f) {
        (ModelKind::Kv, "read") => {
            [json!(null), json!(0), json!(1), json!(2), json!("x"), json!("y"), json!("xy"), json!("yx")]
                [(a % 8) as usize]
                .clone()
        }
        (_, "read") => [json!(null), json!(0), json!(1), json!(2)][(a % 4) as usize].clone(),
        (_, "is_following") => json!(b.is_multiple_of(2)),
        (_, "followers") => Value::Array((0..3u8).filter(|i| (a >> i) & 1 == 1).map(|i| json!(i)).collect()),
        (_, "follower_count") => json!(a % 4),
        _ => inp.clone(),
    }
}

/// Turn actions into a well-formed history with ≤ OPS_MAX ops over `procs` processes.
fn build(model: ModelKind, procs: u8, actions: &[Action], finish: bool) -> History {
    let mut out: History = Vec::new();
    let mut outstanding: BTreeMap<u64, (String, Option<Value>, Value)> = BTreeMap::new();
    let mut started = 0;
    let push = |out: &mut History, p: u64, kind: EventKind, f: &str, key: &Option<Value>, value: Value| {
        let index = out.len() as u64;
        out.push(Event {
            index,
            time_us: index,
            process: p,
            kind,
            f: f.to_string(),
            key: key.clone(),
            value,
            node: None,
            system: None,
        });
    };
    for &(p, op, a, b, k, oc) in actions {
        let p = u64::from(p % procs);
        if let Some((f, key, inp)) = outstanding.remove(&p) {
            match oc % 10 {
                0..=6 => {
                    let v = output(model, &f, &inp, a, b);
                    push(&mut out, p, EventKind::Ok, &f, &key, v);
                }
                7 => push(&mut out, p, EventKind::Info, &f, &key, Value::Null),
                _ => push(&mut out, p, EventKind::Fail, &f, &key, inp),
            }
        } else if started < OPS_MAX {
            started += 1;
            let f = fs(model)[(op as usize) % fs(model).len()];
            let key = model.keyed().then(|| json!(k % 2));
            let inp = input(model, f, a, b);
            push(&mut out, p, EventKind::Invoke, f, &key, inp.clone());
            outstanding.insert(p, (f.to_string(), key, inp));
        }
    }
    if finish {
        for (p, (f, key, inp)) in std::mem::take(&mut outstanding) {
            let v = output(model, &f, &inp, 1, 0);
            push(&mut out, p, EventKind::Ok, &f, &key, v);
        }
    }
    out
}

struct OOp<O> {
    op: O,
    key: Option<Val>,
    call: usize,
    ret: Option<usize>,
}

/// Is there a linearization? Exhaustive: all orders, all subsets of optional ops.
fn oracle<M: Model>(m: &M, h: &History, init: &M::State) -> bool {
    let mut pending: BTreeMap<u64, usize> = BTreeMap::new();
    let mut pairs: Vec<(usize, Option<usize>)> = Vec::new();
    for (pos, e) in h.iter().enumerate() {
        if e.kind == EventKind::Invoke {
            pending.insert(e.process, pos);
        } else if let Some(inv) = pending.remove(&e.process) {
            pairs.push((inv, Some(pos)));
        }
    }
    pairs.extend(pending.into_values().map(|inv| (inv, None)));
    let mut ops = Vec::new();
    for (inv, comp) in pairs {
        let ie = &h[inv];
        let ce = comp.map(|c| &h[c]);
        let outcome = match ce {
            Some(c) if c.kind == EventKind::Ok => Outcome::Ok(&c.value),
            Some(c) if c.kind == EventKind::Fail => Outcome::Fail,
            _ => Outcome::Info,
        };
        if let Some(op) = m.parse_op(&ie.f, &ie.value, outcome).expect("generated ops are valid") {
            let ret = if matches!(outcome, Outcome::Ok(_)) { comp } else { None };
            ops.push(OOp { op, key: ie.key.as_ref().map(Val::from_json), call: inv, ret });
        }
    }
    let mut placed = vec![false; ops.len()];
    let mut states: BTreeMap<Option<Val>, M::State> = BTreeMap::new();
    dfs(m, &ops, &mut placed, &mut states, init)
}

fn dfs<M: Model>(
    m: &M,
    ops: &[OOp<M::Op>],
    placed: &mut [bool],
    states: &mut BTreeMap<Option<Val>, M::State>,
    init: &M::State,
) -> bool {
    if ops.iter().zip(placed.iter()).all(|(o, &p)| p || o.ret.is_none()) {
        return true;
    }
    for b in 0..ops.len() {
        if placed[b] {
            continue;
        }
        // Real time: an unplaced op that returned before b was invoked must come first.
        if ops.iter().zip(placed.iter()).any(|(a, &p)| !p && a.ret.is_some_and(|r| r < ops[b].call)) {
            continue;
        }
        let cur = states.get(&ops[b].key).cloned().unwrap_or_else(|| init.clone());
        if let Some(next) = m.step(&cur, &ops[b].op) {
            placed[b] = true;
            let old = states.insert(ops[b].key.clone(), next);
            if dfs(m, ops, placed, states, init) {
                return true;
            }
            match old {
                Some(o) => states.insert(ops[b].key.clone(), o),
                None => states.remove(&ops[b].key),
            };
            placed[b] = false;
        }
    }
    false
}

/// Rebuild a history from a failing window (ops completing after the cut become pending).
fn window_history(w: &FailingWindow) -> History {
    let mut evs: Vec<(usize, Event)> = Vec::new();
    for o in &w.ops {
        let mk = |kind, value: Value, index| Event {
            index,
            time_us: 0,
            process: o.process,
            kind,
            f: o.f.clone(),
            key: w.key.clone(),
            value,
            node: None,
            system: None,
        };
        evs.push((o.invoke_pos, mk(EventKind::Invoke, o.input.clone(), o.invoke_index)));
        if let (Some(c), false) = (o.complete_pos, o.after_cut) {
            let (kind, v) = match &o.output {
                Some(v) => (EventKind::Ok, v.clone()),
                None => (EventKind::Info, Value::Null),
            };
            evs.push((c, mk(kind, v, o.complete_index.unwrap_or(0))));
        }
    }
    evs.sort_by_key(|(p, _)| *p);
    evs.into_iter().map(|(_, e)| e).collect()
}

fn agree<M: Model>(m: &M, kind: ModelKind, h: &History) -> Result<bool, TestCaseError> {
    let truth = oracle(m, h, &m.init());
    match check_history(kind, h, Budget::default()) {
        LinearizabilityResult::Linearizable { .. } => {
            prop_assert!(truth, "checker said linearizable, oracle disagrees: {h:#?}")
        }
        LinearizabilityResult::NotLinearizable(w) => {
            prop_assert!(!truth, "checker said not linearizable, oracle disagrees: {h:#?}\nwindow {w:#?}");
            // The window must be a witness: non-linearizable from each of its start states.
            let wh = window_history(&w);
            let inits: Vec<M::State> = if w.start_states.is_empty() {
                vec![m.init()]
            } else {
                w.start_states.iter().map(|s| m.state_from_json(s).expect("model state")).collect()
            };
            for init in &inits {
                prop_assert!(!oracle(m, &wh, init), "window is linearizable from {init:?}: {w:#?}\nhistory {h:#?}");
            }
            prop_assert!(w.stuck.is_some());
        }
        other => prop_assert!(false, "unexpected {other:?}"),
    }
    Ok(truth)
}

fn run_model(kind: ModelKind, cases: u32) {
    let strategy = (
        2u8..=3,
        prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 0..20),
        any::<bool>(),
    );
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let (yes, no) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&strategy, |(procs, actions, finish)| {
        let h = build(kind, procs, &actions, finish);
        let truth = match kind {
            ModelKind::Register => agree(&crate::check::models::Register, kind, &h)?,
            ModelKind::CasRegister => agree(&crate::check::models::CasRegister, kind, &h)?,
            ModelKind::Kv => agree(&crate::check::models::Kv, kind, &h)?,
            ModelKind::Follow => agree(&crate::check::models::Follow, kind, &h)?,
        };
        let c = if truth { &yes } else { &no };
        c.set(c.get() + 1);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{kind}: {e}");
    }
    // Both verdicts must be exercised, or the comparison proves little.
    assert!(yes.get() >= cases / 10 && no.get() >= cases / 10, "{kind}: {} linearizable, {} not", yes.get(), no.get());
}

#[test]
fn oracle_register() {
    run_model(ModelKind::Register, 1500);
}

#[test]
fn oracle_cas_register() {
    run_model(ModelKind::CasRegister, 1500);
}

#[test]
fn oracle_kv() {
    run_model(ModelKind::Kv, 1500);
}

#[test]
fn oracle_follow() {
    run_model(ModelKind::Follow, 1500);
}
