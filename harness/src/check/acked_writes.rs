//! "No acknowledged write is ever lost": every write a client saw acknowledged was applied.
use super::raft_safety::RaftObserver;
use crate::check::CheckResult;
use faultline_systems::relations::RequestId;
use std::collections::BTreeSet;

/// Check name.
pub const ACKED_WRITES: &str = "acked-writes";
/// How many missing request ids a failure lists.
const LIST_MAX: usize = 5;

/// A request id as clients are named in reports: client index 0 is "c1", so "c1#4".
pub fn request_name(r: &RequestId) -> String {
    format!("c{}#{}", r.client.saturating_add(1), r.seq)
}

/// Every write a client saw acknowledged must have been applied (committed) by some node.
///
/// Applying by any one node is enough: state-machine safety (checked separately) makes every
/// node that applies that index apply the same entry.
pub fn check_acked_writes(acked: &[RequestId], observer: &RaftObserver) -> CheckResult {
    let mut seen = BTreeSet::new();
    let mut missing = Vec::new();
    // Acknowledgement order, so "the first few missing" are the oldest losses.
    for r in acked {
        if seen.insert(*r) && observer.applied_request_index(r).is_none() {
            missing.push(*r);
        }
    }
    let total = seen.len();
    if missing.is_empty() {
        return CheckResult::pass(ACKED_WRITES, format!("{total} acknowledged writes all committed"));
    }
    let listed: Vec<String> = missing.iter().take(LIST_MAX).map(request_name).collect();
    let more = missing.len().saturating_sub(LIST_MAX);
    let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
    CheckResult::fail(
        ACKED_WRITES,
        format!(
            "{} of {total} acknowledged writes were never applied by any node: {}{tail}",
            missing.len(),
            listed.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_systems::raft::{AppliedEntry, EntryId};

    fn req(client: u64, seq: u64) -> RequestId {
        RequestId { client, seq }
    }

    fn observer_applying(requests: &[RequestId]) -> RaftObserver {
        let mut o = RaftObserver::default();
        for (i, r) in requests.iter().enumerate() {
            let index = i as u64 + 1;
            o.applied(
                index * 1000,
                1,
                &AppliedEntry { id: EntryId { index, term: 1, digest: index }, request: Some(*r), command: None },
            );
        }
        o
    }

    #[test]
    fn passes_when_every_acknowledged_write_was_applied() {
        let o = observer_applying(&[req(0, 1), req(1, 1), req(0, 2)]);
        // A retried request acknowledged twice is one write.
        let c = check_acked_writes(&[req(0, 1), req(0, 2), req(1, 1), req(0, 1)], &o);
        assert!(c.ok, "{}", c.detail);
        assert_eq!(c.name, "acked-writes");
        assert_eq!(c.detail, "3 acknowledged writes all committed");
    }

    #[test]
    fn passes_with_no_acknowledged_writes() {
        let c = check_acked_writes(&[], &RaftObserver::default());
        assert!(c.ok);
        assert_eq!(c.detail, "0 acknowledged writes all committed");
    }

    #[test]
    fn fails_listing_the_first_missing_writes() {
        let o = observer_applying(&[req(0, 1)]);
        let acked: Vec<RequestId> = std::iter::once(req(0, 1)).chain((1..=8).map(|s| req(2, s))).collect();
        let c = check_acked_writes(&acked, &o);
        assert!(!c.ok);
        assert_eq!(
            c.detail,
            "8 of 9 acknowledged writes were never applied by any node: c3#1, c3#2, c3#3, c3#4, c3#5 and 3 more"
        );
    }
}
