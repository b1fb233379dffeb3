//! The seam every system under test plugs into. A system is a folder under `systems/` that
//! implements [`Plugin`] (its scenario sections, validation and planted bugs) and [`System`]
//! (its hosts, clients, checks and report sections, as configured for one scenario). The
//! harness core — scenario loading, engines, host loop, nemesis, history, checks assembly,
//! report writing, CLI — only ever sees these traits; it never names a particular system.
//!
//! A system's life in one run, in the order the core calls it:
//! 1. [`Plugin::configure`] reads its sections of the scenario file (None: not in this
//!    scenario) and validates them; configured systems see the ones configured before them.
//! 2. [`System::roles`] and [`System::clients`] size the topology: hosts are numbered in
//!    registration order, role by role ([`Topology`]).
//! 3. The engine starts every host with [`System::host`] (again after every crash) and every
//!    client with [`System::client`]; hosts and clients write the recorded run (history
//!    events, the system's own [`Records`], the leader hint) through `world::World`.
//! 4. After the run, [`System::check`] judges the recorded run and returns its checks,
//!    `results.json` extras and report sections.
mod bugs;
mod records;

mod topology;

pub use crate::scenario::{require, Invalid, ScenarioSource};
pub use bugs::{planted, switches, Bug, PlantedBug};
pub use records::Records;
pub use topology::{HostSlot, Topology};

use crate::check::CheckResult;
use crate::engine::EngineKind;
use crate::history::{Event, FaultWindow};
use crate::report::ReportSection;
use crate::scenario::Scenario;
use crate::world::World;
use std::any::Any;
use std::sync::Arc;

pub use crate::engine::LocalFuture;

/// One kind of host a system runs, and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// Role name, e.g. "voter" or "replica".
    pub name: &'static str,
    /// Hosts of this role.
    pub hosts: usize,
}

/// Where a host runs: everything [`System::host`] needs to start it.
#[derive(Clone)]
pub struct HostCtx {
    /// The run's shared state.
    pub world: World,
    /// The engine running it (the host loop is instantiated for its I/O).
    pub engine: EngineKind,
    /// Global host index (`n{index+1}`; its wire id is `index + 1`).
    pub index: usize,
    /// Which of the system's roles it plays (index into [`System::roles`]).
    pub role: usize,
    /// Its position among the hosts of that role, from 0.
    pub rank: usize,
}

/// Where a client runs.
#[derive(Clone)]
pub struct ClientCtx {
    /// The run's shared state.
    pub world: World,
    /// The engine running it.
    pub engine: EngineKind,
    /// Global client index (`c{index+1}`), also its address on the wire.
    pub index: usize,
    /// Its position among the system's clients, from 0.
    pub rank: usize,
}

/// What a finished run recorded, as the checks read it.
pub struct RecordedRun<'a> {
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// Every client event of every system, in order.
    pub history: &'a [Event],
    /// Faults as they happened.
    pub faults: &'a [FaultWindow],
    /// Each system's own records.
    pub records: &'a Records,
    /// When the last fault healed, µs (None: no fault).
    pub last_heal_us: Option<u64>,
    /// Whether the run died early (a panic or an engine error): liveness has nothing to say then.
    pub died: bool,
}

impl RecordedRun<'_> {
    /// The events `system` recorded, in order.
    pub fn events_of<'b>(&'b self, system: &'b str) -> impl Iterator<Item = &'b Event> + 'b {
        self.history.iter().filter(move |e| e.system.as_deref() == Some(system))
    }
}

/// What a system's checks concluded.
#[derive(Default)]
pub struct Verdict {
    /// Its checks, in report order.
    pub checks: Vec<CheckResult>,
    /// `results.json` entries it adds: top-level keys that tools already read
    /// (`recovery_seconds`, `convergence_seconds`, `staleness`), otherwise under its own name.
    pub results: Vec<(String, serde_json::Value)>,
    /// Report sections (charts, tables, timelines).
    pub sections: Vec<ReportSection>,
}

/// A system under test as one scenario configures it.
pub trait System: Send + Sync + 'static {
    /// Its name: the folder, the history events' `system`, the key of its `results.json` extras.
    fn name(&self) -> &'static str;
    /// Its host roles, in index order.
    fn roles(&self) -> Vec<Role>;
    /// How many clients it runs.
    fn clients(&self) -> usize;
    /// How long after the end of the run its last operation may still take, µs.
    fn drain_us(&self) -> u64;
    /// Runs host `ctx` until its process is killed (called again at every restart).
    fn host(&self, ctx: HostCtx) -> LocalFuture;
    /// Runs client `ctx` until the end of the run.
    fn client(&self, ctx: ClientCtx) -> LocalFuture;
    /// Judges the recorded run.
    fn check(&self, run: &RecordedRun<'_>) -> Verdict;
    /// Which of its operations read and which write, for the core's `workload` check
    /// (default: it does not say, and any acknowledged operation counts).
    fn workload_ops(&self) -> crate::check::workload::WorkloadOps {
        crate::check::workload::WorkloadOps::default()
    }
    /// Why this system cannot run deterministically on `engine`, if it cannot (the run is then
    /// refused as bad input rather than run nondeterministically). Default: it runs anywhere.
    fn engine_refusal(&self, _engine: EngineKind) -> Option<String> {
        None
    }
    /// For other systems that build on this one (e.g. read replicas on a Raft cluster).
    fn as_any(&self) -> &dyn Any;
}

/// A system's entry in the registry: how a scenario file configures it.
pub trait Plugin: Sync {
    /// Its name (as [`System::name`]).
    fn name(&self) -> &'static str;
    /// The top-level scenario sections it owns, e.g. `["crdt"]`.
    fn sections(&self) -> &'static [&'static str];
    /// Reads and validates its sections; None when the scenario does not run it.
    /// `before` holds the systems configured before it, in registration order.
    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, crate::scenario::ScenarioError>;
    /// Its planted bugs.
    fn bugs(&self) -> Vec<PlantedBug>;
}

/// The configured system of type `T` among `systems`, if there is one.
pub fn find<T: System>(systems: &[Arc<dyn System>]) -> Option<&T> {
    systems.iter().find_map(|s| s.as_any().downcast_ref::<T>())
}
