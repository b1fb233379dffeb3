//! Logs stamped with simulated time: `RUST_LOG=faultline=debug faultline run ...` prints
//! faults, heals, boots and (at trace level) every client operation, each with the simulated
//! instant it happened. Logging reads no randomness, so it never changes a run.
use std::cell::Cell;
use std::fmt;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::EnvFilter;

thread_local! {
    /// The last simulated time the world recorded, for code outside any simulated host
    /// (turmoil's nemesis runs between steps, where the engine has no current host).
    static LAST_SIM_US: Cell<u64> = const { Cell::new(0) };
}

/// Notes the simulated time of something the world just recorded.
pub fn note_sim_time(us: u64) {
    LAST_SIM_US.with(|t| t.set(us));
}

/// Simulated time now, in microseconds: the engine's clock inside a host, else the last noted.
pub fn sim_now_us() -> u64 {
    crate::engine::sim_now_us().unwrap_or_else(|| LAST_SIM_US.with(Cell::get))
}

/// Formats the simulated time as seconds, e.g. `  12.345678s`.
struct SimTime;

impl FormatTime for SimTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let us = sim_now_us();
        write!(w, "{:>4}.{:06}s", us / 1_000_000, us % 1_000_000)
    }
}

/// Installs the subscriber (stderr; filter from `RUST_LOG`, default warnings only).
///
/// madsim warns on every run after the first in a thread that it cannot re-seed std's
/// `HashMap` hasher; nothing simulated here iterates a std `HashMap` (we use ordered maps,
/// and the checker's hashed memo is never iterated), so by default that warning is muted.
/// madsim also wraps every task and node in an error-level span, which any filter that lets
/// warnings through keeps alive: entering and closing them cost about a fifth of a run's
/// time, so by default they are off (`RUST_LOG` set by the user brings them back). openraft
/// logs every timed-out RPC as an error and every stale vote response as a warning, thousands
/// a run under a nemesis, so it is off by default too (a storage failure that stops it is
/// reported by the host's own fail-stop line).
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,madsim::sim::rand=error,madsim::sim::task=off,openraft=off"));
    let _ = tracing_subscriber::fmt()
        .with_timer(SimTime)
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}
