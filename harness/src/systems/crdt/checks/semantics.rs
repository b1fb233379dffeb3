//! Each set type's rules, judged from client operations and the replicas' final states:
//! - all: no edge is present that no client ever added;
//! - G-Set: every acknowledged add is present;
//! - 2P-Set: nothing acknowledged removed is present, nor read back at that replica later;
//! - LWW: a replica's stamps grow with real time, and the greatest (stamp, replica) wins;
//! - OR-Set: no dot is issued twice, and a dot is present iff no remove (or later add)
//!   that observed it took effect: add wins over concurrent removes.
//!
//! Operations in doubt (`info`) may or may not have happened, so they excuse what they
//! could explain and nothing else.
use super::observer::{CrdtOpRecord, CrdtOutcome};
use crate::check::CheckResult;
use crate::history::node_name;
use faultline_systems::crdt::replica::{CrdtReply, Edge, Graphs, SetKind, SetOp};
use faultline_systems::crdt::{Dot, SetCrdt, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// One result per set type. `finals` are the replicas' final states (host index, state).
pub fn check_semantics(ops: &[CrdtOpRecord], finals: &BTreeMap<usize, Graphs>) -> Vec<CheckResult> {
    SetKind::ALL
        .into_iter()
        .map(|kind| {
            let ops: Vec<&CrdtOpRecord> = ops.iter().filter(|o| o.kind == kind).collect();
            let mut problems = phantoms(kind, &ops, finals);
            problems.extend(match kind {
                SetKind::GSet => gset(&ops, finals),
                SetKind::TwoPhase => two_phase(&ops, finals),
                SetKind::Lww => lww(&ops, finals),
                SetKind::OrSet => orset(&ops, finals),
            });
            let name = format!("crdt-{}", kind.name());
            let pass = format!("{} operations obey {} semantics", ops.len(), kind.name());
            CheckResult::from_problems(&name, problems, pass)
        })
        .collect()
}

fn edge_name((a, b): Edge) -> String {
    format!("{a}->{b}")
}

fn ok_adds<'a>(ops: &'a [&'a CrdtOpRecord]) -> impl Iterator<Item = &'a CrdtOpRecord> + 'a {
    ops.iter().copied().filter(|o| matches!(o.op, SetOp::Add(_)) && o.reply().is_some())
}

/// Present edges nobody added, and reads that saw an edge before anyone added it.
fn phantoms(kind: SetKind, ops: &[&CrdtOpRecord], finals: &BTreeMap<usize, Graphs>) -> Vec<String> {
    let mut first_add: BTreeMap<Edge, u64> = BTreeMap::new();
    for o in ops {
        if let SetOp::Add(e) = o.op {
            let t = first_add.entry(e).or_insert(o.invoke_us);
            *t = (*t).min(o.invoke_us);
        }
    }
    let mut problems = Vec::new();
    for (node, g) in finals {
        for e in g.elements(kind) {
            if !first_add.contains_key(&e) {
                problems.push(format!("{} holds {} that no client added", node_name(*node), edge_name(e)));
            }
        }
    }
    for o in ops {
        if let (SetOp::Contains(e), Some(CrdtReply::Contains(true))) = (o.op, o.reply()) {
            if first_add.get(&e).is_none_or(|&t| t > o.complete_us) {
                problems.push(format!("{} read {} before any add of it", node_name(o.node), edge_name(e)));
            }
        }
    }
    problems
}

fn gset(ops: &[&CrdtOpRecord], finals: &BTreeMap<usize, Graphs>) -> Vec<String> {
    let mut problems = Vec::new();
    for o in ok_adds(ops) {
        for (node, g) in finals {
            if !g.gset.contains(&o.op.edge()) {
                problems.push(format!(
                    "acknowledged add of {} is missing at {}",
                    edge_name(o.op.edge()),
                    node_name(*node)
                ));
            }
        }
    }
    problems
}

fn two_phase(ops: &[&CrdtOpRecord], finals: &BTreeMap<usize, Graphs>) -> Vec<String> {
    let mut problems = Vec::new();
    let removed_ok: Vec<&CrdtOpRecord> =
        ops.iter().copied().filter(|o| matches!(o.op, SetOp::Remove(_)) && o.reply().is_some()).collect();
    let ever_removed: BTreeSet<Edge> =
        ops.iter().filter(|o| matches!(o.op, SetOp::Remove(_))).map(|o| o.op.edge()).collect();
    for (node, g) in finals {
        for r in &removed_ok {
            if g.two_phase.contains(&r.op.edge()) {
                problems.push(format!(
                    "{} holds {} after its acknowledged remove",
                    node_name(*node),
                    edge_name(r.op.edge())
                ));
            }
        }
        for a in ok_adds(ops).filter(|a| !ever_removed.contains(&a.op.edge())) {
            if !g.two_phase.contains(&a.op.edge()) {
                problems.push(format!(
                    "acknowledged add of {} is missing at {}",
                    edge_name(a.op.edge()),
                    node_name(*node)
                ));
            }
        }
    }
    for r in &removed_ok {
        for o in ops {
            let later_here = o.node == r.node && o.invoke_us > r.complete_us && o.op == SetOp::Contains(r.op.edge());
            if later_here && o.reply() == Some(&CrdtReply::Contains(true)) {
                problems.push(format!(
                    "{} came back at {}: read present at {} µs after the remove acknowledged at {} µs",
                    edge_name(r.op.edge()),
                    node_name(r.node),
                    o.complete_us,
                    r.complete_us
                ));
            }
        }
    }
    problems
}

fn stamp_of(o: &CrdtOpRecord) -> Option<Timestamp> {
    match o.reply()? {
        CrdtReply::Added { stamp, .. } | CrdtReply::Removed { stamp, .. } => *stamp,
        _ => None,
    }
}

fn lww(ops: &[&CrdtOpRecord], finals: &BTreeMap<usize, Graphs>) -> Vec<String> {
    let mut problems = Vec::new();
    // Stamps at one replica must grow with real time: an operation that started after
    // another finished there is causally later and must win over it.
    let mut by_node: BTreeMap<usize, Vec<(&CrdtOpRecord, Timestamp)>> = BTreeMap::new();
    for o in ops {
        if let Some(s) = stamp_of(o) {
            by_node.entry(o.node).or_default().push((o, s));
        }
    }
    for (node, mut list) in by_node {
        let mut by_invoke = list.clone();
        by_invoke.sort_by_key(|(o, _)| o.invoke_us);
        list.sort_by_key(|(o, _)| o.complete_us);
        let mut done = list.iter().peekable();
        let mut latest: Option<(&CrdtOpRecord, Timestamp)> = None;
        for (b, sb) in by_invoke {
            while let Some(&&(a, sa)) = done.peek() {
                if a.complete_us >= b.invoke_us {
                    break;
                }
                if latest.is_none_or(|(_, s)| sa > s) {
                    latest = Some((a, sa));
                }
                done.next();
            }
            if let Some((a, sa)) = latest {
                if sb <= sa {
                    problems.push(format!(
                        "{}: a write invoked at {} µs got stamp {}.{} no later than the stamp {}.{} of a write done at {} µs",
                        node_name(node),
                        b.invoke_us,
                        sb.wall_us,
                        sb.logical,
                        sa.wall_us,
                        sa.logical,
                        a.complete_us
                    ));
                }
            }
        }
    }
    // The greatest stamp decides, for every edge whose writes all have known stamps.
    let mut edges: BTreeMap<Edge, Vec<&CrdtOpRecord>> = BTreeMap::new();
    for o in ops.iter().filter(|o| o.op.is_write()) {
        edges.entry(o.op.edge()).or_default().push(o);
    }
    for (e, writes) in edges {
        if writes.iter().any(|o| o.in_doubt()) {
            continue;
        }
        let Some(winner) = writes.iter().filter_map(|o| stamp_of(o).map(|s| (s, o))).max_by_key(|(s, _)| *s) else {
            continue;
        };
        let want = matches!(winner.1.op, SetOp::Add(_));
        for (node, g) in finals {
            if g.lww.contains(&e) != want {
                problems.push(format!(
                    "{} at {}: the greatest stamp is a{} at {} µs, yet it is {}",
                    edge_name(e),
                    node_name(*node),
                    if want { "n add" } else { " remove" },
                    winner.1.complete_us,
                    if want { "absent" } else { "present" }
                ));
            }
        }
    }
    problems
}

fn orset(ops: &[&CrdtOpRecord], finals: &BTreeMap<usize, Graphs>) -> Vec<String> {
    let mut problems = Vec::new();
    let ledger = OrSetLedger::of(ops, &mut problems);
    for (node, g) in finals {
        ledger.judge_final(*node, g, &mut problems);
    }
    problems
}

/// What the acknowledged OR-Set writes reported, against which each final state is judged.
#[derive(Default)]
struct OrSetLedger<'a> {
    issued: BTreeMap<Dot, &'a CrdtOpRecord>,
    /// Per edge: dots some acknowledged remove (or superseding add) observed and removed.
    covered: BTreeMap<Edge, BTreeSet<Dot>>,
    /// Edges with a write in doubt: its effect on dots is unknown.
    doubtful: BTreeSet<Edge>,
    /// Replicas where an add of the edge is in doubt (it may have issued an unreported dot).
    doubtful_adds: BTreeSet<(Edge, u64)>,
}

