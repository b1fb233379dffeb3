//! CRDT follow-graph sync between data centres as a system under test: one replica per data
//! centre holding the graph as all four set types, local clients that stop writing at the
//! heal, and the checks for strong eventual consistency and each type's semantics.
pub mod bugs;
mod checks;
mod client;
mod config;
mod host;

pub use checks::{
    check_convergence, check_reads, check_semantics, check_tombstones, divergence_series, Convergence, CrdtObserver,
    CrdtOpRecord, CrdtOutcome, DigestSample,
};
pub use client::pick_crdt_operation;
pub use config::CrdtConfig;

use crate::report::{draw_convergence, Divergence, Figure, ReportSection};
use crate::scenario::{ScenarioError, ScenarioSource};
use crate::system::{ClientCtx, HostCtx, LocalFuture, PlantedBug, Plugin, RecordedRun, Role, System, Verdict};
use std::any::Any;
use std::sync::Arc;

/// The system's name.
pub const NAME: &str = "crdt";
/// Its one host role.
pub const REPLICA: &str = "replica";
/// What the CRDT system writes into the recorded run: each replica's digest whenever it
/// changed (and its latest state), and every client operation.
pub type CrdtRecord = CrdtObserver;

/// CRDT sync as a scenario configures it.
#[derive(Clone, Debug)]
pub struct Crdt {
    /// `[crdt]`.
    pub config: CrdtConfig,
}

impl System for Crdt {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roles(&self) -> Vec<Role> {
        vec![Role { name: REPLICA, hosts: self.config.replicas }]
    }

    fn clients(&self) -> usize {
        self.config.replicas * self.config.clients_per_replica
    }

    fn drain_us(&self) -> u64 {
        (self.config.op_timeout_ms + 100) * 1000
    }

    fn host(&self, ctx: HostCtx) -> LocalFuture {
        crate::world::system_host_future(ctx, self, host::boot)
    }

    fn client(&self, ctx: ClientCtx) -> LocalFuture {
        crate::workload::client_future(ctx, client::CrdtClient)
    }

    fn check(&self, run: &RecordedRun<'_>) -> Verdict {
        let empty = CrdtObserver::default();
        let record = run.records.get::<CrdtRecord>().unwrap_or(&empty);
        let replicas: Vec<usize> = run.scenario.topology().hosts(NAME, REPLICA).collect();
        let heal_us = run.scenario.heal_us();
        let (result, convergence) = check_convergence(&record.samples, &replicas, heal_us);
        let mut verdict = Verdict::default();
        verdict.checks.push(result);
        verdict.checks.extend(check_semantics(&record.ops, &record.latest));
        verdict.checks.push(check_reads(record));
        verdict.checks.push(check_tombstones(&record.latest, &record.tombstones_max));
        verdict.results.push(("convergence_seconds".into(), serde_json::json!(convergence.seconds_after_heal)));
        verdict.results.push((NAME.into(), serde_json::json!({ "clock_refused": record.clock_refused_total })));
        let divergence = Divergence {
            points: convergence.series,
            pairs: replicas.len() * (replicas.len() - 1) / 2,
            heal_us,
            converged_after_heal_s: convergence.seconds_after_heal,
        };
        verdict.sections.push(ReportSection::figure("CRDT convergence", convergence_figure(divergence)));
        verdict
    }

    fn workload_ops(&self) -> crate::check::workload::WorkloadOps {
        crate::check::workload::WorkloadOps { reads: &["contains"], writes: &["add", "remove"] }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn convergence_figure(divergence: Divergence) -> Figure {
    Figure {
        file: "convergence.png",
        alt: "replica pairs with differing state against simulated time, fault windows shaded",
        caption: "Pairs of data-centre replicas whose state digests differ; the dashed line is the heal, after which \
                  writes stop and the curve must reach zero."
            .to_string(),
        draw: Box::new(move |root, d| draw_convergence(root, d, &divergence)),
    }
}

/// The registry entry: `[crdt]`; runs when `crdt.replicas > 0`.
pub struct CrdtPlugin;

impl Plugin for CrdtPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn sections(&self) -> &'static [&'static str] {
        &["crdt"]
    }

    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        _before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, ScenarioError> {
        let config = source.section(|s: config::Sections| Some(s.crdt).filter(|c| c.replicas > 0), config::validate)?;
        Ok(config.map(|config| Arc::new(Crdt { config }) as Arc<dyn System>))
    }

    fn bugs(&self) -> Vec<PlantedBug> {
        crate::system::planted(bugs::BUGS)
    }
}
