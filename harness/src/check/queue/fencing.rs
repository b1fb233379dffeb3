//! `ingest-fencing`: the sink must refuse every write and offset commit made under a stale
//! lease token (a zombie consumer's), and this audit shows whether a zombie ever tried.
use super::records::{IngestRecords, SinkWriteKind};
use crate::check::CheckResult;

/// Check name.
pub const INGEST_FENCING: &str = "ingest-fencing";

/// Zombie writes and commits accepted must be 0; those rejected are reported.
pub fn check_fencing(r: &IngestRecords) -> CheckResult {
    let zombies: Vec<_> = r.sink_writes.iter().filter(|w| w.zombie).collect();
    let total = r.sink_writes.len();
    if total == 0 {
        return CheckResult::pass(INGEST_FENCING, "nothing to judge: no sink write was attempted");
    }
    let live_rejected = r.sink_writes.iter().filter(|w| !w.zombie && !w.accepted).count();
    if zombies.is_empty() {
        return CheckResult::pass(
            INGEST_FENCING,
            format!(
                "no zombie ever wrote: fencing not exercised ({total} sink writes, {live_rejected} live ones rejected)"
            ),
        );
    }
    let kind = |k: SinkWriteKind| match k {
        SinkWriteKind::Write => "write",
        SinkWriteKind::OffsetCommit => "offset commit",
    };
    let accepted: Vec<String> = zombies
        .iter()
        .filter(|w| w.accepted)
        .map(|w| {
            format!(
                "{} on partition {} with stale token {} at {} µs",
                kind(w.kind),
                w.partition,
                w.token,
                w.at.as_micros()
            )
        })
        .collect();
    let rejected = zombies.len().saturating_sub(accepted.len());
    let summary = format!(
        "{} zombie attempts: {} accepted, {rejected} rejected ({total} sink writes, {live_rejected} live ones rejected)",
        zombies.len(),
        accepted.len()
    );
    let mut result = CheckResult::from_problems(INGEST_FENCING, accepted, summary.clone());
    if !result.ok {
        result.detail = format!("{summary}; accepted: {}", result.detail);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::queue::records::SinkWrite;

    fn run(writes: Vec<SinkWrite>) -> CheckResult {
        check_fencing(&IngestRecords { sink_writes: writes, ..Default::default() })
    }

    fn w(token: u64, accepted: bool, zombie: bool) -> SinkWrite {
        SinkWrite { partition: 0, token, accepted, zombie, ..Default::default() }
    }

    #[test]
    fn rejected_zombies_pass_and_are_reported() {
        let c = run(vec![w(2, true, false), w(1, false, true)]);
        assert!(c.ok && c.detail.contains("1 zombie attempts: 0 accepted, 1 rejected"), "{}", c.detail);
    }

    #[test]
    fn an_accepted_zombie_fails() {
        let c = run(vec![w(2, true, false), w(1, true, true)]);
        assert!(!c.ok && c.detail.contains("write on partition 0 with stale token 1"), "{}", c.detail);
    }

    #[test]
    fn no_zombie_and_no_writes_say_so() {
        let c = run(vec![w(1, true, false)]);
        assert!(c.ok && c.detail.contains("no zombie ever wrote"), "{}", c.detail);
        assert!(run(vec![]).detail.contains("nothing to judge"));
    }
}
