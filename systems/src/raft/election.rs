//! Leader election: PreVote, RequestVote, role transitions.
use super::message::{Entry, EntryData, Message};
use super::node::{Progress, Raft, StateMachine};
use super::observation::{NodeId, Role};
use crate::storage::Storage;

impl<S: Storage, M: StateMachine> Raft<S, M> {
    /// Steps down (or stays) as follower in `term`; drops all leader/candidate state.
    pub(crate) fn become_follower(&mut self, term: u64, leader: Option<NodeId>) {
        assert!(term >= self.term, "term never decreases");
        if term > self.term {
            self.term = term;
            self.voted_for = None;
        }
        self.role = Role::Follower;
        self.leader = leader;
        self.votes.clear();
        self.clear_leader_state();
        self.reset_election_timer();
    }

    fn clear_leader_state(&mut self) {
        self.progress.clear();
        self.reads.clear();
        self.round_starts.clear();
        self.round = 0;
        self.confirmed_round = 0;
        self.lease_until = 0;
        self.want_round = false;
    }

    pub(crate) fn start_pre_vote(&mut self) {
        self.role = Role::PreCandidate;
        self.leader = None;
        self.votes.clear();
        self.votes.insert(self.cfg.id, true);
        self.reset_election_timer();
        let (term, last_index, last_term) = (self.term + 1, self.log.last_index(), self.log.last_term());
        for peer in self.cfg.peers() {
            self.send(peer, Message::PreVote { term, last_index, last_term });
        }
        self.tally_pre_votes();
    }

    pub(crate) fn campaign(&mut self) {
        self.term += 1;
        self.voted_for = Some(self.cfg.id);
        self.role = Role::Candidate;
        self.leader = None;
        self.votes.clear();
        self.votes.insert(self.cfg.id, true);
        self.reset_election_timer();
        let (term, last_index, last_term) = (self.term, self.log.last_index(), self.log.last_term());
        for peer in self.cfg.peers() {
            self.send(peer, Message::Vote { term, last_index, last_term });
        }
        self.tally_votes();
    }

    fn count_votes(&self) -> (usize, usize) {
        let granted = self.votes.values().filter(|g| **g).count();
        (granted, self.votes.len() - granted)
    }

    fn tally_pre_votes(&mut self) {
        let (granted, rejected) = self.count_votes();
        if granted >= self.cfg.quorum() || self.cfg.bugs.pre_vote_ignored {
            self.campaign();
        } else if rejected >= self.cfg.quorum() {
            let term = self.term;
            self.become_follower(term, None);
        }
    }

    fn tally_votes(&mut self) {
        let (granted, rejected) = self.count_votes();
        if granted >= self.cfg.quorum() {
            self.become_leader();
        } else if rejected >= self.cfg.quorum() {
            let term = self.term;
            self.become_follower(term, None);
        }
    }

    pub(crate) fn handle_pre_vote(&mut self, from: NodeId, term: u64, last_index: u64, last_term: u64) {
        let granted = term > self.term && self.log.is_up_to_date(last_index, last_term);
        let reply_term = if granted { term } else { self.term };
        self.send(from, Message::PreVoteResp { term: reply_term, granted });
    }

    pub(crate) fn handle_pre_vote_resp(&mut self, from: NodeId, term: u64, granted: bool) {
        // Only answers to the round we are running count: granted ones carry term + 1.
        if self.role != Role::PreCandidate || (granted && term != self.term + 1) {
            return;
        }
        self.votes.insert(from, granted);
        self.tally_pre_votes();
    }

    pub(crate) fn handle_vote(&mut self, from: NodeId, last_index: u64, last_term: u64) {
        let can_vote = self.voted_for.is_none_or(|v| v == from) && self.role != Role::Leader;
        let granted = can_vote && self.log.is_up_to_date(last_index, last_term);
        if granted {
            self.voted_for = Some(from);
            self.reset_election_timer();
            if self.cfg.bugs.vote_before_persist {
                self.defer_hard_state_sync = true;
            }
        }
        let term = self.term;
        self.send(from, Message::VoteResp { term, granted });
    }

    pub(crate) fn handle_vote_resp(&mut self, from: NodeId, granted: bool) {
        if self.role != Role::Candidate {
            return;
        }
        self.votes.insert(from, granted);
        self.tally_votes();
    }

    fn become_leader(&mut self) {
        assert_eq!(self.role, Role::Candidate);
        self.role = Role::Leader;
        self.leader = Some(self.cfg.id);
        self.votes.clear();
        self.clear_leader_state();
        let next = self.log.last_index() + 1;
        for peer in self.cfg.peers() {
            self.progress.insert(peer, Progress { next, matched: 0, active: false, acked_round: 0 });
        }
        // The no-op lets this term commit, and with it every earlier entry (§5.4.2, §8).
        self.append_local(Entry { term: self.term, data: EntryData::Noop });
        self.check_quorum_deadline = self.mono_after(self.cfg.election_timeout_min);
        self.broadcast_heartbeat();
    }

    /// Whether a quorum (counting self) has been heard from since the last check; resets.
    pub(crate) fn quorum_active(&mut self) -> bool {
        let active = 1 + self.progress.values().filter(|p| p.active).count();
        for p in self.progress.values_mut() {
            p.active = false;
        }
        active >= self.cfg.quorum()
    }
}
