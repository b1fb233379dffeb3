//! Snapshots: taking them (then compacting), sending them, installing them.
use super::message::{AppendReply, Message};
use super::node::{Raft, StateMachine};
use super::observation::{NodeId, Role};
use super::persist;
use crate::storage::{Storage, StorageError};

impl<S: Storage, M: StateMachine> Raft<S, M> {
    /// Snapshots the state machine at `applied`, then compacts the log up to it.
    pub(crate) fn take_snapshot(&mut self) -> Result<(), StorageError> {
        let index = self.applied;
        let term = self.log.term_at(index).expect("applied entry is in the log");
        let data = self.sm.snapshot();
        // Snapshot durable first: only then may the WAL forget the compacted prefix.
        persist::write_snapshot(&mut self.storage, index, term, &data)?;
        self.storage.sync()?;
        self.log.compact_to(index, term);
        self.snapshot_data = data;
        self.rewrite_wal()
    }

    /// Rewrites the WAL from memory (hard state + entries after the snapshot), synced.
    fn rewrite_wal(&mut self) -> Result<(), StorageError> {
        // Anything buffered this step is in the in-memory log, so the rewrite includes it.
        self.wal_buffer.clear();
        persist::rewrite_wal(&mut self.storage, self.term, self.voted_for, &self.log)?;
        self.written_hard_state = (self.term, self.voted_for);
        self.sync()
    }

    pub(crate) fn send_snapshot(&mut self, peer: NodeId) {
        let (term, index, snapshot_term, round) =
            (self.term, self.log.snapshot_index, self.log.snapshot_term, self.round);
        let data = self.snapshot_data.clone();
        if let Some(pr) = self.progress.get_mut(&peer) {
            pr.next = index + 1;
        }
        self.send(peer, Message::Snapshot { term, index, snapshot_term, data, round });
    }

    pub(crate) fn handle_snapshot(
        &mut self,
        from: NodeId,
        index: u64,
        snapshot_term: u64,
        data: Vec<u8>,
        round: u64,
    ) -> Result<(), StorageError> {
        if self.role == Role::Leader {
            return Ok(());
        }
        let term = self.term;
        let ack = |match_index: u64| Message::AppendResp { term, reply: AppendReply::ack(match_index, round) };
        if index <= self.commit {
            let commit = self.commit;
            self.send(from, ack(commit));
            return Ok(());
        }
        if self.log.term_at(index) == Some(snapshot_term) {
            // We already hold that prefix: just learn it is committed.
            self.commit = index;
            self.send(from, ack(index));
            return Ok(());
        }
        if snapshot_term > self.term || self.sm.restore(&data).is_err() {
            self.decode_errors += 1;
            return Ok(());
        }
        let covered = if self.cfg.bugs.snapshot_off_by_one { index + 1 } else { index };
        self.install_snapshot(covered, snapshot_term, data)?;
        self.send(from, ack(covered));
        Ok(())
    }

    /// Makes a restored snapshot our durable starting point: everything up to `index` is
    /// committed and applied.
    fn install_snapshot(&mut self, index: u64, term: u64, data: Vec<u8>) -> Result<(), StorageError> {
        persist::write_snapshot(&mut self.storage, index, term, &data)?;
        self.storage.sync()?;
        self.log.reset_to_snapshot(index, term);
        self.snapshot_data = data;
        self.commit = index;
        self.applied = index;
        self.rewrite_wal()
    }
}
