//! The ingestion pipeline's planted bugs, each declared once with the checks that catch it.
use crate::system::{Bug, PlantedBug};
use faultline_systems::ingest::IngestBugs;

/// Every planted ingestion bug.
pub const BUGS: &[Bug<IngestBugs>] = &[
    Bug {
        planted: PlantedBug {
            name: "ingest-ack-before-wal-sync",
            scenario: "ingest",
            description: "collectors acknowledge an event when they accept it, before its batch is in the synced WAL, so a collector crash loses acknowledged events",
            caught_by: &["ingest-ack-durable", "ingest-exactly-once"],
        },
        switch_on: |b| b.ack_before_wal_sync = true,
    },
    Bug {
        planted: PlantedBug {
            name: "ingest-offset-commit-separate",
            scenario: "ingest",
            description: "consumers commit the offset and the counters in two sink writes, so a crash in between loses or double-counts events",
            caught_by: &["ingest-exactly-once"],
        },
        switch_on: |b| b.offset_commit_separate = true,
    },
    Bug {
        planted: PlantedBug {
            name: "ingest-sink-no-fencing",
            scenario: "ingest",
            description: "the sink accepts writes with a fencing token older than one it accepted, so a zombie consumer's late write lands",
            caught_by: &["ingest-fencing", "ingest-exactly-once"],
        },
        switch_on: |b| b.sink_no_fencing = true,
    },
    Bug {
        planted: PlantedBug {
            name: "ingest-dedupe-without-event-type",
            scenario: "ingest",
            description: "the collector's dedupe key lacks event_type, so a device's distinct events at one timestamp collide and the later one is acked but dropped",
            caught_by: &["ingest-exactly-once", "ingest-ack-durable"],
        },
        switch_on: |b| b.dedupe_without_event_type = true,
    },
    Bug {
        planted: PlantedBug {
            name: "ingest-ship-retry-without-sequence",
            scenario: "ingest",
            description: "every shipping retry carries a fresh sequence number, so the log appends a retried batch again",
            caught_by: &["ingest-exactly-once", "ingest-log"],
        },
        switch_on: |b| b.ship_retry_without_sequence = true,
    },
];

/// The ingestion switches the bug names in `on` turn on.
pub fn switches(on: &[String]) -> IngestBugs {
    crate::system::switches(BUGS, on)
}
