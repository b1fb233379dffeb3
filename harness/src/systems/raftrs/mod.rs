//! tikv's raft-rs (`raft` 0.7) hosting the follow graph, as a system under test: voters run
//! `RaftRsNode`, clients are the relations service's `RaftClient` aimed at these voters, and the
//! relations checks (linearizability, Raft safety, acknowledged writes, liveness) judge it.
pub mod acks;
pub mod bugs;
pub mod config;
mod host;

pub use config::RaftRsSection;

use crate::scenario::{ScenarioError, ScenarioSource};
use crate::system::{ClientCtx, HostCtx, LocalFuture, PlantedBug, Plugin, RecordedRun, Records, Role, System, Verdict};
use crate::systems::relations::{self, RaftClient, RelationsRecord};
use std::any::Any;
use std::sync::Arc;

/// The system's name.
pub const NAME: &str = "raftrs";
/// Its one host role (the name `RaftClient` looks its voters up by).
pub const VOTER: &str = relations::VOTER;

/// What raft-rs writes into the recorded run: the same as the relations service, in its own slot,
/// and each voter's acks and vote grants beside what it recovered at each boot.
#[derive(Default)]
pub struct RaftRsRecord(pub RelationsRecord, pub acks::AckRecord);

/// raft-rs as a scenario configures it.
#[derive(Clone, Debug)]
pub struct RaftRs {
    /// `[raftrs]`, with `[raftrs.workload]`.
    pub section: RaftRsSection,
}

/// raft-rs's record in the run's records, as its clients write acknowledged writes.
fn raftrs_record(records: &mut Records) -> &mut RelationsRecord {
    &mut records.get_mut::<RaftRsRecord>().0
}

impl System for RaftRs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roles(&self) -> Vec<Role> {
        vec![Role { name: VOTER, hosts: self.section.nodes }]
    }

    fn clients(&self) -> usize {
        self.section.workload.clients
    }

    fn drain_us(&self) -> u64 {
        (self.section.workload.op_timeout_ms + 100) * 1000
    }

    fn host(&self, ctx: HostCtx) -> LocalFuture {
        crate::world::system_host_future(ctx, self, host::boot)
    }

    fn client(&self, ctx: ClientCtx) -> LocalFuture {
        let program =
            RaftClient { system: NAME, workload: self.section.workload.clone(), record: raftrs_record, session: None };
        crate::workload::client_future(ctx, program)
    }

    fn check(&self, run: &RecordedRun<'_>) -> Verdict {
        let record = run.records.get::<RaftRsRecord>();
        let mut verdict = relations::check_raft_system(run, NAME, record.map(|r| &r.0));
        let empty = acks::AckRecord::default();
        verdict.checks.push(record.map_or(&empty, |r| &r.1).result(run.faults));
        verdict
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The registry entry: `[raftrs]` (with `[raftrs.workload]`); runs when the section is there
/// and `raftrs.nodes > 0`.
pub struct RaftRsPlugin;

impl Plugin for RaftRsPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn sections(&self) -> &'static [&'static str] {
        &["raftrs"]
    }

    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        _before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, ScenarioError> {
        let section = source.section(|s: config::Sections| s.raftrs.filter(|r| r.nodes > 0), config::validate)?;
        Ok(section.map(|section| Arc::new(RaftRs { section }) as Arc<dyn System>))
    }

    fn bugs(&self) -> Vec<PlantedBug> {
        crate::system::planted(bugs::BUGS)
    }
}
