//! Liveness after the last heal: once faults stop, the cluster elects a leader and a client sees a
//! write acknowledged within a bound.
use super::raft_safety::{fmt_us, RaftObserver};
use crate::check::CheckResult;
use crate::history::{Event, EventKind};

/// Check name.
pub const LIVENESS: &str = "liveness";
/// The nemesis records a heal when its task wakes, which the engines do a microsecond or so after
/// the scheduled instant (faults clamped to the end of the fault phase are recorded at +1 µs);
/// a scenario whose quiet time equals the bound must not fail on that.
const HEAL_SLACK_US: u64 = 1_000;

/// After the last fault heals (or from time 0 without faults), within `bound_us` a leader is
/// observed and a client sees a write acknowledged; the run must leave at least `bound_us` of
/// quiet time to tell.
pub fn check_liveness(
    last_heal_us: Option<u64>,
    end_us: u64,
    bound_us: u64,
    observer: &RaftObserver,
    history: &[Event],
) -> CheckResult {
    let heal = last_heal_us.unwrap_or(0);
    let since = match last_heal_us {
        Some(t) => format!("the last heal at {}", fmt_us(t)),
        None => "the start (no faults)".to_string(),
    };
    let quiet = end_us.saturating_sub(heal);
    if quiet.saturating_add(HEAL_SLACK_US) < bound_us {
        return CheckResult::fail(
            LIVENESS,
            format!(
                "the scenario leaves only {} of quiet time after {since} (run ends at {}), less than the {} liveness bound; \
                 fix the scenario so its last fault heals at least the bound before the end",
                fmt_us(quiet),
                fmt_us(end_us),
                fmt_us(bound_us)
            ),
        );
    }
    let deadline = heal.saturating_add(bound_us);
    let leader = observer.first_leader_at_or_after(heal).filter(|&(t, _, _)| t <= deadline);
    // Only a write a client saw acknowledged counts: a leader that applies entries (even its
    // own no-op) but never answers is not live.
    let write = history
        .iter()
        .filter(|e| {
            e.kind == EventKind::Ok
                && (e.f == "follow" || e.f == "unfollow")
                && e.time_us >= heal
                && e.time_us <= deadline
        })
        .map(|e| e.time_us)
        .min();
    match (leader, write) {
        (Some((lt, node, term)), Some(wt)) => CheckResult::pass(
            LIVENESS,
            format!(
                "leader n{node} (term {term}) after {}, first write acknowledged after {}, since {since} (bound {})",
                fmt_us(lt - heal),
                fmt_us(wt - heal),
                fmt_us(bound_us)
            ),
        ),
        (None, write) => {
            let w = match write {
                Some(wt) => format!("a write acknowledged after {}", fmt_us(wt - heal)),
                None => "and no write acknowledged".to_string(),
            };
            CheckResult::fail(LIVENESS, format!("no leader observed within {} of {since}; {w}", fmt_us(bound_us)))
        }
        (Some((lt, node, term)), None) => CheckResult::fail(
            LIVENESS,
            format!(
                "leader n{node} (term {term}) after {}, but no client write acknowledged within {} of {since}",
                fmt_us(lt - heal),
                fmt_us(bound_us)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_systems::raft::{AppliedEntry, EntryId, Observation, Role};

    const S: u64 = 1_000_000;

    fn observe_leader(o: &mut RaftObserver, at: u64, id: u64, term: u64) {
        let obs = Observation {
            id,
            term,
            role: Role::Leader,
            voted_for: Some(id),
            commit_index: 0,
            last_applied: 0,
            snapshot_index: 0,
            snapshot_term: 0,
            log: vec![],
        };
        o.observe(at, &obs);
    }

    fn ok(time_us: u64, f: &str) -> Event {
        Event {
            index: 0,
            time_us,
            process: 0,
            kind: EventKind::Ok,
            f: f.to_string(),
            key: None,
            value: serde_json::Value::Null,
            node: None,
            system: None,
        }
    }

    #[test]
    fn passes_with_a_leader_and_a_write_after_the_heal() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 9 * S, 1, 1); // before the heal: does not count
        observe_leader(&mut o, 10 * S + 412_000, 3, 2);
        let history = [ok(9 * S, "follow"), ok(10 * S + 200_000, "read"), ok(10 * S + 530_000, "unfollow")];
        let c = check_liveness(Some(10 * S), 30 * S, 5 * S, &o, &history);
        assert!(c.ok, "{}", c.detail);
        assert_eq!(c.name, "liveness");
        assert!(
            c.detail.starts_with("leader n3 (term 2) after 0.412s, first write acknowledged after 0.530s"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn a_leader_that_stays_leader_through_the_heal_counts_once_observed_after_it() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 2 * S, 1, 1);
        observe_leader(&mut o, 10 * S + 50_000, 1, 1);
        let c = check_liveness(Some(10 * S), 30 * S, 5 * S, &o, &[ok(10 * S + 60_000, "follow")]);
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.contains("leader n1 (term 1) after 0.050s"), "{}", c.detail);
    }

    #[test]
    fn an_applied_entry_without_an_acknowledged_write_fails() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 10 * S + 300_000, 2, 3);
        o.applied(
            10 * S + 310_000,
            2,
            &AppliedEntry { id: EntryId { index: 7, term: 3, digest: 1 }, request: None, command: None },
        );
        // A leader that applies writes but never answers: nothing was acknowledged.
        let c = check_liveness(Some(10 * S), 30 * S, 5 * S, &o, &[]);
        assert!(!c.ok, "{}", c.detail);
        assert!(c.detail.contains("no client write acknowledged within 5.000s"), "{}", c.detail);
    }

    #[test]
    fn fails_without_a_leader() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 9 * S, 1, 1);
        let c = check_liveness(Some(10 * S), 30 * S, 5 * S, &o, &[ok(11 * S, "follow")]);
        assert!(!c.ok);
        assert!(c.detail.starts_with("no leader observed within 5.000s of the last heal at 10.000s"), "{}", c.detail);
    }

    #[test]
    fn fails_when_the_leader_comes_too_late() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 16 * S, 1, 2);
        let c = check_liveness(Some(10 * S), 30 * S, 5 * S, &o, &[ok(16 * S, "follow")]);
        assert!(!c.ok, "{}", c.detail);
    }

    #[test]
    fn fails_without_a_write_within_the_bound() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 10 * S + 100_000, 2, 2);
        // A read, a write before the heal and a write after the bound: none count.
        let history = [ok(10 * S + 200_000, "read"), ok(9 * S, "follow"), ok(15 * S + 1, "follow")];
        let c = check_liveness(Some(10 * S), 30 * S, 5 * S, &o, &history);
        assert!(!c.ok);
        assert!(
            c.detail.contains("leader n2 (term 2) after 0.100s, but no client write acknowledged within 5.000s"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn fails_when_the_scenario_leaves_too_little_quiet_time() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 28 * S, 1, 2);
        let c = check_liveness(Some(27 * S), 30 * S, 5 * S, &o, &[ok(28 * S, "follow")]);
        assert!(!c.ok);
        assert!(c.detail.contains("only 3.000s of quiet time after the last heal at 27.000s"), "{}", c.detail);
        assert!(c.detail.contains("fix the scenario"), "{}", c.detail);
    }

    #[test]
    fn a_heal_recorded_a_microsecond_late_still_leaves_enough_quiet_time() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 20 * S + 100_000, 1, 2);
        let c = check_liveness(Some(20 * S + 1), 25 * S, 5 * S, &o, &[ok(20 * S + 200_000, "follow")]);
        assert!(c.ok, "{}", c.detail);
    }

    #[test]
    fn without_faults_measures_from_the_start() {
        let mut o = RaftObserver::default();
        observe_leader(&mut o, 300_000, 2, 1);
        let c = check_liveness(None, 30 * S, 5 * S, &o, &[ok(450_000, "follow")]);
        assert!(c.ok, "{}", c.detail);
        assert!(
            c.detail.contains("leader n2 (term 1) after 0.300s, first write acknowledged after 0.450s")
                && c.detail.contains("the start (no faults)"),
            "{}",
            c.detail
        );
    }
}
