//! Planted bugs: named fault switches in the systems, off by default, that prove the checkers bite.
use faultline_systems::crdt::replica::CrdtBugs;
use faultline_systems::logsync::LogSyncBugs;
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
    PlantedBug {
        name: "crdt-lww-wall-clock",
        scenario: "crdt",
        description: "stamps LWW writes with the raw local wall clock instead of the hybrid logical clock, so after a clock jumps back a later write loses",
    },
    PlantedBug {
        name: "crdt-orset-remove-unobserved",
        scenario: "crdt",
        description: "an OR-Set remove also marks each peer's next, never observed, dot as seen, so a concurrent add there is deleted everywhere",
    },
    PlantedBug {
        name: "crdt-tombstone-gc-early",
        scenario: "crdt",
        description: "drops LWW tombstones after a 1 s grace period instead of once every replica holds them, so a replica that missed the remove resurrects the follow",
    },
    PlantedBug {
        name: "crdt-dot-counter-not-persisted",
        scenario: "crdt",
        description: "keeps the OR-Set dot counter only in memory, so a restarted replica reuses dots and its new adds vanish on merge",
    },
    PlantedBug {
        name: "logsync-uncommitted-tail",
        scenario: "logsync",
        description: "the leader ships its whole log, committed or not, and replicas apply it, so a replica can serve an entry a new leader later overwrites",
    },
    PlantedBug {
        name: "logsync-ignore-session-token",
        scenario: "logsync",
        description: "a replica serves reads without catching up to the client's session token, so a client that fails over to a lagging replica reads back in time",
    },
    PlantedBug {
        name: "logsync-forget-applied",
        scenario: "logsync",
        description: "a restarted replica restores its state but not its applied position, so it claims an older index than its state and re-applies entries",
    },
];

/// Looks a bug up by name.
pub fn find(name: &str) -> Option<&'static PlantedBug> {
    ALL.iter().find(|b| b.name == name)
}

/// Every system's switches that a list of bug names turns on.
pub fn switches(names: &[String]) -> crate::world::PlantedSwitches {
    crate::world::PlantedSwitches { raft: raft_bugs(names), crdt: crdt_bugs(names), logsync: logsync_bugs(names) }
}

/// The LogSync switches that a list of bug names turns on.
pub fn logsync_bugs(names: &[String]) -> LogSyncBugs {
    let on = |n: &str| names.iter().any(|b| b == n);
    LogSyncBugs {
        apply_uncommitted_tail: on("logsync-uncommitted-tail"),
        ignore_session_token: on("logsync-ignore-session-token"),
        forget_applied_position: on("logsync-forget-applied"),
    }
}

/// The CRDT switches that a list of bug names turns on.
pub fn crdt_bugs(names: &[String]) -> CrdtBugs {
    let on = |n: &str| names.iter().any(|b| b == n);
    CrdtBugs {
        lww_wall_clock: on("crdt-lww-wall-clock"),
        orset_remove_unobserved: on("crdt-orset-remove-unobserved"),
        tombstone_gc_early: on("crdt-tombstone-gc-early"),
        dot_counter_not_persisted: on("crdt-dot-counter-not-persisted"),
    }
}

/// The Raft switches that a list of bug names turns on (unknown names are ignored here;
/// they are rejected where the names come in).
pub fn raft_bugs(names: &[String]) -> RaftBugs {
    let on = |n: &str| names.iter().any(|b| b == n);
    RaftBugs {
        vote_before_persist: on("raft-vote-before-persist"),
        commit_previous_term_by_count: on("raft-commit-previous-term"),
        lease_read_without_drift_margin: on("raft-lease-no-drift-margin"),
        ..RaftBugs::default()
    }
}
