//! Log replication: proposals, AppendEntries with fast backtracking, commit, apply.
use super::message::{AppendReply, Entry, EntryData, Message};
use super::node::{Event, Raft, StateMachine};
use super::observation::{AppliedEntry, EntryId, NodeId, Role};
use super::persist;
use crate::storage::{Storage, StorageError};
use crate::time::Time;

/// Why a proposal or read was refused (it was not registered either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// This node does not lead; `leader_hint` is who we think does, if anyone.
    NotLeader {
        /// The leader we know of.
        leader_hint: Option<NodeId>,
    },
    /// This node leads but its queue is full: retry here after a back-off.
    Busy,
}

impl<S: Storage, M: StateMachine> Raft<S, M> {
    /// Most unacknowledged entries sent ahead to one follower before waiting for acks.
    fn inflight_entries_max(&self) -> u64 {
        (self.cfg.entries_per_append_max.max(1) as u64).saturating_mul(4)
    }

    /// Appends to the local log and queues the WAL record; durable at the step's end.
    pub(crate) fn append_local(&mut self, entry: Entry) {
        let index = self.log.last_index() + 1;
        self.wal_buffer.extend_from_slice(&persist::entry_record(index, &entry));
        self.needs_sync = true;
        self.log.push(entry);
    }

    /// Leader: appends a command; returns its (index, term). Refuses when not leader.
    pub fn handle_propose(&mut self, now: Time, command: Vec<u8>) -> Result<Result<(u64, u64), Refused>, StorageError> {
        self.begin(now);
        let result = self.propose(command);
        self.finish()?;
        Ok(result)
    }

    fn propose(&mut self, command: Vec<u8>) -> Result<(u64, u64), Refused> {
        if self.role != Role::Leader {
            return Err(Refused::NotLeader { leader_hint: self.leader });
        }
        self.append_local(Entry { term: self.term, data: EntryData::Command(command) });
        for peer in self.cfg.peers() {
            self.maybe_send_entries(peer);
        }
        let index = self.log.last_index();
        Ok((index, self.term))
    }

    /// Starts a heartbeat round: every follower gets an append (empty if caught up).
    pub(crate) fn broadcast_heartbeat(&mut self) {
        debug_assert_eq!(self.role, Role::Leader);
        self.round += 1;
        self.round_starts.push_back((self.round, self.mono));
        while self.round_starts.len() > 1024 {
            self.round_starts.pop_front();
        }
        self.heartbeat_deadline = self.mono_after(self.cfg.heartbeat_interval);
        for peer in self.cfg.peers() {
            if let Some(pr) = self.progress.get_mut(&peer) {
                // Anything sent but unacked may have been lost: resend from the known match.
                pr.next = pr.next.min(pr.matched + 1);
            }
            self.send_append(peer);
        }
        self.want_round = false;
        self.check_rounds();
    }

    fn maybe_send_entries(&mut self, peer: NodeId) {
        let Some(pr) = self.progress.get(&peer) else { return };
        let inflight = pr.next.saturating_sub(pr.matched + 1);
        if pr.next > self.log.snapshot_index
            && pr.next <= self.log.last_index()
            && inflight < self.inflight_entries_max()
        {
            self.send_append(peer);
        }
    }

    pub(crate) fn send_append(&mut self, peer: NodeId) {
        let Some(pr) = self.progress.get(&peer) else { return };
        let next = pr.next;
        if next <= self.log.snapshot_index {
            self.send_snapshot(peer);
            return;
        }
        let prev_index = next - 1;
        let prev_term = self.log.term_at(prev_index).expect("prev entry is at or after the snapshot");
        let entries = self.log.slice(next, self.cfg.entries_per_append_max.max(1));
        if let Some(pr) = self.progress.get_mut(&peer) {
            pr.next = next + entries.len() as u64;
        }
        let (term, commit, round) = (self.term, self.commit, self.round);
        self.send(peer, Message::Append { term, prev_index, prev_term, entries, commit, round });
    }

    fn respond_append(&mut self, to: NodeId, success: bool, match_index: u64, reject: (u64, u64, u64), round: u64) {
        let term = self.term;
        let (reject_index, hint_index, hint_term) = reject;
        let reply = AppendReply { success, match_index, reject_index, hint_index, hint_term, round };
        self.send(to, Message::AppendResp { term, reply });
    }

    pub(crate) fn handle_append(
        &mut self,
        from: NodeId,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
        round: u64,
    ) -> Result<(), StorageError> {
        if self.role == Role::Leader {
            return Ok(());
        }
        let Some((prev_index, prev_term, entries)) =
            self.skip_committed_prefix(from, prev_index, prev_term, entries, round)
        else {
            return Ok(());
        };
        if self.log.term_at(prev_index) != Some(prev_term) {
            let hint = self.log.find_conflict_by_term(prev_index.min(self.log.last_index()), prev_term);
            let hint_term = self.log.term_at(hint).unwrap_or(0);
            self.respond_append(from, false, 0, (prev_index, hint, hint_term), round);
            return Ok(());
        }
        let count = entries.len() as u64;
        if !self.append_from(prev_index, entries) {
            return Ok(());
        }
        let last_new = prev_index + count;
        if self.cfg.bugs.truncate_on_stale_append && count > 0 && last_new > self.commit {
            self.truncate_after(last_new);
        }
        let new_commit = leader_commit.min(last_new);
        if new_commit > self.commit {
            self.commit = new_commit;
        }
        self.respond_append(from, true, last_new, (0, 0, 0), round);
        Ok(())
    }