impl<'a> OrSetLedger<'a> {
    fn of(ops: &[&'a CrdtOpRecord], problems: &mut Vec<String>) -> Self {
        let mut l = OrSetLedger::default();
        for o in ops {
            let e = o.op.edge();
            match (o.op, &o.outcome) {
                (SetOp::Add(_), CrdtOutcome::Ok(CrdtReply::Added { dot: Some(d), replaced, .. })) => {
                    if let Some(first) = l.issued.insert(*d, o) {
                        problems.push(format!(
                            "dot ({}, {}) issued twice: to {} at {} µs and to {} at {} µs",
                            d.replica,
                            d.counter,
                            edge_name(first.op.edge()),
                            first.complete_us,
                            edge_name(e),
                            o.complete_us
                        ));
                    }
                    l.covered.entry(e).or_default().extend(replaced.iter().copied());
                }
                (SetOp::Remove(_), CrdtOutcome::Ok(CrdtReply::Removed { dots, .. })) => {
                    l.covered.entry(e).or_default().extend(dots.iter().copied());
                }
                (SetOp::Add(_), CrdtOutcome::Info) => {
                    l.doubtful.insert(e);
                    l.doubtful_adds.insert((e, o.node as u64 + 1));
                }
                (SetOp::Remove(_), CrdtOutcome::Info) => {
                    l.doubtful.insert(e);
                }
                _ => {}
            }
        }
        l
    }

    fn judge_final(&self, node: usize, g: &Graphs, problems: &mut Vec<String>) {
        let none = BTreeSet::new();
        for (d, o) in &self.issued {
            let e = o.op.edge();
            let present = g.orset.dots_of(&e).any(|x| x == d);
            let removed = self.covered.get(&e).unwrap_or(&none).contains(d);
            let (at, (r, c)) = (node_name(node), (d.replica, d.counter));
            if present && removed {
                problems.push(format!("{} at {at}: dot ({r}, {c}) came back after a remove observed it", edge_name(e)));
            } else if !present && !removed && !self.doubtful.contains(&e) {
                problems.push(format!(
                    "{} at {at}: the add acknowledged at {} µs with dot ({r}, {c}) is gone, though no remove observed it",
                    edge_name(e),
                    o.complete_us,
                ));
            }
        }
        for e in g.orset.elements() {
            for d in g.orset.dots_of(&e) {
                let reported = self.issued.get(d).is_some_and(|o| o.op.edge() == e);
                if !reported && !self.doubtful_adds.contains(&(e, d.replica)) {
                    problems.push(format!(
                        "{} at {} holds dot ({}, {}) that no add of it was given",
                        edge_name(e),
                        node_name(node),
                        d.replica,
                        d.counter
                    ));
                }
            }
        }
    }
}
