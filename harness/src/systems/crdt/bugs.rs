//! The CRDT replicas' planted bugs, each declared once.
use crate::system::{Bug, PlantedBug};
use faultline_systems::crdt::replica::CrdtBugs;

/// Every planted CRDT bug.
pub const BUGS: &[Bug<CrdtBugs>] = &[
    Bug {
        planted: PlantedBug {
            name: "crdt-lww-wall-clock",
            scenario: "crdt",
            description: "stamps LWW writes with the raw local wall clock instead of the hybrid logical clock, so after a clock jumps back a later write loses",
            caught_by: &["crdt-lww"],
        },
        switch_on: |b| b.lww_wall_clock = true,
    },
    Bug {
        planted: PlantedBug {
            name: "crdt-orset-remove-unobserved",
            scenario: "crdt",
            description: "an OR-Set remove also marks each peer's next, never observed, dot as seen, so a concurrent add there is deleted everywhere",
            caught_by: &["crdt-orset"],
        },
        switch_on: |b| b.orset_remove_unobserved = true,
    },
    Bug {
        planted: PlantedBug {
            name: "crdt-tombstone-gc-early",
            scenario: "crdt",
            description: "drops LWW tombstones after a 1 s grace period instead of once every replica holds them, so a replica that missed the remove resurrects the follow",
            caught_by: &["crdt-lww", "crdt-convergence"],
        },
        switch_on: |b| b.tombstone_gc_early = true,
    },
    Bug {
        planted: PlantedBug {
            name: "crdt-dot-counter-not-persisted",
            scenario: "crdt",
            description: "keeps the OR-Set dot counter only in memory, so a restarted replica reuses dots and its new adds vanish on merge",
            caught_by: &["crdt-orset", "crdt-convergence"],
        },
        switch_on: |b| b.dot_counter_not_persisted = true,
    },
    Bug {
        planted: PlantedBug {
            name: "crdt-orset-contains-absent",
            scenario: "crdt",
            description: "the OR-Set membership test always answers \"absent\", whatever the replica holds",
            caught_by: &["crdt-read"],
        },
        switch_on: |b| b.orset_contains_absent = true,
    },
    Bug {
        planted: PlantedBug {
            name: "crdt-tombstones-never-collected",
            scenario: "crdt",
            description: "LWW tombstones are never collected, even once every replica holds them, so each replica's memory grows with every remove",
            caught_by: &["crdt-tombstones"],
        },
        switch_on: |b| b.tombstones_never_collected = true,
    },
];

/// The CRDT switches the bug names in `on` turn on.
pub fn switches(on: &[String]) -> CrdtBugs {
    crate::system::switches(BUGS, on)
}
