//! Behaviour-event ingestion as a system under test: collectors, brokers (one Raft group per
//! partition plus a lease coordinator), leased consumers and a fenced sink; clients that send
//! events until the heal; and the exactly-once ledger, ack-durability, fencing, order and
//! per-group Raft safety checks over what every node observed.
pub mod bugs;
mod client;
mod config;
mod host;
mod log_history;
mod records;
mod report;

pub use config::IngestConfig;
pub use log_history::{log_history, LOG_FILE};
pub use records::{to_records, Bounds, IngestRecord};

use crate::check::queue::{ack_durable, fencing, ingest_log, ledger, order};
use crate::check::CheckResult;
use crate::report::ReportSection;
use crate::scenario::{ScenarioError, ScenarioSource};
use crate::system::{ClientCtx, HostCtx, LocalFuture, PlantedBug, Plugin, RecordedRun, Role, System, Verdict};
use std::any::Any;
use std::sync::Arc;

/// The system's name.
pub const NAME: &str = "ingest";
/// Role: collectors.
pub const COLLECTOR: &str = "collector";
/// Role: brokers.
pub const BROKER: &str = "broker";
/// Role: consumers.
pub const CONSUMER: &str = "consumer";
/// Role: the sink.
pub const SINK: &str = "sink";

/// Ingestion as a scenario configures it.
#[derive(Clone, Debug)]
pub struct Ingest {
    /// `[ingest]`.
    pub config: IngestConfig,
}

impl System for Ingest {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roles(&self) -> Vec<Role> {
        let c = &self.config;
        vec![
            Role { name: COLLECTOR, hosts: c.collectors },
            Role { name: BROKER, hosts: c.brokers },
            Role { name: CONSUMER, hosts: c.consumers },
            Role { name: SINK, hosts: 1 },
        ]
    }

    fn clients(&self) -> usize {
        self.config.clients
    }

    fn drain_us(&self) -> u64 {
        (self.config.op_timeout_ms + 100) * 1000
    }

    fn host(&self, ctx: HostCtx) -> LocalFuture {
        crate::world::system_host_future(ctx, self, host::boot)
    }

    fn client(&self, ctx: ClientCtx) -> LocalFuture {
        crate::workload::client_future(ctx, client::IngestClient)
    }

    fn check(&self, run: &RecordedRun<'_>) -> Verdict {
        let empty = IngestRecord::default();
        let record = run.records.get::<IngestRecord>().unwrap_or(&empty);
        let bounds = Bounds {
            deadline_us: run.scenario.end_us(),
            heal_us: if run.died { None } else { Some(run.last_heal_us.unwrap_or(0)) },
            liveness_ms_max: self.config.liveness_ms_max,
        };
        let records = to_records(record, bounds);
        let log = Arc::new(log_history(record));
        let mut verdict = Verdict::default();
        verdict.checks.push(ledger::check_exactly_once(&records));
        verdict.checks.push(ingest_log::check_ingest_log(&log));
        verdict.checks.push(ack_durable::check_ack_durable(&records));
        verdict.checks.push(fencing::check_fencing(&records));
        verdict.checks.push(order::check_order(&records));
        verdict.checks.extend(raft_checks(record));
        let counts = ledger::ledger(&records);
        let latency = order::ack_to_sink_latency(&records);
        verdict.results.push((NAME.into(), results_json(&counts, &latency)));
        let mut section = ReportSection::html("Ingestion ledger", report::ledger_html(&counts, &latency));
        let samples = order::ack_to_sink_samples(&records);
        section.figure = Some(report::latency_figure(&samples, self.config.partitions, &latency));
        let edn = move |w: &mut dyn std::io::Write| w.write_all(crate::history::to_edn(&log).as_bytes());
        verdict.sections.push(section.with_file(LOG_FILE, Box::new(edn)));
        verdict
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The `results.json` entry under "ingest": the ledger's counts and ack-to-sink latency.
fn results_json(counts: &ledger::Ledger, latency: &order::LatencySummary) -> serde_json::Value {
    let c = &counts.counts;
    let sum = |m: &crate::check::queue::counts::Multiset<String>| m.values().sum::<u64>();
    serde_json::json!({
        "sent": c.attempt_count,
        "acknowledged": c.acknowledged_count,
        "counted": c.ok_count,
        "lost": sum(&c.lost),
        "duplicated": sum(&c.duplicated),
        "unexpected": sum(&c.unexpected),
        "recovered": sum(&c.recovered),
        "unseen": sum(&counts.unseen),
        "ack_to_sink_ms": {
            "events": latency.events, "p50": latency.p50_ms, "p95": latency.p95_ms,
            "p99": latency.p99_ms, "max": latency.ms_max,
        },
    })
}

/// Raft safety of every group, named per group; a run with no group samples says so.
fn raft_checks(record: &IngestRecord) -> Vec<CheckResult> {
    if record.raft.is_empty() {
        return vec![CheckResult::pass("ingest-raft", "nothing to judge: no broker was ever observed")];
    }
    let mut out = Vec::new();
    for (group, observer) in &record.raft {
        for mut r in observer.result() {
            r.name = format!("ingest-raft-g{group}-{}", r.name);
            out.push(r);
        }
    }
    out
}

/// The registry entry: `[ingest]`; runs when `ingest.collectors > 0`.
pub struct IngestPlugin;

impl Plugin for IngestPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn sections(&self) -> &'static [&'static str] {
        &["ingest"]
    }

    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        _before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, ScenarioError> {
        let pick = |s: config::Sections| Some(s.ingest).filter(|c| c.collectors > 0);
        let config = source.section(pick, config::validate)?;
        Ok(config.map(|config| Arc::new(Ingest { config }) as Arc<dyn System>))
    }

    fn bugs(&self) -> Vec<PlantedBug> {
        crate::system::planted(bugs::BUGS)
    }
}
