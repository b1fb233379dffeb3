//! What raft-rs voters promised their peers, judged against what their disks gave back: a node
//! that answers an append with "I hold up to index N" or grants its vote in term T claims that
//! state durable. The host records each claim as the node sends it and, at every boot, what the
//! node recovered from `SimDisk` (which keeps only what was synced); `raftrs-acked-durable` fails
//! when a rebooted node came back with less than it claimed before the crash.
use crate::check::raft_safety::{fmt_us, last_index};
use crate::check::CheckResult;
use crate::history::{storage_failure_between, FaultWindow};
use faultline_systems::raft::{NodeId, Observation};
use faultline_systems::raftrs::eraftpb::{Message, MessageType};
use std::collections::BTreeMap;

/// Check name: a node never acknowledges what its disk did not sync.
pub const ACKED_DURABLE: &str = "raftrs-acked-durable";

/// A node's standing claims in its current incarnation.
#[derive(Clone, Debug, Default)]
struct Standing {
    /// When this incarnation booted, µs.
    boot_us: u64,
    /// Highest log index acknowledged to a leader that the node's log still holds, with the
    /// time of that ack. A later leader may legitimately cut the log below an ack (a conflicting
    /// suffix), so each observation lowers it to the log's last index.
    acked: Option<(u64, u64)>,
    /// Highest-term vote granted: (term, candidate, time µs).
    promised: Option<(u64, NodeId, u64)>,
}

/// What a rebooted node recovered from disk, beside what it claimed before the crash.
#[derive(Clone, Debug)]
pub struct Recovery {
    node: NodeId,
    /// Boot of the incarnation that made the claims, µs.
    prev_boot_us: u64,
    /// This boot, µs.
    at_us: u64,
    acked: Option<(u64, u64)>,
    promised: Option<(u64, NodeId, u64)>,
    last_index: u64,
    term: u64,
    vote: Option<NodeId>,
}

/// Every raft-rs voter's acks, vote promises and recoveries over a run.
#[derive(Default)]
pub struct AckRecord {
    nodes: BTreeMap<NodeId, Standing>,
    recoveries: Vec<Recovery>,
    acks: u64,
    promises: u64,
}

impl AckRecord {
    /// Notes a message `node` sends at `now_us`: an accepted append response acknowledges its
    /// `index`; a granted (non-pre-)vote response promises the vote in its `term`.
    pub fn sent(&mut self, node: NodeId, now_us: u64, m: &Message) {
        match m.get_msg_type() {
            MessageType::MsgAppendResponse if !m.reject => self.acked(node, now_us, m.index),
            MessageType::MsgRequestVoteResponse if !m.reject => self.promised(node, now_us, m.term, m.to),
            _ => {}
        }
    }

    /// `node` acknowledged holding its log up to `index`.
    pub fn acked(&mut self, node: NodeId, now_us: u64, index: u64) {
        self.acks += 1;
        let s = self.nodes.entry(node).or_default();
        if s.acked.is_none_or(|(i, _)| index >= i) {
            s.acked = Some((index, now_us));
        }
    }

    /// `node` granted its vote in `term` to `candidate`.
    pub fn promised(&mut self, node: NodeId, now_us: u64, term: u64, candidate: NodeId) {
        self.promises += 1;
        let s = self.nodes.entry(node).or_default();
        if s.promised.is_none_or(|(t, _, _)| term >= t) {
            s.promised = Some((term, candidate, now_us));
        }
    }

    /// `node`'s in-memory state after a step: an ack above its log's end was cut by a leader.
    pub fn observed(&mut self, o: &Observation) {
        let last = last_index(o);
        if let Some(s) = self.nodes.get_mut(&o.id) {
            if let Some((i, _)) = s.acked.as_mut() {
                *i = (*i).min(last);
            }
        }
    }

    /// `node` booted at `now_us` with `recovered` read back from its disk; its old
    /// incarnation's claims (if it had one) are set beside it.
    pub fn booted(&mut self, now_us: u64, recovered: &Observation) {
        let node = recovered.id;
        let fresh = Standing { boot_us: now_us, acked: None, promised: None };
        if let Some(old) = self.nodes.insert(node, fresh) {
            self.recoveries.push(Recovery {
                node,
                prev_boot_us: old.boot_us,
                at_us: now_us,
                acked: old.acked,
                promised: old.promised,
                last_index: last_index(recovered),
                term: recovered.term,
                vote: recovered.voted_for,
            });
        }
    }

