//! The relations service's planted bugs (switches in our Raft), each declared once.
use crate::system::{Bug, PlantedBug};
use faultline_systems::raft::RaftBugs;

/// Every planted Raft bug.
pub const BUGS: &[Bug<RaftBugs>] = &[
    Bug {
        planted: PlantedBug {
            name: "raft-vote-before-persist",
            scenario: "raft-crash",
            description: "grants a Raft vote before syncing it to disk, so a crash forgets the vote and the node votes twice in one term",
            caught_by: &[
                "durability",
                "election-safety",
                "linearizability",
                "state-machine-safety",
                "log-matching",
                "leader-completeness",
                "acked-writes",
            ],
        },
        switch_on: |b| b.vote_before_persist = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-commit-previous-term",
            scenario: "raft-figure8",
            description: "commits entries of earlier terms by counting replicas (Raft paper figure 8), so a committed entry can be overwritten",
            caught_by: &["state-machine-safety", "leader-completeness", "log-matching", "linearizability", "acked-writes"],
        },
        switch_on: |b| b.commit_previous_term_by_count = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-lease-no-drift-margin",
            scenario: "raft-lease",
            description: "serves lease reads for the full election timeout with no clock-drift margin, so a deposed leader serves stale reads",
            caught_by: &["linearizability"],
        },
        switch_on: |b| b.lease_read_without_drift_margin = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-truncate-on-stale-append",
            scenario: "raft-crash",
            description: "a follower truncates its log on a stale AppendEntries whose entries it already holds, dropping entries a leader counted as committed",
            caught_by: &["leader-completeness", "state-machine-safety", "log-matching", "acked-writes", "linearizability", "catch-up"],
        },
        switch_on: |b| b.truncate_on_stale_append = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-ack-append-before-sync",
            scenario: "raft-crash",
            description: "a follower acknowledges AppendEntries before syncing the entries, so a crash loses entries the leader counted toward commit",
            caught_by: &["leader-completeness", "state-machine-safety", "log-matching", "acked-writes", "linearizability", "durability"],
        },
        switch_on: |b| b.ack_append_before_sync = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-read-index-before-own-term-commit",
            scenario: "raft-crash",
            description: "a new leader serves ReadIndex reads before committing an entry of its own term, so a read can miss an acknowledged write",
            caught_by: &["linearizability"],
        },
        switch_on: |b| b.read_index_before_own_term_commit = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-snapshot-off-by-one",
            scenario: "raft-rejoin",
            description: "a follower installing a snapshot takes it as covering one entry more than it does, so it never applies that entry",
            caught_by: &["snapshot-install", "catch-up", "linearizability", "state-machine-safety", "log-matching"],
        },
        switch_on: |b| b.snapshot_off_by_one = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-lease-without-check-quorum",
            scenario: "raft-lease-cq-off",
            description: "serves lease reads with CheckQuorum off, when followers still vote during the lease, so a cut-off leader serves stale reads",
            caught_by: &["linearizability"],
        },
        switch_on: |b| b.lease_without_check_quorum = true,
    },
    Bug {
        planted: PlantedBug {
            name: "raft-pre-vote-ignored",
            scenario: "raft-rejoin",
            description: "a pre-candidate campaigns without a quorum of pre-votes, so a node that keeps rejoining bumps the term and deposes a healthy leader",
            caught_by: &["disruption"],
        },
        switch_on: |b| b.pre_vote_ignored = true,
    },
];

/// The Raft switches the bug names in `on` turn on.
pub fn switches(on: &[String]) -> RaftBugs {
    crate::system::switches(BUGS, on)
}
