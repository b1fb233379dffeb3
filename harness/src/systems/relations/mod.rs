//! The Raft relations service (follow graph), as a system under test: voters running our
//! sans-IO Raft with the follow-graph state machine, clients that seek the leader and retry,
//! and the checks that judge them (linearizability, Raft safety, acknowledged writes, liveness).
pub mod bugs;
mod checks;
mod client;
pub mod config;
pub(crate) mod host;
mod op;
mod record;

pub use checks::check_raft_system;
pub use client::{Client, Outcome, RaftClient};
pub use config::{RelationsConfig, WorkloadConfig, WorkloadMix};
pub use op::{pick_operation, HistoryOp};
pub use record::RelationsRecord;

use crate::scenario::{ScenarioError, ScenarioSource};
use crate::system::{ClientCtx, HostCtx, LocalFuture, PlantedBug, Plugin, RecordedRun, Role, System, Verdict};
use std::any::Any;
use std::sync::Arc;

/// The system's name.
pub const NAME: &str = "relations";
/// Its one host role.
pub const VOTER: &str = "voter";

/// The relations service as a scenario configures it.
#[derive(Clone, Debug)]
pub struct Relations {
    /// `[relations]`.
    pub config: RelationsConfig,
    /// `[workload]`.
    pub workload: WorkloadConfig,
}

impl System for Relations {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roles(&self) -> Vec<Role> {
        vec![Role { name: VOTER, hosts: self.config.nodes }]
    }

    fn clients(&self) -> usize {
        self.workload.clients
    }

    fn drain_us(&self) -> u64 {
        (self.workload.op_timeout_ms + 100) * 1000
    }

    fn host(&self, ctx: HostCtx) -> LocalFuture {
        crate::world::system_host_future(ctx, self, host::boot)
    }

    fn client(&self, ctx: ClientCtx) -> LocalFuture {
        crate::workload::client_future(ctx, RaftClient::of_relations(self, None))
    }

    fn check(&self, run: &RecordedRun<'_>) -> Verdict {
        checks::check(self, run)
    }

    fn workload_ops(&self) -> crate::check::workload::WorkloadOps {
        crate::check::workload::WorkloadOps {
            reads: &["is_following", "followers", "following", "follower_count"],
            writes: &["follow", "unfollow"],
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The registry entry: `[relations]` and `[workload]`; runs unless `relations.nodes = 0`.
pub struct RelationsPlugin;

impl Plugin for RelationsPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn sections(&self) -> &'static [&'static str] {
        &["relations", "workload"]
    }

    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        _before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, ScenarioError> {
        let s = source.section(|s: config::Sections| Some(s).filter(|s| s.relations.nodes > 0), config::validate)?;
        Ok(s.map(|s| Arc::new(Relations { config: s.relations, workload: s.workload }) as Arc<dyn System>))
    }

    fn bugs(&self) -> Vec<PlantedBug> {
        crate::system::planted(bugs::BUGS)
    }
}
