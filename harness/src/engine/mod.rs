//! The two simulation engines behind one small interface. The world (nodes, clients,
//! nemesis actions) is written once against `Io` and `NetControl`; each engine supplies them.
mod io;
#[cfg(madsim)]
mod madsim_engine;
mod turmoil_engine;

pub use io::{Io, NetControl};

use crate::world::World;
use std::fmt;

/// Which engine runs the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// turmoil: fixed ticks, tokio underneath.
    Turmoil,
    /// madsim: jumps to the next event.
    Madsim,
}

impl EngineKind {
    /// Parses "turmoil" or "madsim".
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "turmoil" => Ok(EngineKind::Turmoil),
            "madsim" => Ok(EngineKind::Madsim),
            other => Err(format!("unknown engine {other:?}: expected \"turmoil\" or \"madsim\"")),
        }
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Turmoil => "turmoil",
            EngineKind::Madsim => "madsim",
        }
    }

    /// Whether this binary can run it (madsim needs `--cfg madsim` at build time).
    pub fn available(self) -> bool {
        match self {
            EngineKind::Turmoil => true,
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
    #[cfg(madsim)]
    if let Some(t) = madsim::time::TimeHandle::try_current() {
        return u64::try_from(t.elapsed().as_micros()).ok();
    }
    turmoil::sim_elapsed().and_then(|d| u64::try_from(d.as_micros()).ok())
}

/// Runs the world to its end on the chosen engine.
pub fn run(kind: EngineKind, world: &World) -> Result<(), String> {
    match kind {
        EngineKind::Turmoil => turmoil_engine::run(world),
        #[cfg(madsim)]
        EngineKind::Madsim => madsim_engine::run(world),
        #[cfg(not(madsim))]
        EngineKind::Madsim => Err(
            "this binary was built without `--cfg madsim` (see .cargo/config.toml); use --engine turmoil or rebuild"
                .into(),
        ),
    }
}