    /// The verdict. A disk error fail-stops the node inside the step that hit it, so what that
    /// step acknowledged is not judged; `SimDisk` never loses a synced write to an error, so
    /// what the node acknowledged before it is. A run where no node rebooted after a claim has
    /// nothing to judge.
    pub fn result(&self, faults: &[FaultWindow]) -> CheckResult {
        let with_claims: Vec<&Recovery> =
            self.recoveries.iter().filter(|r| r.acked.is_some() || r.promised.is_some()).collect();
        let after_failure =
            with_claims.iter().filter(|r| storage_failure_between(faults, r.node, r.prev_boot_us, r.at_us)).count();
        let judged: Vec<Recovery> = with_claims.iter().filter_map(|r| judgeable(r, faults)).collect();
        let excused = with_claims.len() - judged.len();
        let counts = format!(
            "{} acks and {} vote grants sent, {} reboots, {} after acknowledging; {after_failure} of those after a \
             disk failure, judged on what was acknowledged before it; {excused} whose last ack or vote came in the \
             step that hit the disk error not judged",
            self.acks,
            self.promises,
            self.recoveries.len(),
            with_claims.len()
        );
        if judged.is_empty() {
            return CheckResult::pass(
                ACKED_DURABLE,
                format!("no node rebooted after acknowledging: nothing to judge ({counts})"),
            );
        }
        let problems: Vec<String> = judged.iter().filter_map(|r| lost(r).map(|l| format!("n{} {l}", r.node))).collect();
        let pass = format!(
            "{} reboots judged: every acknowledged index and granted vote came back from disk ({counts})",
            judged.len()
        );
        let mut result = CheckResult::from_problems(ACKED_DURABLE, problems, pass);
        if !result.ok {
            result.detail = format!("{} ({counts})", result.detail);
        }
        result
    }
}

/// `r` without the claims made at or after a disk error of its incarnation, i.e. in the step
/// that hit it (a fail-stopped node makes none later); None when nothing is left to judge.
fn judgeable(r: &Recovery, faults: &[FaultWindow]) -> Option<Recovery> {
    let mut r = r.clone();
    let boot = r.prev_boot_us;
    let node = r.node;
    r.acked = r.acked.filter(|&(_, at)| !storage_failure_between(faults, node, boot, at));
    r.promised = r.promised.filter(|&(_, _, at)| !storage_failure_between(faults, node, boot, at));
    (r.acked.is_some() || r.promised.is_some()).then_some(r)
}

