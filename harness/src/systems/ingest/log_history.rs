//! The run's log layer as a history of Jepsen's Kafka workload (`jepsen.tests.kafka`), so the
//! `kafka` model that judges other tools' histories judges ours with the same code. Keys are
//! partitions and values trace ids. A send is a batch the log applied (ok, with its offsets:
//! the collector that shipped it is the process); a poll is what one consumer read in one
//! step. A consumer gets a fresh fencing token with every lease (and every restart), and then
//! starts from the offset the sink committed, which may lie behind or ahead of where it last
//! read: that is a reassignment, so the history carries an `:assign` dropping the partition
//! whenever its token changes or its lease is lost, as Jepsen's checker expects.
use super::IngestRecord;
use crate::history::{Event, EventKind, History};
use faultline_systems::ingest::{IngestObservation, TraceId};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The log history's file in the report directory (EDN, as Jepsen writes histories).
pub const LOG_FILE: &str = "ingest-log.edn";

/// The Kafka-shaped history of everything the log appended and the consumers read.
pub fn log_history(record: &IngestRecord) -> History {
    let mut b = Builder::default();
    for (us, o) in &record.observations {
        match o {
            IngestObservation::Appended { partition, base_offset, trace_ids, producer, .. } => {
                b.flush();
                b.appended(*us, *producer, *partition, *base_offset, trace_ids);
            }
            IngestObservation::Consumed { consumer, partition, offset, token, trace_id, .. } => {
                b.consumed(*us, *consumer, *partition, *token, (*offset, trace_id.to_string()));
            }
            IngestObservation::LeaseLost { consumer, partition, .. } => {
                b.flush();
                b.revoke(*us, *consumer, *partition);
            }
            _ => {}
        }
    }
    b.flush();
    b.events
}

/// One consumer's reads in one step, not yet written out.
struct Poll {
    consumer: u64,
    us: u64,
    reads: BTreeMap<u32, Vec<(u64, String)>>,
}

#[derive(Default)]
struct Builder {
    events: History,
    /// Batches already written (every replica reports its own apply of each).
    batches: BTreeSet<(u32, u64, Vec<String>)>,
    /// Per consumer, the partitions it holds and under which token.
    held: BTreeMap<u64, BTreeMap<u32, u64>>,
    poll: Option<Poll>,
}

impl Builder {
    /// An invocation and its ok completion.
    fn op(&mut self, us: u64, process: u64, f: &str, invoke: Value, ok: Value) {
        for (kind, value) in [(EventKind::Invoke, invoke), (EventKind::Ok, ok)] {
            let index = self.events.len() as u64;
            let system = Some(super::NAME.to_string());
            let node = Some(crate::history::node_name((process as usize).saturating_sub(1)));
            self.events.push(Event { index, time_us: us, process, kind, f: f.into(), key: None, value, node, system });
        }
    }

    fn appended(&mut self, us: u64, producer: u64, partition: u32, base: u64, trace_ids: &[TraceId]) {
        let ids: Vec<String> = trace_ids.iter().map(TraceId::to_string).collect();
        if ids.is_empty() || !self.batches.insert((partition, base, ids.clone())) {
            return;
        }
        let invoke: Vec<Value> = ids.iter().map(|v| json!(["send", partition, v])).collect();
        let ok: Vec<Value> = ids
            .iter()
            .enumerate()
            .map(|(i, v)| json!(["send", partition, [base.saturating_add(i as u64), v]]))
            .collect();
        self.op(us, producer, "send", json!(invoke), json!(ok));
    }

    fn consumed(&mut self, us: u64, consumer: u64, partition: u32, token: u64, read: (u64, String)) {
        let same_step = self.poll.as_ref().is_some_and(|p| p.consumer == consumer && p.us == us);
        let held = self.held.get(&consumer).and_then(|h| h.get(&partition)).copied();
        if !same_step || held != Some(token) {
            self.flush();
        }
        if held != Some(token) {
            if held.is_some() {
                self.revoke(us, consumer, partition);
            }
            self.held.entry(consumer).or_default().insert(partition, token);
            self.assign(us, consumer);
        }
        let poll = self.poll.get_or_insert_with(|| Poll { consumer, us, reads: BTreeMap::new() });
        poll.reads.entry(partition).or_default().push(read);
    }

    /// The consumer no longer holds `partition`.
    fn revoke(&mut self, us: u64, consumer: u64, partition: u32) {
        let dropped = self.held.get_mut(&consumer).and_then(|h| h.remove(&partition)).is_some();
        if dropped {
            self.assign(us, consumer);
        }
    }

    /// An `:assign` of the partitions the consumer holds now.
    fn assign(&mut self, us: u64, consumer: u64) {
        let keys: Vec<u32> = self.held.get(&consumer).map(|h| h.keys().copied().collect()).unwrap_or_default();
        self.op(us, consumer, "assign", json!(keys), json!(keys));
    }

