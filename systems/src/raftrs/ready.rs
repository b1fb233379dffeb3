//! The Ready cycle, in the order raft-rs requires (examples/five_mem_node, `RawNode::ready` docs):
//! send `messages`, install the snapshot, apply committed entries, append entries, write the
//! HardState, sync, send `persisted_messages`, `advance`, then the LightReady's commit index,
//! messages and committed entries, and `advance_apply`.
use super::entry::{command, digest};
use super::node::RaftRsNode;
use super::wire::encode_raftrs_message;
use crate::raft::{AppliedEntry, EntryId, StateMachine};
use crate::relations::Output;
use crate::storage::{Storage, StorageError};
use raft::eraftpb::{Entry, Message, MessageType, Snapshot};
use raft::{SnapshotStatus, StateRole};

/// Most Ready rounds one call handles; more means raft-rs keeps producing work, and the rest
/// waits for the next call rather than spinning.
const READY_ROUNDS_MAX: usize = 64;

fn read_ctx(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

impl<S: Storage> RaftRsNode<S> {
    /// Runs after every input: issues waiting reads, drains every Ready, reports sent
    /// snapshots, replaces raft-rs's random election timeout, and drops client work on lost
    /// leadership.
    pub(super) fn settle(&mut self) -> Result<(), StorageError> {
        for _ in 0..READY_ROUNDS_MAX {
            self.issue_reads();
            for to in std::mem::take(&mut self.snapshots_sent) {
                // Our transport does not confirm delivery; "finished" lets the leader probe the
                // follower again, and a lost snapshot is simply sent anew after the rejection.
                self.raw.report_snapshot(to, SnapshotStatus::Finish);
            }
            if !self.raw.has_ready() {
                break;
            }
            self.handle_ready()?;
        }
        self.election.reseed_if_reset(&mut self.raw);
        if self.raw.raft.state != StateRole::Leader {
            self.clients.clear();
        }
        Ok(())
    }

    /// A leader that has committed in its term can confirm reads (raft-rs drops earlier ones).
    fn issue_reads(&mut self) {
        if self.raw.raft.state != StateRole::Leader || !self.raw.raft.commit_to_current_term() {
            return;
        }
        for ctx in self.clients.issue_reads() {
            self.raw.read_index(ctx.to_be_bytes().to_vec());
        }
    }

    fn handle_ready(&mut self) -> Result<(), StorageError> {
        let mut rd = self.raw.ready();
        self.send(rd.take_messages());
        if !rd.snapshot().is_empty() {
            self.install_snapshot(rd.snapshot().clone())?;
        }
        self.apply(rd.take_committed_entries());
        let store = self.raw.mut_store();
        let wrote = !rd.entries().is_empty() || rd.hs().is_some() || !rd.snapshot().is_empty();
        store.append(rd.entries())?;
        if let Some(hs) = rd.hs() {
            store.set_hard_state(hs)?;
        }
        let persisted = rd.take_persisted_messages();
        if self.config.bugs.send_persisted_before_sync {
            self.send(persisted);
            self.sync_pending |= wrote;
        } else {
            if wrote {
                self.raw.mut_store().sync()?;
            }
            self.send(persisted);
        }
        for state in rd.take_read_states() {
            if let Some(ctx) = read_ctx(&state.request_ctx) {
                self.clients.read_confirmed(ctx, state.index);
            }
        }
        let mut light = self.raw.advance(rd);
        if let Some(commit) = light.commit_index() {
            self.raw.mut_store().set_commit(commit);
        }
        self.send(light.take_messages());
        self.apply(light.take_committed_entries());
        self.raw.advance_apply();
        self.maybe_compact()?;
        self.serve_reads();
        Ok(())
    }

    /// Queues messages. raft-rs builds a batch by iterating an FxHash map of peers, whose order
    /// is fixed for one build but not across word sizes or library versions; a stable sort by
    /// destination makes the output order ours (per-destination order, which matters, is kept).
    fn send(&mut self, mut messages: Vec<Message>) {
        messages.sort_by_key(|m| m.to);
        for m in messages {
            if m.get_msg_type() == MessageType::MsgSnapshot {
                self.snapshots_sent.push(m.to);
            }
            self.outputs.push_back(Output::Send { to: m.to, bytes: encode_raftrs_message(&m) });
        }
    }

    fn install_snapshot(&mut self, snapshot: Snapshot) -> Result<(), StorageError> {
        let index = snapshot.get_metadata().index;
        self.graph
            .restore(&snapshot.data)
            .map_err(|e| StorageError(format!("snapshot at index {index} from the leader: {e}")))?;
        self.raw.mut_store().install_snapshot(snapshot)?;
        self.applied = index;
        self.clients.clear();
        Ok(())
    }

    fn apply(&mut self, entries: Vec<Entry>) {
        for entry in entries {
            assert_eq!(entry.index, self.applied + 1, "raft-rs hands out committed entries in order");
            self.applied = entry.index;
            let id = EntryId { index: entry.index, term: entry.term, digest: digest(&entry) };
            let cmd = command(&entry).map(<[u8]>::to_vec);
            let output = cmd.as_deref().and_then(|c| self.graph.apply(c));
            let request = cmd.as_deref().and_then(|c| self.graph.request_of(c));
            self.outputs.push_back(Output::Applied(AppliedEntry { id, request, command: cmd }));
            if let Some((client, request, reply)) = self.clients.applied(entry.index, entry.term, output) {
                self.outputs.push_back(Output::Reply { client, request, reply });
            }
        }
    }

    fn maybe_compact(&mut self) -> Result<(), StorageError> {
        let snapshot_index = self.raw.store().snapshot_ref().get_metadata().index;
        if self.applied.saturating_sub(snapshot_index) < self.config.snapshot_threshold.max(1) {
            return Ok(());
        }
        let data = self.graph.snapshot();
        self.raw.mut_store().compact(self.applied, data)
    }

    fn serve_reads(&mut self) {
        for (client, request) in self.clients.take_servable_reads(self.applied) {
            let reply = self.graph.query(&request.op);
            self.outputs.push_back(Output::Reply { client, request: request.id, reply });
        }
    }
}
