//! Liveness after the last heal. (Stub: being written.)
use super::raft_safety::RaftObserver;
use crate::check::CheckResult;
use crate::history::Event;

/// After the last fault heals, a leader is elected and a write commits within `bound_us`.
pub fn check_liveness(_last_heal_us: Option<u64>, _end_us: u64, _bound_us: u64, _observer: &RaftObserver, _history: &[Event]) -> CheckResult {
    CheckResult::pass("liveness", "stub")
}
