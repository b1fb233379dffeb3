//! Leadership under faults: with CheckQuorum a leader cut off from a quorum steps down within
//! its bound, and with PreVote (and CheckQuorum) no term changes hands unless a fault touched
//! the leader or enough voters to break its quorum: a node that rejoins after a partition of
//! its own must not depose a healthy leader.
use super::raft_safety::{fmt_us, Leadership};
use crate::check::CheckResult;
use crate::history::{node_name, FaultWindow};
use faultline_systems::raft::NodeId;
use std::collections::{BTreeMap, BTreeSet};

/// Check name: a leader without a quorum steps down.
pub const CHECK_QUORUM: &str = "check-quorum";
/// Check name: no leader change without a fault that explains it.
pub const DISRUPTION: &str = "disruption";

/// What the cluster promises, from its configuration.
#[derive(Clone, Debug)]
pub struct LeadershipRules {
    /// The voters.
    pub voters: Vec<NodeId>,
    /// CheckQuorum on.
    pub check_quorum: bool,
    /// PreVote on.
    pub pre_vote: bool,
    /// A leader cut off from a quorum is no longer leader this long after the cut, µs.
    pub step_down_bound_us: u64,
    /// A fault explains leader changes until this long after it heals, µs.
    pub explain_after_us: u64,
    /// A leadership younger than this when the next term's leader appears lost an election
    /// race rather than being deposed, µs.
    pub settle_us: u64,
}