/// What `r`'s old incarnation acknowledged that its disk did not give back, described.
fn lost(r: &Recovery) -> Option<String> {
    if let Some((index, at)) = r.acked.filter(|&(i, _)| r.last_index < i) {
        return Some(format!(
            "acknowledged its log up to index {index} at {}, rebooted at {} with its disk's log ending at index {}",
            fmt_us(at),
            fmt_us(r.at_us),
            r.last_index
        ));
    }
    let (term, candidate, at) = r.promised?;
    if r.term < term || (r.term == term && r.vote != Some(candidate)) {
        return Some(format!(
            "granted its vote in term {term} to n{candidate} at {}, rebooted at {} with term {} and vote {:?} on disk",
            fmt_us(at),
            fmt_us(r.at_us),
            r.term,
            r.vote
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::STORAGE_FAILURE;
    use faultline_systems::raft::{EntryId, Role};

    fn obs(id: NodeId, term: u64, vote: Option<NodeId>, last: u64) -> Observation {
        Observation {
            id,
            term,
            role: Role::Follower,
            voted_for: vote,
            commit_index: 0,
            last_applied: 0,
            snapshot_index: 0,
            snapshot_term: 0,
            log: (1..=last).map(|index| EntryId { index, term: 1, digest: index }).collect(),
        }
    }

    fn append_ack(index: u64) -> Message {
        let mut m = Message::default();
        m.set_msg_type(MessageType::MsgAppendResponse);
        m.index = index;
        m.to = 1;
        m
    }

    fn failure(node: &str, at_us: u64) -> FaultWindow {
        FaultWindow {
            kind: STORAGE_FAILURE.into(),
            description: format!("{node} fail-stop"),
            nodes: vec![node.into()],
            start_us: at_us,
            end_us: None,
        }
    }

    #[test]
    fn a_reboot_that_keeps_every_ack_passes() {
        let mut r = AckRecord::default();
        r.booted(0, &obs(2, 1, None, 0));
        r.sent(2, 1_000, &append_ack(5));
        r.observed(&obs(2, 1, Some(1), 5));
        r.booted(2_000, &obs(2, 1, Some(1), 5));
        let c = r.result(&[]);
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.contains("1 reboots judged"), "{}", c.detail);
    }

    #[test]
    fn a_reboot_that_lost_an_acked_index_fails() {
        let mut r = AckRecord::default();
        r.booted(0, &obs(2, 1, None, 0));
        r.sent(2, 1_000, &append_ack(5));
        r.observed(&obs(2, 1, Some(1), 5));
        r.booted(2_000, &obs(2, 1, Some(1), 4));
        let c = r.result(&[]);
        assert!(!c.ok);
        assert!(c.detail.contains("up to index 5") && c.detail.contains("ending at index 4"), "{}", c.detail);
    }

    #[test]
    fn a_rejected_append_is_no_ack_and_a_cut_log_lowers_the_ack() {
        let mut r = AckRecord::default();
        r.booted(0, &obs(2, 1, None, 0));
        let mut reject = append_ack(9);
        reject.reject = true;
        r.sent(2, 500, &reject);
        r.sent(2, 1_000, &append_ack(5));
        // A later leader cut the conflicting suffix: the log ends at 3 now.
        r.observed(&obs(2, 2, None, 3));
        r.booted(2_000, &obs(2, 2, None, 3));
        assert!(r.result(&[]).ok);
    }

    #[test]
    fn a_forgotten_vote_fails() {
        let mut r = AckRecord::default();
        r.booted(0, &obs(3, 1, None, 0));
        let mut grant = Message::default();
        grant.set_msg_type(MessageType::MsgRequestVoteResponse);
        grant.term = 2;
        grant.to = 1;
        r.sent(3, 1_000, &grant);
        let mut pre = grant.clone();
        pre.set_msg_type(MessageType::MsgRequestPreVoteResponse);
        pre.term = 4;
        r.sent(3, 1_100, &pre);
        r.booted(2_000, &obs(3, 1, None, 0));
        let c = r.result(&[]);
        assert!(!c.ok);
        assert!(c.detail.contains("vote in term 2 to n1"), "{}", c.detail);
        let mut kept = AckRecord::default();
        kept.booted(0, &obs(3, 1, None, 0));
        kept.sent(3, 1_000, &grant);
        kept.booted(2_000, &obs(3, 2, Some(1), 0));
        assert!(kept.result(&[]).ok);
    }

    #[test]
    fn an_ack_in_the_step_that_hit_a_disk_error_is_not_judged() {
        let mut r = AckRecord::default();
        r.booted(0, &obs(2, 1, None, 0));
        r.sent(2, 1_000, &append_ack(5));
        r.booted(2_000, &obs(2, 1, None, 4));
        let c = r.result(&[failure("n2", 1_000)]);
        assert!(c.ok, "{}", c.detail);
        assert!(c.detail.contains("nothing to judge"), "{}", c.detail);
        assert!(
            c.detail.contains("1 of those after a disk failure") && c.detail.contains("1 whose last ack"),
            "{}",
            c.detail
        );
        assert!(!r.result(&[failure("n3", 1_000)]).ok);
    }

    #[test]
    fn an_ack_before_a_disk_error_is_still_judged() {
        let mut r = AckRecord::default();
        r.booted(0, &obs(2, 1, None, 0));
        r.sent(2, 1_000, &append_ack(5));
        r.booted(2_000, &obs(2, 1, None, 4));
        let c = r.result(&[failure("n2", 1_500)]);
        assert!(!c.ok);
        assert!(
            c.detail.contains("1 of those after a disk failure") && c.detail.contains("0 whose last ack"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn no_reboot_after_an_ack_has_nothing_to_judge() {
        let mut r = AckRecord::default();
        r.booted(0, &obs(1, 1, None, 0));
        r.booted(10, &obs(1, 1, None, 0));
        r.sent(1, 1_000, &append_ack(5));
        let c = r.result(&[]);
        assert!(c.ok);
        assert!(c.detail.starts_with("no node rebooted after acknowledging: nothing to judge (1 acks"), "{}", c.detail);
    }
}
