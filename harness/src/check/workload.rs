//! No vacuous passes: a run that acknowledged no writes, completed no reads, or injected none
//! of the faults its scenario planned proves nothing, however green its other checks are. The
//! `workload` check fails such a run unless the scenario says it expects it
//! (`checks.expect_no_writes`, `checks.expect_no_reads`, `checks.expect_no_faults`).
use super::CheckResult;
use crate::history::{Event, EventKind, FaultWindow};
use std::collections::BTreeSet;

/// The check's name in results.json.
pub const NAME: &str = "workload";

/// Which of a system's operations read and which write, by operation name. Both empty: the
/// system does not say, and any acknowledged operation counts as work done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkloadOps {
    /// Operations that only read.
    pub reads: &'static [&'static str],
    /// Operations that change state.
    pub writes: &'static [&'static str],
}

/// What the scenario says it expects not to happen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// No acknowledged write is fine.
    pub no_writes: bool,
    /// No completed read is fine.
    pub no_reads: bool,
    /// No injected fault is fine.
    pub no_faults: bool,
}

/// Everything the check reads.
pub struct WorkloadInput<'a> {
    /// Each configured system's name and operation classes.
    pub systems: Vec<(&'static str, WorkloadOps)>,
    /// The whole history.
    pub history: &'a [Event],
    /// Fault kinds the nemesis planned for this seed.
    pub planned_kinds: BTreeSet<String>,
    /// Faults as they happened.
    pub faults: &'a [FaultWindow],
    /// The scenario's expectations.
    pub expect: Expect,
    /// The run died early: another check already failed it, and counts mean nothing.
    pub died: bool,
}

/// Judges whether the run did any work and injected the faults it planned.
pub fn check(input: &WorkloadInput<'_>) -> CheckResult {
    if input.died {
        return CheckResult::pass(NAME, "run died early: nothing to judge (see the failing check)");
    }
    let mut problems = Vec::new();
    let mut judged = Vec::new();
    for &(system, ops) in &input.systems {
        let (line, mut found) = judge_system(system, ops, input.history, input.expect);
        judged.push(line);
        problems.append(&mut found);
    }
    let (line, fault_problem) = judge_faults(input);
    judged.push(line);
    problems.extend(fault_problem);
    CheckResult::from_problems(NAME, problems, judged.join("; "))
}

/// Acknowledged operations of `system` whose name is in `names` (all of them when `names` is None).
fn acked(history: &[Event], system: &str, names: Option<&[&str]>) -> usize {
    history
        .iter()
        .filter(|e| e.kind == EventKind::Ok && e.system.as_deref() == Some(system))
        .filter(|e| names.is_none_or(|n| n.contains(&e.f.as_str())))
        .count()
}

/// One system's counts line and its problems.
fn judge_system(system: &str, ops: WorkloadOps, history: &[Event], expect: Expect) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    if ops.reads.is_empty() && ops.writes.is_empty() {
        let n = acked(history, system, None);
        if n == 0 && !(expect.no_writes && expect.no_reads) {
            problems.push(format!("{system}: no operation was acknowledged"));
        }
        return (format!("{system}: {n} acknowledged operations"), problems);
    }
    let mut parts = Vec::new();
    for (names, what, expected) in [(ops.writes, "writes", expect.no_writes), (ops.reads, "reads", expect.no_reads)] {
        if names.is_empty() {
            continue;
        }
        let n = acked(history, system, Some(names));
        parts.push(format!("{n} acknowledged {what}"));
        if n == 0 && !expected {
            problems.push(format!("{system}: no {what} were acknowledged (checks.expect_no_{what} = false)"));
        }
    }
    (format!("{system}: {}", parts.join(", ")), problems)
}

