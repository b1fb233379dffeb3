//! Deterministic synthetic histories from a correct (linearizable) store, for benchmarks and
//! tests: concurrent clients, random op durations, occasional timeouts (`info`).
use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::check::models::ModelKind;
use crate::history::{Event, EventKind, History};

/// Shape of a synthetic history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthSpec {
    /// Which model's operations to generate.
    pub model: ModelKind,
    /// Number of operations.
    pub ops: usize,
    /// Number of keys (ignored for register models, which use one object).
    pub keys: usize,
    /// Concurrent clients.
    pub clients: usize,
    /// Per-mille of ops that time out (`info`); half of those still take effect.
    pub info_permille: u32,
    /// RNG seed; the same spec gives the same history.
    pub seed: u64,
}

struct Planned {
    process: u64,
    start: u64,
    end: u64,
    lin: u64,
    takes_effect: bool,
    info: bool,
    f: &'static str,
    key: Option<Value>,
    input: Value,
    output: Value,
    failed: bool,
}

/// A linearizable history: each op takes effect atomically at a random point inside its
/// interval (timed-out ops at a random point or never).
pub fn synthetic_history(spec: SynthSpec) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let clients = spec.clients.max(1);
    let keyed = spec.model.keyed();
    let fs: &[&'static str] = match spec.model {
        ModelKind::Register => &["read", "write"],
        ModelKind::CasRegister => &["read", "write", "cas"],
        ModelKind::Kv => &["read", "write", "cas", "append"],
        ModelKind::Follow => &["follow", "unfollow", "is_following", "followers", "follower_count"],
    };
    let mut clock = vec![0u64; clients];
    let mut process: Vec<u64> = (0..clients as u64).collect();
    let mut plan = Vec::with_capacity(spec.ops);
    for _ in 0..spec.ops {
        let c = rng.random_range(0..clients);
        let start = clock[c] + rng.random_range(1..20u64);
        let end = start + rng.random_range(2..200u64);
        clock[c] = end;
        let info = rng.random_range(0..1000u32) < spec.info_permille;
        let f = fs[rng.random_range(0..fs.len())];
        let key = keyed.then(|| json!(rng.random_range(0..spec.keys.max(1) as u64)));
        let input = match f {
            "read" | "followers" | "follower_count" => Value::Null,
            "cas" => json!([rng.random_range(0..5u64), rng.random_range(0..5u64)]),
            "append" => json!(["a", "b", "c"][rng.random_range(0..3usize)]),
            _ => json!(rng.random_range(0..5u64)),
        };
        plan.push(Planned {
            process: process[c],
            start,
            end,
            lin: rng.random_range(start + 1..end),
            takes_effect: !info || rng.random_bool(0.5),
            info,
            f,
            key,
            input,
            output: Value::Null,
            failed: false,
        });
        if info {
            // As in Jepsen, a client whose op timed out continues under a fresh process id.
            process[c] += clients as u64;
        }
    }
    apply_in_order(&mut plan);
    emit(plan)
}

/// Apply ops at their linearization points to a correct store, recording results.
fn apply_in_order(plan: &mut [Planned]) {
    let mut order: Vec<usize> = (0..plan.len()).filter(|&i| plan[i].takes_effect).collect();
    order.sort_by_key(|&i| plan[i].lin);
    let mut regs: BTreeMap<String, Value> = BTreeMap::new();
    let mut sets: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for i in order {
        let p = &mut plan[i];
        let k = p.key.as_ref().map(|k| k.to_string()).unwrap_or_default();
        let reg = regs.entry(k.clone()).or_insert(Value::Null);
        let set = sets.entry(k).or_default();
        let who = p.input.as_u64().unwrap_or(0);
        p.output = match p.f {
            "read" => reg.clone(),
            "write" => {
                *reg = p.input.clone();
                p.input.clone()
            }
            "cas" => {
                if *reg == p.input[0] {
                    *reg = p.input[1].clone();
                } else {
                    p.failed = true;
                }
                p.input.clone()
            }
            "append" => {
                match reg {
                    Value::Null => *reg = p.input.clone(),
                    Value::String(cur) => cur.push_str(p.input.as_str().unwrap_or("")),
                    // Like the model: appending to a non-string is refused.
                    _ => p.failed = true,
                }
                p.input.clone()
            }
            "follow" => {
                set.insert(who);
                Value::Null
            }
            "unfollow" => {
                set.remove(&who);
                Value::Null
            }
            "is_following" => json!(set.contains(&who)),
            "followers" => json!(set.iter().collect::<Vec<_>>()),
            _ => json!(set.len()),
        };
    }
}

fn emit(plan: Vec<Planned>) -> History {
    // (time, tiebreak, event); completions sort before invokes at equal times.
    let mut evs: Vec<(u64, u8, usize, Event)> = Vec::with_capacity(plan.len() * 2);
    for (i, p) in plan.into_iter().enumerate() {
        let mk = |kind, value: Value, time_us| Event {
            index: 0,
            time_us,
            process: p.process,
            kind,
            f: p.f.to_string(),
            key: p.key.clone(),
            value,
            node: None,
            system: None,
        };
        evs.push((p.start, 1, i, mk(EventKind::Invoke, p.input.clone(), p.start)));
        let done = if p.info {
            mk(EventKind::Info, p.input.clone(), p.end)
        } else if p.failed || !p.takes_effect {
            mk(EventKind::Fail, p.input.clone(), p.end)
        } else {
            mk(EventKind::Ok, p.output.clone(), p.end)
        };
        evs.push((p.end, 0, i, done));
    }
    evs.sort_by_key(|(t, tb, i, _)| (*t, *tb, *i));
    evs.into_iter()
        .enumerate()
        .map(|(n, (_, _, _, mut e))| {
            e.index = n as u64;
            e
        })
        .collect()
}
