//! LogSync's planted bugs, each declared once.
use crate::system::{Bug, PlantedBug};
use faultline_systems::logsync::LogSyncBugs;

/// Every planted LogSync bug.
pub const BUGS: &[Bug<LogSyncBugs>] = &[
    Bug {
        planted: PlantedBug {
            name: "logsync-uncommitted-tail",
            scenario: "logsync",
            description: "the leader ships its whole log, committed or not, and replicas apply it, so a replica can serve an entry a new leader later overwrites",
            caught_by: &["logsync-consistent-prefix", "logsync-no-phantom-reads"],
        },
        switch_on: |b| b.apply_uncommitted_tail = true,
    },
    Bug {
        planted: PlantedBug {
            name: "logsync-ignore-session-token",
            scenario: "logsync",
            description: "a replica serves reads without catching up to the client's session token, so a client that fails over to a lagging replica reads back in time",
            caught_by: &["logsync-sessions"],
        },
        switch_on: |b| b.ignore_session_token = true,
    },
    Bug {
        planted: PlantedBug {
            name: "logsync-forget-applied",
            scenario: "logsync",
            description: "a restarted replica restores its state but not its applied position, so it claims an older index than its state and re-applies entries",
            caught_by: &["logsync-consistent-prefix", "logsync-no-phantom-reads", "logsync-recovery"],
        },
        switch_on: |b| b.forget_applied_position = true,
    },
    Bug {
        planted: PlantedBug {
            name: "logsync-skip-wal-replay",
            scenario: "logsync",
            description: "a restarted replica restores its last snapshot but not the synced WAL entries after it, so it comes back behind the index it had claimed and served reads at",
            caught_by: &["logsync-recovery"],
        },
        switch_on: |b| b.skip_wal_replay = true,
    },
    Bug {
        planted: PlantedBug {
            name: "logsync-ignore-staleness-bound",
            scenario: "logsync",
            description: "a replica answers a read that asked for at most N ms of staleness without checking when it last heard from the leader, so a replica cut off from the leader serves old state as fresh",
            caught_by: &["logsync-freshness"],
        },
        switch_on: |b| b.ignore_staleness_bound = true,
    },
];

/// The LogSync switches the bug names in `on` turn on.
pub fn switches(on: &[String]) -> LogSyncBugs {
    crate::system::switches(BUGS, on)
}
