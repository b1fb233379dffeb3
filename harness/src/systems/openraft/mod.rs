//! openraft (0.9), a third-party async Raft framework, hosted under the relations state
//! machine: each voter is an async task owning an `openraft::Raft` on a runtime of simulated
//! time and seeded randomness (madsim only), with storage over its `SimDisk` and RPCs over
//! datagrams; clients are the relations service's `RaftClient` aimed at these voters, and the
//! relations checks (linearizability, Raft safety, acknowledged writes, liveness) judge it.
pub mod bugs;
pub mod config;
mod host;
mod network;
pub mod runtime;
mod store;
mod types;

pub use config::OpenRaftSection;

use crate::engine::EngineKind;
use crate::scenario::{ScenarioError, ScenarioSource};
use crate::system::{ClientCtx, HostCtx, LocalFuture, PlantedBug, Plugin, RecordedRun, Records, Role, System, Verdict};
use crate::systems::relations::{self, RaftClient, RelationsRecord};
use std::any::Any;
use std::sync::Arc;

/// The system's name.
pub const NAME: &str = "openraft";
/// Its one host role (the name `RaftClient` looks its voters up by).
pub const VOTER: &str = relations::VOTER;

/// What openraft writes into the recorded run: the same as the relations service, in its own slot.
#[derive(Default)]
pub struct OpenRaftRecord(pub RelationsRecord);

/// openraft as a scenario configures it.
#[derive(Clone, Debug)]
pub struct OpenRaftSystem {
    /// `[openraft]`, with `[openraft.workload]`.
    pub section: OpenRaftSection,
}

fn openraft_record(records: &mut Records) -> &mut RelationsRecord {
    &mut records.get_mut::<OpenRaftRecord>().0
}

/// Why openraft cannot run deterministically on `engine` (None: it can).
pub fn engine_refusal(engine: EngineKind) -> Option<String> {
    match engine {
        EngineKind::Madsim if cfg!(madsim) => None,
        EngineKind::Madsim => {
            Some("openraft needs madsim's simulated tasks and timers (build with --cfg madsim)".into())
        }
        EngineKind::Native => Some(
            "the native engine drives only sans-IO nodes; openraft is an async service with its own tasks and timers"
                .into(),
        ),
        EngineKind::Turmoil => Some(
            "openraft's replication loop uses an unbiased tokio::select!, whose branch order draws from tokio's \
             per-runtime RNG; turmoil's hosts seed it from the OS (tokio_unstable's RngSeed is not wired), \
             so runs would not replay"
                .into(),
        ),
    }
}

impl System for OpenRaftSystem {
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

    fn engine_refusal(&self, engine: EngineKind) -> Option<String> {
        engine_refusal(engine)
    }

    fn host(&self, ctx: HostCtx) -> LocalFuture {
        match ctx.engine {
            #[cfg(madsim)]
            EngineKind::Madsim => {
                Box::pin(host::host_main::<crate::engine::MadsimIo>(self.clone(), ctx.world, ctx.index, ctx.rank))
            }
            // Refused before the run starts (`engine_refusal`).
            _ => Box::pin(async {}),
        }
    }

    fn client(&self, ctx: ClientCtx) -> LocalFuture {
        let program = RaftClient {
            system: NAME,
            workload: self.section.workload.clone(),
            record: openraft_record,
            session: None,
        };
        crate::workload::client_future(ctx, program)
    }

    fn check(&self, run: &RecordedRun<'_>) -> Verdict {
        relations::check_raft_system(run, NAME, run.records.get::<OpenRaftRecord>().map(|r| &r.0))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The registry entry: `[openraft]` (with `[openraft.workload]`); runs when the section is
/// there and `openraft.nodes > 0`.
pub struct OpenRaftPlugin;

impl Plugin for OpenRaftPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn sections(&self) -> &'static [&'static str] {
        &["openraft"]
    }

    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        _before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, ScenarioError> {
        let section = source.section(|s: config::Sections| s.openraft.filter(|r| r.nodes > 0), config::validate)?;
        Ok(section.map(|section| Arc::new(OpenRaftSystem { section }) as Arc<dyn System>))
    }

    fn bugs(&self) -> Vec<PlantedBug> {
        crate::system::planted(bugs::BUGS)
    }
}
