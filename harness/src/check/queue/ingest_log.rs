//! `ingest-log`: the Kafka anomaly checks over the ingestion run's log history, which the run
//! records in the Kafka workload's shape (sends = appends, polls = consumer reads).
use super::kafka;
use crate::check::CheckResult;
use crate::history::{History, HistoryFile};

/// Check name.
pub const INGEST_LOG: &str = "ingest-log";

/// Judge an in-memory Kafka-shaped history with the same code as `faultline check --model
/// kafka`. A malformed op is a recording bug and fails the check, naming the op.
pub fn check_ingest_log(history: &History) -> CheckResult {
    let hf = HistoryFile::from_history("<ingest log>", history.clone());
    match kafka::analyze(&hf) {
        Ok(report) => kafka::to_check_result(INGEST_LOG, &hf, &report),
        Err(e) => CheckResult::fail(INGEST_LOG, format!("the log history is malformed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Event, EventKind};
    use serde_json::json;

    fn ev(index: u64, process: u64, f: &str, value: serde_json::Value) -> Event {
        Event {
            index,
            time_us: index,
            process,
            kind: EventKind::Ok,
            f: f.into(),
            key: None,
            value,
            node: None,
            system: None,
        }
    }

    #[test]
    fn same_anomalies_as_the_cli_model() {
        let good = vec![
            ev(0, 0, "send", json!([["send", 0, [0, "a"]]])),
            ev(1, 1, "poll", json!([["poll", {"0": [[0, "a"]]}]])),
        ];
        let c = check_ingest_log(&good);
        assert!(c.ok && c.name == INGEST_LOG, "{}", c.detail);
        let lost = vec![
            ev(0, 0, "send", json!([["send", 0, [0, "a"]], ["send", 0, [1, "b"]]])),
            ev(1, 1, "poll", json!([["poll", {"0": [[1, "b"]]}]])),
        ];
        let c = check_ingest_log(&lost);
        assert!(!c.ok && c.detail.contains("lost-write"), "{}", c.detail);
        let bad = vec![ev(0, 0, "send", json!(3))];
        assert!(check_ingest_log(&bad).detail.contains("<ingest log>:1"));
    }
}