impl LeadershipRules {
    fn quorum(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    fn voter_named(&self, name: &str) -> Option<NodeId> {
        self.voters.iter().copied().find(|&v| voter_name(v) == name)
    }
}

fn voter_name(v: NodeId) -> String {
    node_name(usize::try_from(v.saturating_sub(1)).unwrap_or(usize::MAX))
}

/// The voters a partition leaves on a side without a quorum (only the shapes whose sides the
/// window names: isolating one node, or a minority cut from the majority).
fn cut_off(f: &FaultWindow, rules: &LeadershipRules) -> Vec<NodeId> {
    if !matches!(f.kind.as_str(), "partition-isolate" | "partition-leader" | "partition-halves") {
        return Vec::new();
    }
    let (named, rest): (Vec<NodeId>, Vec<NodeId>) =
        rules.voters.iter().copied().partition(|&v| f.nodes.contains(&voter_name(v)));
    let q = rules.quorum();
    [named, rest].into_iter().filter(|side| side.len() < q).flatten().collect()
}

/// Whether another fault on `node` overlapping [from, to] stops it from stepping down in time
/// (a pause or crash stops it; a clock fault or slow disk bends its timers).
fn otherwise_disturbed(node: NodeId, from: u64, to: u64, faults: &[FaultWindow]) -> bool {
    let name = voter_name(node);
    faults.iter().any(|f| {
        !f.kind.starts_with("partition")
            && f.nodes.contains(&name)
            && f.start_us <= to
            && f.end_us.is_none_or(|e| e >= from)
    })
}

/// With CheckQuorum on, judges every leadership overlapping a partition that cut its leader
/// off from a quorum for longer than the bound.
pub fn check_step_down(
    leaderships: &[Leadership],
    faults: &[FaultWindow],
    rules: &LeadershipRules,
    end_us: u64,
) -> CheckResult {
    if !rules.check_quorum {
        return CheckResult::pass(CHECK_QUORUM, "not judged: CheckQuorum is off");
    }
    let bound = rules.step_down_bound_us;
    let (mut cuts, mut judged, mut problems) = (0u64, 0u64, Vec::new());
    for f in faults {
        let (s, e) = (f.start_us, f.end_us.unwrap_or(end_us));
        for v in cut_off(f, rules) {
            if e <= s.saturating_add(bound) || otherwise_disturbed(v, s, e, faults) {
                continue;
            }
            cuts += 1;
            for l in leaderships.iter().filter(|l| l.node == v && l.from_us < e && l.to_us > s) {
                judged += 1;
                let (lo, hi) = (l.from_us.max(s.saturating_add(bound)), l.to_us.min(e));
                if lo < hi {
                    problems.push(format!(
                        "n{v}, leader of term {}, was still leader at {}, {} after '{}' cut it off from a quorum at {} (bound {})",
                        l.term,
                        fmt_us(hi),
                        fmt_us(hi - s),
                        f.description,
                        fmt_us(s),
                        fmt_us(bound)
                    ));
                }
            }
        }
    }
    if judged == 0 {
        return CheckResult::pass(
            CHECK_QUORUM,
            format!(
                "no leader was cut off from a quorum for longer than {}: nothing to judge ({cuts} cut-offs)",
                fmt_us(bound)
            ),
        );
    }
    let pass = format!(
        "{judged} leaderships cut off from a quorum ({cuts} cut-offs) all stepped down within {}",
        fmt_us(bound)
    );
    CheckResult::from_problems(CHECK_QUORUM, problems, pass)
}

/// Whether a fault overlapping [lo, hi] (extended by `explain_after_us`) touched the leader,
/// enough voters to break its quorum, or the whole network.
fn explained(leader: NodeId, lo: u64, hi: u64, faults: &[FaultWindow], rules: &LeadershipRules) -> bool {
    let mut touched = BTreeSet::new();
    for f in faults
        .iter()
        .filter(|f| f.start_us <= hi && f.end_us.is_none_or(|e| e.saturating_add(rules.explain_after_us) >= lo))
    {
        if f.nodes.is_empty() || matches!(f.kind.as_str(), "partition-ring" | "partition-bridge") {
            return true;
        }
        touched.extend(f.nodes.iter().filter_map(|n| rules.voter_named(n)));
    }
    let breaks_quorum = rules.voters.len().saturating_sub(rules.quorum()) + 1;
    touched.contains(&leader) || touched.len() >= breaks_quorum
}

/// With PreVote and CheckQuorum on, every change of term between leaders must be explained
/// by a fault; a leadership still settling (younger than `settle_us`) may lose a race.
pub fn check_disruption(leaderships: &[Leadership], faults: &[FaultWindow], rules: &LeadershipRules) -> CheckResult {
    if !(rules.pre_vote && rules.check_quorum) {
        return CheckResult::pass(DISRUPTION, "not judged: PreVote and CheckQuorum are not both on");
    }
    // term -> (leader, first sighting, last sighting); election safety is judged elsewhere.
    let mut terms: BTreeMap<u64, (NodeId, u64, u64)> = BTreeMap::new();
    for l in leaderships {
        let t = terms.entry(l.term).or_insert((l.node, l.from_us, l.to_us));
        t.1 = t.1.min(l.from_us);
        t.2 = t.2.max(l.to_us);
    }
    let (mut changes, mut races, mut problems) = (0u64, 0u64, Vec::new());
    let spans: Vec<(u64, (NodeId, u64, u64))> = terms.into_iter().collect();
    for pair in spans.windows(2) {
        let ((pt, (pn, pfrom, pto)), (nt, (nn, nfrom, _))) = (pair[0], pair[1]);
        if nfrom.saturating_sub(pfrom) < rules.settle_us {
            races += 1;
            continue;
        }
        changes += 1;
        if !explained(pn, pto.min(nfrom), nfrom, faults, rules) {
            problems.push(format!(
                "n{nn} became leader of term {nt} at {} while n{pn}, leader of term {pt} since {}, was untouched by any fault",
                fmt_us(nfrom),
                fmt_us(pfrom)
            ));
        }
    }
    if changes == 0 {
        return CheckResult::pass(
            DISRUPTION,
            format!(
                "no change between settled leaders: nothing to judge ({} leader terms, {races} election races)",
                spans.len()
            ),
        );
    }
    let pass = format!("{changes} leader changes each explained by a fault ({races} election races not judged)");
    CheckResult::from_problems(DISRUPTION, problems, pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000;

    fn rules() -> LeadershipRules {
        LeadershipRules {
            voters: vec![1, 2, 3],
            check_quorum: true,
            pre_vote: true,
            step_down_bound_us: 700 * MS,
            explain_after_us: 1_300 * MS,
            settle_us: 600 * MS,
        }
    }

    fn led(node: NodeId, term: u64, from_ms: u64, to_ms: u64) -> Leadership {
        Leadership { node, term, from_us: from_ms * MS, to_us: to_ms * MS }
    }

    fn fault(kind: &str, nodes: &[&str], start_ms: u64, end_ms: u64) -> FaultWindow {
        FaultWindow {
            kind: kind.into(),
            description: format!("{kind} {}", nodes.join(",")),
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            start_us: start_ms * MS,
            end_us: Some(end_ms * MS),
        }
    }

    #[test]
    fn a_cut_off_leader_that_steps_down_in_time_passes() {
        let cut = [fault("partition-leader", &["n1"], 1_000, 3_000)];
        let c = check_step_down(&[led(1, 1, 200, 1_650), led(2, 2, 1_400, 9_000)], &cut, &rules(), 10_000 * MS);
        assert!(c.ok, "{}", c.detail);
        assert_eq!(c.detail, "1 leaderships cut off from a quorum (1 cut-offs) all stepped down within 0.700s");
    }

    #[test]
    fn a_cut_off_leader_that_stays_leader_fails() {
        let cut = [fault("partition-isolate", &["n1"], 1_000, 3_000)];
        let c = check_step_down(&[led(1, 1, 200, 2_900)], &cut, &rules(), 10_000 * MS);
        assert!(!c.ok);
        assert!(c.detail.starts_with("n1, leader of term 1, was still leader at 2.900s, 1.900s after"), "{}", c.detail);
    }

    #[test]
    fn a_leader_on_the_majority_side_is_not_cut_off() {
        let halves = [fault("partition-halves", &["n3"], 1_000, 3_000)];
        let c = check_step_down(&[led(1, 1, 200, 9_000)], &halves, &rules(), 10_000 * MS);
        assert!(c.ok && c.detail.contains("nothing to judge (1 cut-offs)"), "{}", c.detail);
    }

    #[test]
    fn a_paused_leader_or_check_quorum_off_is_not_judged() {
        let faults = [fault("partition-leader", &["n1"], 1_000, 3_000), fault("pause", &["n1"], 900, 2_000)];
        let c = check_step_down(&[led(1, 1, 200, 2_900)], &faults, &rules(), 10_000 * MS);
        assert!(c.ok && c.detail.contains("nothing to judge (0 cut-offs)"), "{}", c.detail);
        let off = LeadershipRules { check_quorum: false, ..rules() };
        let c = check_step_down(&[led(1, 1, 200, 2_900)], &faults[..1], &off, 10_000 * MS);
        assert!(c.ok && c.detail == "not judged: CheckQuorum is off", "{}", c.detail);
    }

    #[test]
    fn a_rejoining_follower_that_deposes_the_leader_fails() {
        let faults = [fault("partition-isolate", &["n3"], 1_000, 2_000)];
        let c = check_disruption(&[led(1, 1, 200, 2_004), led(2, 3, 2_300, 9_000)], &faults, &rules());
        assert!(!c.ok);
        assert!(
            c.detail.starts_with(
                "n2 became leader of term 3 at 2.300s while n1, leader of term 1 since 0.200s, was untouched"
            ),
            "{}",
            c.detail
        );
    }

    #[test]
    fn a_leader_change_explained_by_a_fault_passes() {
        let crash_leader = [fault("crash", &["n1"], 1_000, 1_010)];
        let c = check_disruption(&[led(1, 1, 200, 1_000), led(2, 2, 1_400, 9_000)], &crash_leader, &rules());
        assert!(c.ok && c.detail.starts_with("1 leader changes each explained"), "{}", c.detail);
        // Two followers crashed: the leader lost its quorum.
        let two = [fault("crash", &["n2"], 1_000, 1_010), fault("crash", &["n3"], 1_100, 1_110)];
        assert!(check_disruption(&[led(1, 1, 200, 1_700), led(1, 2, 2_000, 9_000)], &two, &rules()).ok);
        // Message loss touches everyone.
        let loss = [fault("loss", &[], 1_000, 1_500)];
        assert!(check_disruption(&[led(1, 1, 200, 1_700), led(3, 2, 2_000, 9_000)], &loss, &rules()).ok);
    }

    #[test]
    fn an_election_race_at_the_start_is_not_judged() {
        let c = check_disruption(&[led(1, 1, 200, 300), led(2, 2, 400, 9_000)], &[], &rules());
        assert!(c.ok);
        assert_eq!(c.detail, "no change between settled leaders: nothing to judge (2 leader terms, 1 election races)");
        let off = LeadershipRules { pre_vote: false, ..rules() };
        assert!(check_disruption(&[led(1, 1, 200, 2_004), led(2, 3, 2_300, 9_000)], &[], &off).ok);
    }
}
