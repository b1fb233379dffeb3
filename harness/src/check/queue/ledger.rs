//! `ingest-exactly-once`: after heal and drain, every acknowledged event was counted in the
//! sink exactly once and every unacknowledged one at most once.
use std::collections::BTreeMap;

use super::counts::{add, list, size, Multiset, QueueCounts};
use super::records::{EventRecord, IngestRecords};
use crate::check::CheckResult;

/// Check name.
pub const INGEST_EXACTLY_ONCE: &str = "ingest-exactly-once";
/// Trace ids a detail lists per category.
const LISTED_MAX: usize = 5;

/// The first stage an acknowledged, uncounted event is missing from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MissingAt {
    /// Acknowledged, but no WAL sync ever covered it.
    NeverDurable,
    /// Durable in the WAL, never appended to the log.
    NeverAppended,
    /// In the log, but no consumer read it.
    SkippedByConsumer,
    /// Read by a consumer, never counted by the sink.
    NotCounted,
}

impl MissingAt {
    /// The stage an event went missing at.
    pub fn of(e: &EventRecord) -> Self {
        if e.durable.is_none() {
            MissingAt::NeverDurable
        } else if e.appended.is_empty() {
            MissingAt::NeverAppended
        } else if e.consumed.is_empty() {
            MissingAt::SkippedByConsumer
        } else {
            MissingAt::NotCounted
        }
    }

    /// Words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            MissingAt::NeverDurable => "never durable in the WAL",
            MissingAt::NeverAppended => "never appended",
            MissingAt::SkippedByConsumer => "appended but skipped by the consumer",
            MissingAt::NotCounted => "consumed but not counted",
        }
    }
}

/// The ledger's findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    /// Jepsen's total-queue counts with attempts = sent events, enqueues = acknowledged,
    /// dequeues = sink counts; `lost` holds only events the pipeline provably passed or whose
    /// liveness bound expired.
    pub counts: QueueCounts<String>,
    /// Acknowledged, uncounted events still in flight at the deadline.
    pub unseen: Multiset<String>,
    /// Where each lost or unseen event went missing.
    pub missing_at: BTreeMap<String, MissingAt>,
    /// Whether the liveness bound after the heal had expired by the deadline.
    pub bound_expired: bool,
    /// Trace ids that had more than one record (a conversion bug; fails the check).
    pub repeated_records: Vec<String>,
}

/// Whether the pipeline moved past `e` without counting it: the sink counted a later offset
/// of a partition `e` was appended to.
fn passed(e: &EventRecord, counted_max: &BTreeMap<u32, u64>) -> bool {
    e.appended.iter().any(|p| counted_max.get(&p.partition).is_some_and(|&m| m > p.offset))
}

/// Build the ledger of a run.
pub fn ledger(r: &IngestRecords) -> Ledger {
    let (mut attempts, mut acked, mut counted) = (Multiset::new(), Multiset::new(), Multiset::new());
    let mut seen = BTreeMap::new();
    let mut repeated_records = Vec::new();
    let mut counted_max: BTreeMap<u32, u64> = BTreeMap::new();
    for e in &r.events {
        if seen.insert(e.trace_id.as_str(), ()).is_some() {
            repeated_records.push(e.trace_id.clone());
        }
        if e.invoked.is_some() {
            add(&mut attempts, e.trace_id.clone());
        }
        if e.acknowledged.is_some() {
            add(&mut acked, e.trace_id.clone());
        }
        for c in &e.counted {
            add(&mut counted, e.trace_id.clone());
            let m = counted_max.entry(c.position.partition).or_insert(c.position.offset);
            *m = (*m).max(c.position.offset);
        }
    }
    let mut counts = QueueCounts::compute(&attempts, &acked, &counted);
    let bound_expired = match (r.heal, r.liveness_bound_ms) {
        (Some(heal), Some(ms)) => r.deadline >= heal.saturating_add(std::time::Duration::from_millis(ms)),
        _ => false,
    };
    let mut unseen = Multiset::new();
    let mut missing_at = BTreeMap::new();
    for e in r.events.iter().filter(|e| counts.lost.contains_key(&e.trace_id)) {
        missing_at.insert(e.trace_id.clone(), MissingAt::of(e));
        if !passed(e, &counted_max) {
            add(&mut unseen, e.trace_id.clone());
        }
    }
    counts.lost.retain(|id, _| !unseen.contains_key(id));
    Ledger { counts, unseen, missing_at, bound_expired, repeated_records }
}

impl Ledger {
    /// Exactly once: nothing lost, duplicated or unexpected, and nothing unseen once the
    /// liveness bound has expired.
    pub fn ok(&self) -> bool {
        self.counts.lost.is_empty()
            && self.counts.duplicated.is_empty()
            && self.counts.unexpected.is_empty()
            && (self.unseen.is_empty() || !self.bound_expired)
            && self.repeated_records.is_empty()
    }

    fn with_stages(&self, m: &Multiset<String>) -> String {
        let mut by_stage: BTreeMap<MissingAt, Multiset<String>> = BTreeMap::new();
        for id in m.keys() {
            let stage = self.missing_at.get(id).copied().unwrap_or(MissingAt::NotCounted);
            add(by_stage.entry(stage).or_default(), id.clone());
        }
        let parts: Vec<String> = by_stage
            .iter()
            .map(|(s, ids)| format!("{} {}: {}", size(ids), s.describe(), list(ids, LISTED_MAX)))
            .collect();
        parts.join(", ")
    }
}