    /// Drops the part of an append below our commit index: our committed prefix matches the
    /// leader's (Log Matching). `None` when nothing is left to do (answered or refused).
    fn skip_committed_prefix(
        &mut self,
        from: NodeId,
        prev_index: u64,
        prev_term: u64,
        mut entries: Vec<Entry>,
        round: u64,
    ) -> Option<(u64, u64, Vec<Entry>)> {
        if prev_index >= self.commit {
            return Some((prev_index, prev_term, entries));
        }
        let skip = usize::try_from(self.commit - prev_index).unwrap_or(usize::MAX);
        if skip >= entries.len() {
            let commit = self.commit;
            self.respond_append(from, true, commit, (0, 0, 0), round);
            return None;
        }
        let prev_term = entries[skip - 1].term;
        entries.drain(..skip);
        if self.log.term_at(self.commit) != Some(prev_term) {
            // Cannot happen with honest peers; refuse rather than corrupt committed state.
            return None;
        }
        Some((self.commit, prev_term, entries))
    }

    /// Appends `entries` after `prev_index` (which matches), truncating only at a real
    /// conflict; false if the entries are malformed (what came before them is kept).
    fn append_from(&mut self, prev_index: u64, entries: Vec<Entry>) -> bool {
        let mut index = prev_index;
        for entry in entries {
            index += 1;
            match self.log.term_at(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    assert!(index > self.commit, "never truncate committed entries");
                    self.truncate_after(index - 1);
                }
                None => {}
            }
            if entry.term > self.term || entry.term < self.log.last_term() {
                return false; // malformed: entry terms must be monotonic and not from the future
            }
            self.wal_buffer.extend_from_slice(&persist::entry_record(index, &entry));
            // The planted bug acks without this sync; the entry waits for the next natural one.
            if !self.cfg.bugs.ack_append_before_sync {
                self.needs_sync = true;
            }
            self.log.push(entry);
        }
        true
    }

    /// Drops every entry after `index` (which must not be below the commit index).
    fn truncate_after(&mut self, index: u64) {
        assert!(index >= self.commit, "never truncate committed entries");
        if index < self.log.last_index() {
            self.log.truncate_from(index + 1);
            self.durable_last = self.durable_last.min(index);
        }
    }

    pub(crate) fn handle_append_resp(&mut self, from: NodeId, reply: AppendReply) {
        let AppendReply { success, match_index, reject_index, hint_index, hint_term, round } = reply;
        if self.role != Role::Leader {
            return;
        }
        let last = self.log.last_index();
        let snapshot_index = self.log.snapshot_index;
        let Some(pr) = self.progress.get_mut(&from) else { return };
        pr.active = true;
        pr.acked_round = pr.acked_round.max(round.min(self.round));
        if success {
            let m = match_index.min(last);
            if m > pr.matched {
                pr.matched = m;
            }
            pr.next = pr.next.max(pr.matched + 1);
            self.maybe_commit();
            self.maybe_send_entries(from);
        } else if reject_index > pr.matched {
            let j = if hint_index < snapshot_index {
                hint_index
            } else {
                self.log.find_conflict_by_term(hint_index, hint_term)
            };
            // Always move strictly below the rejected index so backtracking terminates.
            let j = j.min(reject_index.saturating_sub(1));
            let matched = pr.matched;
            pr.next = (j + 1).max(matched + 1);
            self.send_append(from);
        }
        self.check_rounds();
    }

    /// Leader: advances commit to the highest index durable on a quorum (current term only,
    /// unless the figure-8 bug is planted).
    pub(crate) fn maybe_commit(&mut self) {
        let own = if self.needs_sync { self.durable_last } else { self.log.last_index() };
        let mut matched: Vec<u64> = self.progress.values().map(|p| p.matched).collect();
        matched.push(own);
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let n = matched[self.cfg.quorum() - 1];
        if n > self.commit {
            let current = self.log.term_at(n) == Some(self.term);
            if current || self.cfg.bugs.commit_previous_term_by_count {
                self.commit = n;
            }
        }
    }

    pub(crate) fn apply_committed(&mut self) -> Result<(), StorageError> {
        while self.applied < self.commit {
            let index = self.applied + 1;
            let log_entry = self.log.get(index).expect("committed entries after the snapshot are in the log");
            let id = EntryId { index, term: log_entry.entry.term, digest: log_entry.digest };
            let (output, request, command) = match &log_entry.entry.data {
                EntryData::Noop => (None, None, None),
                EntryData::Command(bytes) => {
                    let bytes = bytes.clone();
                    let request = self.sm.request_of(&bytes);
                    (Some(self.sm.apply(&bytes)), request, Some(bytes))
                }
            };
            self.applied = index;
            self.staged.push(Event::Applied { entry: AppliedEntry { id, request, command }, output });
            if self.applied - self.log.snapshot_index >= self.cfg.snapshot_threshold.max(1) {
                self.take_snapshot()?;
            }
        }
        Ok(())
    }
}
