//! Planted bugs: named fault switches in the systems, off by default, that prove the checkers bite.
use faultline_systems::raft::RaftBugs;

/// One planted bug: its switch name, the scenario that exercises it, what it breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlantedBug {
    /// The name `--bug` takes.
    pub name: &'static str,
    /// Scenario (in scenarios/) that exercises it.
    pub scenario: &'static str,
    /// One line: what the switch does wrong.
    pub description: &'static str,
}

/// Every planted bug, in a fixed order.
pub const ALL: &[PlantedBug] = &[
    PlantedBug {
        name: "raft-vote-before-persist",
        scenario: "raft-crash",
        description: "grants a Raft vote before syncing it to disk, so a crash forgets the vote and the node votes twice in one term",
    },
    PlantedBug {
        name: "raft-commit-previous-term",
        scenario: "raft-figure8",
        description: "commits entries of earlier terms by counting replicas (Raft paper figure 8), so a committed entry can be overwritten",
    },
    PlantedBug {
        name: "raft-lease-no-drift-margin",
        scenario: "raft-lease",
        description: "serves lease reads for the full election timeout with no clock-drift margin, so a deposed leader serves stale reads",
    },
];

/// Looks a bug up by name.
pub fn find(name: &str) -> Option<&'static PlantedBug> {
    ALL.iter().find(|b| b.name == name)
}

/// The Raft switches that a list of bug names turns on (unknown names are ignored here;
/// they are rejected where the names come in).
pub fn raft_bugs(names: &[String]) -> RaftBugs {
    let on = |n: &str| names.iter().any(|b| b == n);
    RaftBugs {
        vote_before_persist: on("raft-vote-before-persist"),
        commit_previous_term_by_count: on("raft-commit-previous-term"),
        lease_read_without_drift_margin: on("raft-lease-no-drift-margin"),
    }
}
