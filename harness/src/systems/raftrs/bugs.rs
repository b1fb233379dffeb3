//! raft-rs's planted bugs (switches in our adapter around it), each declared once.
use crate::system::{Bug, PlantedBug};
use faultline_systems::raftrs::RaftRsBugs;

/// Every planted bug in the raft-rs adapter.
pub const BUGS: &[Bug<RaftRsBugs>] = &[Bug {
    planted: PlantedBug {
        name: "raftrs-send-persisted-before-sync",
        scenario: "raft-rs",
        description: "sends raft-rs's persisted messages (votes, append acks) before syncing the Ready, so a crash forgets entries and votes peers counted as durable",
        // raft-rs itself panics ("to_commit N is out of range [last_index N-1]") when a leader
        // commits past a follower's log that lost its unsynced tail; `raftrs-acked-durable`
        // judges the same loss from the disk's record (native 0..100: 92 seeds, first seed 0).
        caught_by: &[
            "no-panic",
            "raftrs-acked-durable",
            "acked-writes",
            "linearizability",
            "state-machine-safety",
            "leader-completeness",
            "log-matching",
            "election-safety",
        ],
    },
    switch_on: |b| b.send_persisted_before_sync = true,
}];

/// The adapter switches the bug names in `on` turn on.
pub fn switches(on: &[String]) -> RaftRsBugs {
    crate::system::switches(BUGS, on)
}