/// The faults line and, if the plan's faults never happened, the problem.
fn judge_faults(input: &WorkloadInput<'_>) -> (String, Option<String>) {
    let injected: BTreeSet<&str> = input.faults.iter().map(|f| f.kind.as_str()).collect();
    let missing: Vec<&str> = input.planned_kinds.iter().map(String::as_str).filter(|k| !injected.contains(k)).collect();
    let mut line = format!(
        "{} faults injected of {} planned kinds ({} kinds injected)",
        input.faults.len(),
        input.planned_kinds.len(),
        injected.len()
    );
    if !missing.is_empty() {
        line.push_str(&format!("; planned but never injected: {}", missing.join(", ")));
    }
    if input.planned_kinds.is_empty() {
        line.push_str("; the scenario planned no faults");
    }
    let vacuous = !input.planned_kinds.is_empty() && input.faults.is_empty() && !input.expect.no_faults;
    let problem = vacuous
        .then(|| format!("planned {} but injected no fault (checks.expect_no_faults = false)", missing.join(", ")));
    (line, problem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const OPS: WorkloadOps = WorkloadOps { reads: &["get"], writes: &["put"] };

    fn ok(f: &str, system: &str) -> Event {
        Event {
            index: 0,
            time_us: 0,
            process: 0,
            kind: EventKind::Ok,
            f: f.to_string(),
            key: None,
            value: Value::Null,
            node: None,
            system: Some(system.to_string()),
        }
    }

    fn fault(kind: &str) -> FaultWindow {
        FaultWindow { kind: kind.into(), description: String::new(), nodes: vec![], start_us: 0, end_us: Some(1) }
    }

    fn input<'a>(history: &'a [Event], faults: &'a [FaultWindow], planned: &[&str]) -> WorkloadInput<'a> {
        WorkloadInput {
            systems: vec![("kv", OPS)],
            history,
            planned_kinds: planned.iter().map(|s| s.to_string()).collect(),
            faults,
            expect: Expect::default(),
            died: false,
        }
    }

    #[test]
    fn a_run_with_writes_reads_and_its_faults_passes() {
        let (h, f) = ([ok("put", "kv"), ok("get", "kv")], [fault("crash")]);
        let r = check(&input(&h, &f, &["crash"]));
        assert!(r.ok, "{}", r.detail);
        assert!(r.detail.contains("1 acknowledged writes") && r.detail.contains("1 faults injected"), "{}", r.detail);
    }

    #[test]
    fn no_acknowledged_write_fails_unless_expected() {
        let (h, f) = ([ok("get", "kv"), ok("put", "other")], [fault("crash")]);
        let mut i = input(&h, &f, &["crash"]);
        let r = check(&i);
        assert!(!r.ok && r.detail.contains("kv: no writes"), "{}", r.detail);
        i.expect.no_writes = true;
        assert!(check(&i).ok);
    }

    #[test]
    fn no_completed_read_fails_unless_expected() {
        let (h, f) = ([ok("put", "kv")], [fault("crash")]);
        let mut i = input(&h, &f, &["crash"]);
        assert!(!check(&i).ok);
        i.expect.no_reads = true;
        assert!(check(&i).ok);
    }

    #[test]
    fn planned_faults_that_never_happened_fail_unless_expected() {
        let h = [ok("put", "kv"), ok("get", "kv")];
        let mut i = input(&h, &[], &["kill-leader"]);
        let r = check(&i);
        assert!(!r.ok && r.detail.contains("kill-leader"), "{}", r.detail);
        i.expect.no_faults = true;
        assert!(check(&i).ok);
    }

    #[test]
    fn a_run_without_planned_faults_says_so_and_passes() {
        let h = [ok("put", "kv"), ok("get", "kv")];
        let r = check(&input(&h, &[], &[]));
        assert!(r.ok && r.detail.contains("planned no faults"), "{}", r.detail);
    }

    #[test]
    fn a_system_without_op_classes_needs_any_acknowledged_operation() {
        let mut i = input(&[], &[], &[]);
        i.systems = vec![("opaque", WorkloadOps::default())];
        assert!(!check(&i).ok);
        let h = [ok("send", "opaque")];
        i.history = &h;
        assert!(check(&i).ok);
    }

    #[test]
    fn a_run_that_died_is_left_to_the_check_that_failed_it() {
        let mut i = input(&[], &[], &["crash"]);
        i.died = true;
        let r = check(&i);
        assert!(r.ok && r.detail.contains("nothing to judge"));
    }
}
