//! Planted bugs in the CRDT replica: named switches, all off by default, that let the
//! harness prove its checkers catch each one. Off, they change nothing.

/// Which planted bugs are switched on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrdtBugs {
    /// `crdt-lww-wall-clock`: LWW stamps are the raw local wall clock, not the HLC, so a
    /// clock that jumps back makes a later write lose.
    pub lww_wall_clock: bool,
    /// `crdt-orset-remove-unobserved`: an OR-Set remove also marks dots it never observed
    /// as seen, deleting concurrent adds elsewhere.
    pub orset_remove_unobserved: bool,
    /// `crdt-tombstone-gc-early`: LWW tombstones are dropped after a grace period instead
    /// of once every replica holds them, so a replica that missed the remove resurrects it.
    pub tombstone_gc_early: bool,
    /// `crdt-dot-counter-not-persisted`: the OR-Set dot counter restarts at 1 after a
    /// crash instead of continuing from what the replica issued, so dots are reused.
    pub dot_counter_not_persisted: bool,
    /// `crdt-orset-contains-absent`: the OR-Set membership read always answers "absent".
    pub orset_contains_absent: bool,
    /// `crdt-tombstones-never-collected`: LWW tombstones are kept for ever, even once every
    /// replica holds them, so a replica's memory grows with every remove.
    pub tombstones_never_collected: bool,
}
