//! "No acknowledged write is ever lost." (Stub: being written.)
use super::raft_safety::RaftObserver;
use crate::check::CheckResult;
use faultline_systems::relations::RequestId;

/// Every write a client saw acknowledged must be in the committed, applied log at the end.
pub fn check_acked_writes(_acked: &[RequestId], _observer: &RaftObserver) -> CheckResult {
    CheckResult::pass("acked-writes", "stub")
}
