//! The shrinking steps, in the order a reader cares about: which faults (ddmin over the
//! schedule), each fault's length and shape, the clients, the operation mix and rate, the run's
//! length, the quiet period. Every step keeps only candidates that still fail the same way.
use super::ddmin::ddmin;
use super::document::{float, last_fault_end_s, schedule, smaller, with_fault_value, with_schedule, with_value};
use super::evaluate::{Current, Evaluator};
use super::knobs::{self, KnobKind};
use crate::scenario::FaultKind;
use toml::Value;

/// Shortest fault a shrink tries, seconds.
const FAULT_S_MIN: f64 = 0.05;
/// Rounds of halving per value (each round is one batch).
const ROUNDS_MAX: usize = 6;

/// Runs every step once, in order.
pub fn run_all(ev: &mut Evaluator, cur: &mut Current, core_keys: &[String]) {
    run_prefix(ev, cur);
    fault_windows(ev, cur);
    fault_durations(ev, cur);
    fault_shapes(ev, cur);
    for kind in [KnobKind::Clients, KnobKind::MixWeight, KnobKind::Think] {
        workload(ev, cur, core_keys, kind);
    }
    run_length(ev, cur);
    quiet_period(ev, cur);
}

/// A prefix of the run (its first sixteenth, eighth, ... seven eighths), with only the faults
/// that start in it (cut at its end). A failure usually shows early, and dropping a suffix of
/// the schedule is the cheapest large cut: ddmin then works on what is left, and every later
/// candidate is a shorter run.
fn run_prefix(ev: &mut Evaluator, cur: &mut Current) {
    for _ in 0..ROUNDS_MAX {
        let Some(duration) = float(&cur.document, "duration_s") else { return };
        let docs = smaller(duration, &[1.0 / 16.0, 0.125, 0.25, 0.5, 0.75, 0.875], 1.0)
            .into_iter()
            .map(|end_s| prefix(&cur.document, end_s))
            .collect();
        if !ev.improve(cur, docs) {
            return;
        }
    }
}

/// `document` cut to its first `end_s` seconds.
fn prefix(document: &toml::Table, end_s: f64) -> toml::Table {
    let faults = schedule(document)
        .into_iter()
        .filter_map(|f| {
            let mut f = f.as_table()?.clone();
            let at_s = float(&f, "at_s").unwrap_or(0.0);
            if at_s >= end_s {
                return None;
            }
            let length_s = float(&f, "duration_s").unwrap_or(0.0).min(end_s - at_s);
            f.insert("duration_s".into(), Value::Float(length_s));
            Some(Value::Table(f))
        })
        .collect();
    with_value(&with_schedule(document, faults), "duration_s", Value::Float(end_s))
}

/// Delta debugging over the schedule.
fn fault_windows(ev: &mut Evaluator, cur: &mut Current) {
    let faults = schedule(&cur.document);
    let base = cur.document.clone();
    let mut best: Option<Current> = None;
    let kept = ddmin(faults, &mut |cands: &[Vec<Value>]| {
        let docs: Vec<toml::Table> = cands.iter().map(|c| with_schedule(&base, c.clone())).collect();
        let (i, results) = ev.first_failing(&docs)?;
        best = Some(Current { document: docs[i].clone(), results });
        Some(i)
    });
    if let Some(found) = best.filter(|b| schedule(&b.document).len() == kept.len()) {
        *cur = found;
    }
}

/// Each fault as short as it can be.
fn fault_durations(ev: &mut Evaluator, cur: &mut Current) {
    for i in 0..schedule(&cur.document).len() {
        for _ in 0..ROUNDS_MAX {
            let faults = schedule(&cur.document);
            let Some(d) = faults.get(i).and_then(Value::as_table).and_then(|f| float(f, "duration_s")) else { break };
            let docs = smaller(d, &[0.25, 0.5], FAULT_S_MIN)
                .into_iter()
                .map(|v| with_fault_value(&cur.document, i, "duration_s", Value::Float(v)))
                .collect();
            if !ev.improve(cur, docs) {
                break;
            }
        }
    }
}

/// A many-node partition shape replaced by isolating one node, the simplest cut.
fn fault_shapes(ev: &mut Evaluator, cur: &mut Current) {
    let nodes = crate::scenario::load_str("shrink", &super::explicit::document_text(&cur.document).unwrap_or_default())
        .map_or(0, |s| s.node_count());
    for i in 0..schedule(&cur.document).len() {
        let faults = schedule(&cur.document);
        let kind = faults.get(i).and_then(|f| f.get("fault")).and_then(Value::as_str).unwrap_or("");
        let many = [FaultKind::PartitionHalves, FaultKind::PartitionRing, FaultKind::PartitionBridge];
        if !many.iter().any(|k| k.name() == kind) {
            continue;
        }
        let docs = (1..=nodes)
            .map(|node| {
                let doc = with_fault_value(&cur.document, i, "fault", Value::String("partition-isolate".into()));
                with_fault_value(&doc, i, "node", Value::Integer(node as i64))
            })
            .collect();
        ev.improve(cur, docs);
    }
}

/// Fewer clients, a narrower mix, a lower rate.
fn workload(ev: &mut Evaluator, cur: &mut Current, core_keys: &[String], kind: KnobKind) {
    for knob in knobs::knobs(&cur.document, core_keys, kind) {
        for _ in 0..ROUNDS_MAX {
            let Some(value) = knobs::get(&cur.document, &knob) else { break };
            let docs =
                knobs::candidates(kind, value).into_iter().map(|v| knobs::set(&cur.document, &knob, v)).collect();
            if !ev.improve(cur, docs) {
                break;
            }
        }
    }
}

/// A shorter run: first just past the last fault, then by halves.
fn run_length(ev: &mut Evaluator, cur: &mut Current) {
    shrink_core_seconds(ev, cur, "duration_s", |doc| (last_fault_end_s(doc) + 0.5).max(1.0));
}

/// A shorter quiet period after the heal.
fn quiet_period(ev: &mut Evaluator, cur: &mut Current) {
    shrink_core_seconds(ev, cur, "quiesce_s", |_| 0.0);
}

fn shrink_core_seconds(ev: &mut Evaluator, cur: &mut Current, key: &str, floor: fn(&toml::Table) -> f64) {
    for _ in 0..ROUNDS_MAX {
        let Some(value) = float(&cur.document, key) else { return };
        let docs = smaller(value, &[0.25, 0.5, 0.75], floor(&cur.document))
            .into_iter()
            .map(|v| with_value(&cur.document, key, Value::Float(v)))
            .collect();
        if !ev.improve(cur, docs) {
            return;
        }
    }
}
