//! No phantom reads and consistent prefix: a replica's state is always the committed state
//! machine at the index it claims, and every value it returns comes from that state.
use super::observer::{committed_entry, committed_state, CommittedEntry, ReplicaReadRecord, ReplicaSample};
use crate::check::CheckResult;
use crate::history::node_name;
use faultline_systems::relations::FollowGraph;

/// Every replica sample against the committed log.
pub fn check_prefix(samples: &[ReplicaSample], committed: &[CommittedEntry]) -> CheckResult {
    let empty = FollowGraph::default().digest();
    // Digests of the committed states the samples claim, computed once each.
    let mut digests: std::collections::BTreeMap<u64, [u8; 32]> = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for s in samples {
        let at = format!("{} at {} µs", node_name(s.node), s.time_us);
        if s.applied == 0 {
            if s.digest != empty {
                problems.push(format!("{at} claims index 0 but its state is not empty"));
            }
            continue;
        }
        match committed_entry(committed, s.applied) {
            None => problems.push(format!("{at} applied index {} which never committed", s.applied)),
            Some(c) if c.term != s.applied_term => problems.push(format!(
                "{at} applied index {} of term {}, but the committed entry there has term {}",
                s.applied, s.applied_term, c.term
            )),
            Some(c) if s.time_us < c.commit_us => {
                problems.push(format!("{at} applied index {} before it committed (at {} µs)", s.applied, c.commit_us))
            }
            Some(c) if *digests.entry(s.applied).or_insert_with(|| c.state.digest()) != s.digest => {
                problems.push(format!("{at} claims index {} but its state is not the committed state there", s.applied))
            }
            Some(_) => {}
        }
    }
    let replicas: std::collections::BTreeSet<usize> = samples.iter().map(|s| s.node).collect();
    let pass = format!(
        "{} states of {} replicas each equal the committed prefix they claim ({} entries committed)",
        samples.len(),
        replicas.len(),
        committed.len()
    );
    CheckResult::from_problems("logsync-consistent-prefix", problems, pass)
}

/// Every answered read against the committed state at the index it claims.
pub fn check_read_values(reads: &[ReplicaReadRecord], committed: &[CommittedEntry]) -> CheckResult {
    let empty = FollowGraph::default();
    let mut problems = Vec::new();
    for r in reads {
        let state = committed_state(committed, &empty, r.index);
        let at = format!("{} read at {} µs", node_name(r.node), r.complete_us);
        match state {
            None => problems.push(format!("{at} claims index {} which never committed", r.index)),
            Some(g) => {
                let want = g.query(&r.op);
                if want != r.reply {
                    problems.push(format!(
                        "{at}: {:?} returned {:?}, but the committed state at index {} gives {:?}",
                        r.op, r.reply, r.index, want
                    ));
                }
            }
        }
    }
    let pass = format!("{} replica reads each match the committed state at their index", reads.len());
    CheckResult::from_problems("logsync-no-phantom-reads", problems, pass)
}
