//! One log partition as a Raft state machine: an append-only list of records, with a
//! per-producer sequence table so a retried batch is appended once.
use super::event::TraceId;
use crate::raft::StateMachine;
use crate::relations::RequestId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One event in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Position in the partition, from 0.
    pub offset: u64,
    /// The event.
    pub trace_id: TraceId,
    /// The collector that shipped it.
    pub producer: u64,
    /// The shipment's sequence number.
    pub seq: u64,
}

/// The log command: append these events for `(producer, seq)`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct AppendCommand {
    pub producer: u64,
    pub seq: u64,
    pub trace_ids: Vec<TraceId>,
}

/// What applying an append did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The producer.
    pub producer: u64,
    /// Its sequence number.
    pub seq: u64,
    /// Where the batch starts (for a duplicate of the latest batch, where it started then).
    pub base_offset: u64,
    /// Whether this was a retry of a batch already in the log (nothing appended).
    pub duplicate: bool,
    /// What was appended (empty for a duplicate).
    pub trace_ids: Vec<TraceId>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ProducerState {
    last_seq: u64,
    base_offset: u64,
}

/// The partition's records and producer table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLog {
    records: Vec<LogRecord>,
    producers: BTreeMap<u64, ProducerState>,
}

impl PartitionLog {
    /// Number of records (the next offset).
    pub fn len(&self) -> u64 {
        self.records.len() as u64
    }

    /// Whether the partition is empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Up to `max` records from offset `from`.
    pub fn read(&self, from: u64, max: usize) -> Vec<LogRecord> {
        let start = usize::try_from(from).unwrap_or(usize::MAX).min(self.records.len());
        self.records[start..].iter().take(max).cloned().collect()
    }

    /// Applies an append, dropping a batch whose sequence the producer already used.
    pub(crate) fn append(&mut self, cmd: AppendCommand) -> AppendOutcome {
        let base_offset = self.len();
        let (producer, seq) = (cmd.producer, cmd.seq);
        if let Some(p) = self.producers.get(&producer) {
            // Producers ship each partition stop-and-wait in sequence order, so anything at
            // or below the last sequence is a retry.
            if seq <= p.last_seq {
                let base_offset = if seq == p.last_seq { p.base_offset } else { 0 };
                return AppendOutcome { producer, seq, base_offset, duplicate: true, trace_ids: Vec::new() };
            }
        }
        for (i, trace_id) in cmd.trace_ids.iter().enumerate() {
            let offset = base_offset + i as u64;
            self.records.push(LogRecord { offset, trace_id: trace_id.clone(), producer, seq });
        }
        self.producers.insert(producer, ProducerState { last_seq: seq, base_offset });
        AppendOutcome { producer, seq, base_offset, duplicate: false, trace_ids: cmd.trace_ids }
    }
}

impl StateMachine for PartitionLog {
    type Output = Option<AppendOutcome>;

    fn apply(&mut self, command: &[u8]) -> Self::Output {
        // Commands come from our own leaders, but a bad one must not wedge every replica.
        let cmd: AppendCommand = postcard::from_bytes(command).ok()?;
        Some(self.append(cmd))
    }

    fn snapshot(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("postcard serialization of a partition")
    }

    fn request_of(&self, _command: &[u8]) -> Option<RequestId> {
        None
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        *self = postcard::from_bytes(bytes).map_err(|e| format!("partition snapshot: {e}"))?;
        Ok(())
    }
}
