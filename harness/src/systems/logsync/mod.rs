//! LogSync read replicas as a system under test: replicas fed from the relations service's
//! Raft log, session clients that write through Raft and read through the replicas, and the
//! checks that replay the committed log beside the run (consistent prefix, no phantom reads,
//! session guarantees, staleness). It builds on the relations system: no voters, no LogSync.
pub mod bugs;
mod checks;
mod client;
mod config;
mod host;

pub use checks::{
    check_freshness, check_prefix, check_read_values, check_recovery, check_sessions, check_staleness, read_staleness,
    Allowance, CommittedEntry, LogSyncObserver, ReadStaleness, ReplicaReadRecord, ReplicaSample, SessionWrite,
    StalenessSummary,
};
pub use client::{replica_function, Session};
pub use config::LogSyncConfig;

use crate::report::{draw_staleness, Figure, ReportSection, StalenessPoints};
use crate::scenario::{require, Scenario, ScenarioError, ScenarioSource};
use crate::system::{ClientCtx, HostCtx, LocalFuture, PlantedBug, Plugin, RecordedRun, Role, System, Verdict};
use crate::systems::relations::{RaftClient, Relations};
use std::any::Any;
use std::sync::Arc;

/// The system's name.
pub const NAME: &str = "logsync";
/// Its one host role.
pub const REPLICA: &str = "replica";
/// What LogSync writes into the recorded run: the committed log replayed, the replicas'
/// positions and states, and the clients' reads and writes.
pub type LogSyncRecord = LogSyncObserver;

/// LogSync as a scenario configures it.
#[derive(Clone, Debug)]
pub struct LogSync {
    /// `[logsync]`.
    pub config: LogSyncConfig,
    /// The relations clients' workload, which session clients share (think time, timeouts).
    op_timeout_ms: u64,
}

impl System for LogSync {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roles(&self) -> Vec<Role> {
        vec![Role { name: REPLICA, hosts: self.config.replicas }]
    }

    fn clients(&self) -> usize {
        self.config.clients
    }

    fn drain_us(&self) -> u64 {
        (self.op_timeout_ms + 100) * 1000
    }

    fn host(&self, ctx: HostCtx) -> LocalFuture {
        crate::world::system_host_future(ctx, self, host::boot)
    }

    fn client(&self, ctx: ClientCtx) -> LocalFuture {
        let replicas: Vec<usize> = ctx.world.with(|w| w.scenario.topology().hosts(NAME, REPLICA).collect());
        let l = &self.config;
        // The first `staleness_clients` are timeline readers: they only read, each read asking
        // for at most `staleness_ms_max`, so nothing but that bound keeps them off stale state.
        let bounded = l.staleness_ms_max.is_some() && ctx.rank < l.staleness_clients.unwrap_or(l.clients);
        let session = Session {
            token: 0,
            current: ctx.rank % replicas.len().max(1),
            replicas,
            read_percent: if bounded { 100 } else { l.read_percent },
            staleness_ms_max: l.staleness_ms_max.filter(|_| bounded),
            attempt_us: (l.read_wait_ms + 50) * 1000,
            op_timeout_us: self.op_timeout_ms * 1000,
        };
        let Some(relations) = ctx.world.with(|w| w.scenario.system::<Relations>().cloned()) else {
            return Box::pin(async {});
        };
        crate::workload::client_future(ctx, RaftClient::of_relations(&relations, Some(session)))
    }

    fn check(&self, run: &RecordedRun<'_>) -> Verdict {
        let empty = LogSyncObserver::default();
        let l = run.records.get::<LogSyncRecord>().unwrap_or(&empty);
        let mut verdict = Verdict::default();
        verdict.checks.push(check_prefix(&l.samples, &l.committed));
        verdict.checks.push(check_read_values(&l.reads, &l.committed));
        verdict.checks.push(check_sessions(&l.reads, &l.writes));
        verdict.checks.push(check_recovery(&l.samples, &l.reboots));
        let stale_reads = read_staleness(&l.reads, &l.committed, run.faults);
        let (result, summary) = check_staleness(&stale_reads, self.config.staleness_bound_ms);
        verdict.checks.push(result);
        verdict.checks.push(check_freshness(&l.reads, &stale_reads, run.faults, self.allowance(run.scenario)));
        verdict.results.push(("staleness".into(), serde_json::to_value(&summary).unwrap_or_default()));
        let points = StalenessPoints {
            reads: stale_reads.iter().map(|s| (s.node, s.time_us, s.ms)).collect(),
            replicas: run.scenario.topology().hosts(NAME, REPLICA).collect(),
            bound_ms: self.config.staleness_bound_ms,
        };
        verdict.sections.push(ReportSection::figure("LogSync staleness", staleness_figure(points)));
        verdict
    }

    fn workload_ops(&self) -> crate::check::workload::WorkloadOps {
        // Its clients write through the Raft system (recorded under that system's name).
        crate::check::workload::WorkloadOps {
            reads: &["replica_is_following", "replica_followers", "replica_following", "replica_follower_count"],
            writes: &[],
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl LogSync {
    /// What a correct replica may add to a read's staleness bound in this scenario.
    fn allowance(&self, scenario: &Scenario) -> Allowance {
        let n = &scenario.nemesis;
        let deposed_leader_ms_max = match scenario.system::<Relations>() {
            // CheckQuorum deposes a leader cut off from its quorum within two election
            // timeouts (one to notice, one for the round in flight).
            Some(r) if r.config.check_quorum => 2 * r.config.election_timeout_ms_max,
            // Without it a cut-off leader may ship its old commit index for as long as the run.
            _ => scenario.end_us() / 1000,
        };
        Allowance {
            drift_ppm_max: n.clock.drift_ppm_max,
            one_way_ms_max: scenario.network.latency_ms_max + n.delay_ms_max + n.reorder_ms_max,
            deposed_leader_ms_max,
        }
    }
}

fn staleness_figure(points: StalenessPoints) -> Figure {
    Figure {
        file: "staleness.png",
        alt: "how far behind the committed log each replica read was, against simulated time, fault windows shaded",
        caption: "Each dot is a read answered by a read replica: how long ago the first committed entry it did not \
                  reflect had committed. The dashed line is the declared bound, which holds for reads with no fault near them."
            .to_string(),
        draw: Box::new(move |root, d| draw_staleness(root, d, &points)),
    }
}

/// The registry entry: `[logsync]`; runs when `logsync.replicas > 0`, on a relations cluster.
pub struct LogSyncPlugin;

impl Plugin for LogSyncPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn sections(&self) -> &'static [&'static str] {
        &["logsync"]
    }

    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, ScenarioError> {
        let pick = |s: config::Sections| Some(s.logsync).filter(|l| l.replicas > 0);
        let Some(config) = source.section(pick, config::validate)? else { return Ok(None) };
        let relations = crate::system::find::<Relations>(before);
        let needs = "LogSync replicas follow a Raft cluster: relations.nodes must be > 0";
        require(relations.is_some(), "logsync.replicas", needs).map_err(|e| source.invalid(e))?;
        let op_timeout_ms = relations.map_or(0, |r| r.workload.op_timeout_ms);
        Ok(Some(Arc::new(LogSync { config, op_timeout_ms })))
    }

    fn bugs(&self) -> Vec<PlantedBug> {
        crate::system::planted(bugs::BUGS)
    }
}
