//! `crdt-tombstones`: a resource bound. LWW tombstones are collected once causally stable, and
//! after the heal writes stop and gossip runs for the whole quiet period, so every tombstone
//! becomes stable: a replica that still holds one at the end never collects them, and its
//! memory grows with every remove for as long as it runs.
use crate::check::CheckResult;
use crate::history::node_name;
use faultline_systems::crdt::replica::Graphs;
use std::collections::BTreeMap;

/// The check's name.
pub const TOMBSTONES: &str = "crdt-tombstones";

/// Judges each replica's final LWW state; `held_max` is the most tombstones it held at once.
pub fn check_tombstones(latest: &BTreeMap<usize, Graphs>, held_max: &BTreeMap<usize, usize>) -> CheckResult {
    let peak = held_max.values().copied().max().unwrap_or(0);
    if peak == 0 {
        return CheckResult::pass(TOMBSTONES, "no LWW remove left a tombstone: nothing to judge (0 tombstones)");
    }
    let problems: Vec<String> = latest
        .iter()
        .filter(|(_, g)| g.lww.tombstones() > 0)
        .map(|(node, g)| {
            let most = held_max.get(node).copied().unwrap_or(0);
            format!(
                "{} still holds {} LWW tombstones at the end (at most {most} at once)",
                node_name(*node),
                g.lww.tombstones()
            )
        })
        .collect();
    let pass =
        format!("{} replicas collected every LWW tombstone by the end (at most {peak} held at once)", latest.len());
    CheckResult::from_problems(TOMBSTONES, problems, pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_systems::crdt::Timestamp;

    fn stamp(wall_us: u64) -> Timestamp {
        Timestamp { wall_us, logical: 0, replica: 1 }
    }

    /// Replica 5 after adding and removing one follow; `collect` collects the tombstone.
    fn replica(collect: bool) -> Graphs {
        let mut g = Graphs::new(1);
        g.lww.add((1, 2), stamp(10));
        g.lww.remove((1, 2), stamp(20));
        if collect {
            g.lww.collect_garbage(stamp(30));
        }
        g
    }

    #[test]
    fn tombstones_collected_by_the_end_pass() {
        let c = check_tombstones(&BTreeMap::from([(5, replica(true))]), &BTreeMap::from([(5, 1)]));
        assert!(c.ok, "{}", c.detail);
        assert_eq!(c.detail, "1 replicas collected every LWW tombstone by the end (at most 1 held at once)");
    }

    #[test]
    fn a_tombstone_left_at_the_end_fails() {
        let c = check_tombstones(&BTreeMap::from([(5, replica(false))]), &BTreeMap::from([(5, 1)]));
        assert!(!c.ok);
        assert!(c.detail.contains("n6 still holds 1 LWW tombstones at the end"), "{}", c.detail);
    }

    #[test]
    fn a_run_without_tombstones_says_there_was_nothing_to_judge() {
        let c = check_tombstones(&BTreeMap::from([(5, Graphs::new(1))]), &BTreeMap::new());
        assert!(c.ok && c.detail.contains("nothing to judge"), "{}", c.detail);
    }
}
