//! openraft's planted bugs (switches in our adapter around it), each declared once.
use crate::system::{Bug, PlantedBug};

/// The adapter's bug switches; all off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenRaftBugs {
    /// Tell openraft a log append is durable before the disk sync (the sync comes on the
    /// host's next tick), so a crash in between forgets entries openraft counted.
    pub ack_append_before_sync: bool,
}

/// Every planted bug in the openraft adapter.
pub const BUGS: &[Bug<OpenRaftBugs>] = &[Bug {
    planted: PlantedBug {
        name: "openraft-ack-append-before-sync",
        scenario: "openraft",
        description: "acknowledges a log append to openraft (LogFlushed) before the disk sync, so a crash forgets entries a leader counted toward a quorum",
        caught_by: &[
            "no-panic",
            "acked-writes",
            "linearizability",
            "state-machine-safety",
            "leader-completeness",
            "log-matching",
            "election-safety",
        ],
    },
    switch_on: |b| b.ack_append_before_sync = true,
}];

/// The adapter switches the bug names in `on` turn on.
pub fn switches(on: &[String]) -> OpenRaftBugs {
    crate::system::switches(BUGS, on)
}