    fn flush(&mut self) {
        let Some(p) = self.poll.take() else { return };
        let reads: serde_json::Map<String, Value> = p
            .reads
            .into_iter()
            .map(|(k, rs)| (k.to_string(), json!(rs.into_iter().map(|(o, v)| json!([o, v])).collect::<Vec<_>>())))
            .collect();
        self.op(p.us, p.consumer, "poll", json!([["poll"]]), json!([["poll", reads]]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::queue::ingest_log::check_ingest_log;
    use crate::history::{parse_edn, to_edn, HistoryFile};
    use faultline_systems::time::Time;

    fn id(n: u64) -> TraceId {
        TraceId { device_id: 1, event_ts_ms: n, event_type: "click".into() }
    }

    fn appended(broker: u64, partition: u32, base_offset: u64, ids: &[u64]) -> IngestObservation {
        let trace_ids = ids.iter().map(|&n| id(n)).collect();
        IngestObservation::Appended { broker, at: Time::ZERO, partition, base_offset, trace_ids, producer: 1, seq: 0 }
    }

    fn consumed(consumer: u64, offset: u64, token: u64, n: u64) -> IngestObservation {
        IngestObservation::Consumed { consumer, at: Time::ZERO, partition: 0, offset, token, trace_id: id(n) }
    }

    fn record(observations: Vec<IngestObservation>) -> IngestRecord {
        let observations = observations.into_iter().enumerate().map(|(i, o)| (i as u64 * 10, o)).collect();
        IngestRecord { observations, ..IngestRecord::default() }
    }

    /// Three replicas apply one batch; a consumer reads it in two steps.
    fn clean() -> Vec<IngestObservation> {
        vec![
            appended(3, 0, 0, &[1, 2, 3]),
            appended(4, 0, 0, &[1, 2, 3]),
            appended(5, 0, 0, &[1, 2, 3]),
            consumed(6, 0, 1, 1),
            consumed(6, 1, 1, 2),
        ]
    }

    #[test]
    fn a_clean_log_passes_and_replica_applies_count_once() {
        let mut obs = clean();
        obs.push(consumed(6, 2, 1, 3));
        let h = log_history(&record(obs));
        assert_eq!(h.iter().filter(|e| e.f == "send").count(), 2, "one send op (invoke + ok)");
        let c = check_ingest_log(&h);
        assert!(c.ok && c.detail.contains("no anomalies"), "{}", c.detail);
    }

    #[test]
    fn a_rewind_under_a_new_token_is_a_reassignment() {
        let mut obs = clean();
        obs.push(consumed(6, 0, 2, 1));
        obs.push(IngestObservation::LeaseLost { consumer: 6, at: Time::ZERO, partition: 0, token: 2 });
        obs.push(consumed(7, 2, 3, 3));
        let c = check_ingest_log(&log_history(&record(obs)));
        assert!(c.ok, "{}", c.detail);
    }

    #[test]
    fn a_rewind_under_the_same_token_is_nonmonotonic() {
        let mut obs = clean();
        obs.push(consumed(6, 0, 1, 1));
        let c = check_ingest_log(&log_history(&record(obs)));
        assert!(!c.ok && c.detail.contains("nonmonotonic-poll"), "{}", c.detail);
    }

    #[test]
    fn a_skip_under_the_same_token_is_a_poll_skip() {
        let mut obs = clean();
        obs.push(appended(3, 0, 3, &[4]));
        obs.push(consumed(6, 3, 1, 4));
        let c = check_ingest_log(&log_history(&record(obs)));
        assert!(!c.ok && c.detail.contains("poll-skip"), "{}", c.detail);
    }

    #[test]
    fn a_batch_appended_twice_is_a_duplicate_and_divergent_replicas_are_inconsistent() {
        let mut obs = clean();
        obs.push(appended(3, 0, 3, &[1, 2, 3]));
        let c = check_ingest_log(&log_history(&record(obs)));
        assert!(!c.ok && c.detail.contains("duplicate"), "{}", c.detail);
        let mut obs = clean();
        obs.push(appended(4, 0, 2, &[9]));
        let c = check_ingest_log(&log_history(&record(obs)));
        assert!(!c.ok && c.detail.contains("inconsistent-offsets"), "{}", c.detail);
    }

    #[test]
    fn the_edn_file_reads_back_to_the_same_verdict() {
        let mut obs = clean();
        obs.push(appended(3, 0, 3, &[1, 2, 3]));
        let h = log_history(&record(obs));
        let hf = parse_edn(LOG_FILE, &to_edn(&h)).expect("our EDN parses");
        let from_file = crate::check::queue::kafka::analyze(&hf).expect("kafka ops");
        let in_memory = crate::check::queue::kafka::analyze(&HistoryFile::from_history("mem", h)).expect("kafka ops");
        assert_eq!(from_file.anomalies, in_memory.anomalies);
        assert!(!from_file.valid());
    }

    #[test]
    fn nothing_recorded_says_so() {
        let c = check_ingest_log(&log_history(&IngestRecord::default()));
        assert!(c.ok && c.detail.contains("nothing to judge"), "{}", c.detail);
    }
}