/// The ledger as a `CheckResult`.
pub fn check_exactly_once(r: &IngestRecords) -> CheckResult {
    let l = ledger(r);
    if l.counts.attempt_count == 0 && size(&l.counts.unexpected) == 0 {
        return CheckResult::pass(INGEST_EXACTLY_ONCE, "nothing to judge: no event was sent or counted");
    }
    let mut detail = format!("{}, unseen-count {}", l.counts.summary(), size(&l.unseen));
    let parts = [
        ("lost", &l.counts.lost, true),
        ("unseen", &l.unseen, true),
        ("duplicated", &l.counts.duplicated, false),
        ("unexpected", &l.counts.unexpected, false),
    ];
    for (name, m, staged) in parts.into_iter().filter(|(_, m, _)| !m.is_empty()) {
        let listed = if staged { l.with_stages(m) } else { list(m, LISTED_MAX) };
        detail.push_str(&format!("; {name}: {listed}"));
    }
    if !l.unseen.is_empty() {
        let why =
            if l.bound_expired { "past the liveness bound after the heal" } else { "still in flight at the deadline" };
        detail.push_str(&format!(" ({why})"));
    }
    if !l.repeated_records.is_empty() {
        detail.push_str(&format!("; trace ids with more than one record: {}", l.repeated_records.join(" ")));
    }
    CheckResult { name: INGEST_EXACTLY_ONCE.to_string(), ok: l.ok(), detail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::queue::fixtures::{at, event, records};

    #[test]
    fn every_acked_event_counted_once_passes() {
        let r = records(vec![event("a", 1, at(0, 1)), event("b", 2, at(0, 2))]);
        let c = check_exactly_once(&r);
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.contains("acknowledged-count 2") && c.detail.contains("lost-count 0"), "{}", c.detail);
    }

    #[test]
    fn a_duplicate_fails_although_jepsen_allows_it() {
        let mut e = event("a", 1, at(0, 1));
        e.counted.push(e.counted[0]);
        let c = check_exactly_once(&records(vec![e]));
        assert!(!c.ok && c.detail.contains("duplicated: a"), "{}", c.detail);
    }

    #[test]
    fn an_unacked_event_may_be_counted_once_and_recovered() {
        let mut e = event("a", 1, at(0, 1));
        e.acknowledged = None;
        let c = check_exactly_once(&records(vec![e]));
        assert!(c.ok && c.detail.contains("recovered-count 1"), "{}", c.detail);
    }

    #[test]
    fn unexpected_counts_fail() {
        let mut e = event("ghost", 1, at(0, 1));
        e.invoked = None;
        e.acknowledged = None;
        let c = check_exactly_once(&records(vec![e, event("a", 2, at(0, 2))]));
        assert!(!c.ok && c.detail.contains("unexpected: ghost"), "{}", c.detail);
    }

    #[test]
    fn a_skipped_event_is_lost_with_its_stage() {
        let mut skipped = event("a", 1, at(0, 1));
        skipped.consumed.clear();
        skipped.counted.clear();
        let c = check_exactly_once(&records(vec![skipped, event("b", 2, at(0, 2))]));
        assert!(!c.ok, "{}", c.detail);
        assert!(c.detail.contains("lost: 1 appended but skipped by the consumer: a"), "{}", c.detail);
    }

    #[test]
    fn in_flight_is_unseen_until_the_liveness_bound_expires() {
        let mut inflight = event("a", 1, at(0, 5));
        inflight.durable = None;
        inflight.appended.clear();
        inflight.consumed.clear();
        inflight.counted.clear();
        let mut r = records(vec![event("b", 2, at(0, 1)), inflight]);
        r.heal = Some(ms(1_000));
        r.liveness_bound_ms = Some(5_000);
        r.deadline = ms(3_000);
        let c = check_exactly_once(&r);
        assert!(c.ok && c.detail.contains("unseen-count 1") && c.detail.contains("in flight"), "{}", c.detail);
        r.deadline = ms(6_000);
        let c = check_exactly_once(&r);
        assert!(!c.ok && c.detail.contains("1 never durable in the WAL: a"), "{}", c.detail);
        assert!(c.detail.contains("past the liveness bound"), "{}", c.detail);
        assert_eq!(ledger(&r).missing_at.get("a"), Some(&MissingAt::NeverDurable));
    }

    #[test]
    fn stages_in_order_and_nothing_to_judge() {
        let mut e = event("a", 1, at(0, 1));
        e.counted.clear();
        assert_eq!(MissingAt::of(&e), MissingAt::NotCounted);
        e.consumed.clear();
        assert_eq!(MissingAt::of(&e), MissingAt::SkippedByConsumer);
        e.appended.clear();
        assert_eq!(MissingAt::of(&e), MissingAt::NeverAppended);
        let c = check_exactly_once(&records(vec![]));
        assert!(c.ok && c.detail.contains("nothing to judge"));
        let c = check_exactly_once(&records(vec![event("a", 1, at(0, 1)), event("a", 1, at(0, 1))]));
        assert!(!c.ok && c.detail.contains("more than one record"), "{}", c.detail);
    }

    fn ms(t: u64) -> faultline_systems::time::Time {
        faultline_systems::time::Time::from_micros(t * 1000)
    }
}
