//! The simulation engines behind one small interface. An engine runs a [`Program`] (hosts
//! and clients it starts by index and knows nothing else of) and calls a [`Controller`]
//! between its steps (timed actions on the network and processes: the nemesis). Host and
//! client code is written once against `Io`; faults reach the engine through `NetControl`.
pub mod corrupt;
mod io;
#[cfg(madsim)]
mod madsim_engine;
#[cfg(madsim)]
pub mod madsim_probe;
mod native;
pub mod profile;
mod turmoil_engine;

pub use io::{Io, NetControl, DATAGRAM_BYTES_MAX, PORT};
#[cfg(madsim)]
pub use madsim_engine::MadsimIo;
pub use native::{NativeIo, NativeSocket};
pub use turmoil_engine::TurmoilIo;

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

/// A host's or client's whole life (engines are single-threaded: not `Send`).
pub type LocalFuture = Pin<Box<dyn Future<Output = ()>>>;

/// What an engine runs.
pub trait Program: Send + Sync {
    /// The run seed (the engine's own randomness derives from it).
    fn seed(&self) -> u64;
    /// Server hosts, named `n1`, `n2`, … in index order.
    fn hosts(&self) -> usize;
    /// Clients, named `c1`, `c2`, …
    fn clients(&self) -> usize;
    /// Healthy one-way latency range, milliseconds.
    fn latency_ms(&self) -> (u64, u64);
    /// turmoil's fixed tick, milliseconds.
    fn tick_ms(&self) -> u64;
    /// When the run is over (every client has had time to finish), µs.
    fn run_until_us(&self) -> u64;
    /// Tells the program every host's and client's address, before anything runs.
    fn set_addresses(&self, hosts: Vec<SocketAddr>, clients: Vec<SocketAddr>);
    /// Host `index`'s life on engine `engine` (called again after every restart).
    fn host(&self, index: usize, engine: EngineKind) -> LocalFuture;
    /// Client `index`'s life.
    fn client(&self, index: usize, engine: EngineKind) -> LocalFuture;
}

/// Timed actions the engine runs between its own steps.
pub trait Controller {
    /// When the next action is due, µs.
    fn next_due_us(&self) -> Option<u64>;
    /// Runs every action due at or before `now_us`.
    fn apply_due(&mut self, now_us: u64, net: &mut dyn NetControl);
    /// Undoes whatever is still in force at the end of the run.
    fn finish(&mut self, now_us: u64, net: &mut dyn NetControl);
}

/// Which engine runs the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// turmoil: fixed ticks, tokio underneath.
    Turmoil,
    /// madsim: jumps to the next event.
    Madsim,
    /// The harness' own discrete-event engine: drives hosts and clients directly.
    Native,
}

impl EngineKind {
    /// Every engine, in the order the bench reports them.
    pub const ALL: [EngineKind; 3] = [EngineKind::Native, EngineKind::Madsim, EngineKind::Turmoil];

    /// Parses "turmoil", "madsim" or "native".
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "turmoil" => Ok(EngineKind::Turmoil),
            "madsim" => Ok(EngineKind::Madsim),
            "native" => Ok(EngineKind::Native),
            other => Err(format!("unknown engine {other:?}: expected \"turmoil\", \"madsim\" or \"native\"")),
        }
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Turmoil => "turmoil",
            EngineKind::Madsim => "madsim",
            EngineKind::Native => "native",
        }
    }

    /// Whether this binary can run it (madsim needs `--cfg madsim` at build time).
    pub fn available(self) -> bool {
        match self {
            EngineKind::Turmoil | EngineKind::Native => true,
            EngineKind::Madsim => cfg!(madsim),
        }
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The running engine's simulated time in microseconds, when called from inside a
/// simulated host (for log timestamps).
pub fn sim_now_us() -> Option<u64> {
    if let Some(us) = native::now_us() {
        return Some(us);
    }
    #[cfg(madsim)]
    if let Some(t) = madsim::time::TimeHandle::try_current() {
        return u64::try_from(t.elapsed().as_micros()).ok();
    }
    turmoil::sim_elapsed().and_then(|d| u64::try_from(d.as_micros()).ok())
}

/// Runs `program` to its end on the chosen engine, with `controller` acting between steps.
pub fn run(kind: EngineKind, program: Arc<dyn Program>, controller: &mut dyn Controller) -> Result<(), String> {
    corrupt::begin(program.seed());
    let result = run_on(kind, program, controller);
    corrupt::end();
    result
}

fn run_on(kind: EngineKind, program: Arc<dyn Program>, controller: &mut dyn Controller) -> Result<(), String> {
    let program: Arc<dyn Program> =
        if profile::enabled() { Arc::new(profile::Profiled::new(program)) } else { program };
    match kind {
        EngineKind::Turmoil => turmoil_engine::run(program, controller),
        EngineKind::Native => native::run(program, controller),
        #[cfg(madsim)]
        EngineKind::Madsim => madsim_engine::run(program, controller),
        #[cfg(not(madsim))]
        EngineKind::Madsim => Err::<(), String>(
            "this binary was built without `--cfg madsim` (see .cargo/config.toml); use --engine turmoil or rebuild"
                .into(),
        ),
    }
}
