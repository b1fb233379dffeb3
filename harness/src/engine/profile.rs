//! Wall-time accounting for `faultline bench`: where a run's wall time goes (the systems'
//! handlers, host loops, clients, checks). Off unless the bench switches it on. Simulated
//! code can only add to the counters, never read them, so a measured run takes the same
//! path as an unmeasured one (`trace_hash` is the same; a test holds that).
//!
//! The clock is quanta's TSC reader, not `std::time::Instant`: under madsim, std's clocks
//! are the simulated clock (madsim intercepts `clock_gettime`), which stands still inside a
//! handler. The quanta clock is calibrated in `start`, outside any simulation; on a machine
//! without an invariant TSC quanta falls back to the OS clock and madsim's shares read zero,
//! which the bench reports as not measurable.
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::task::{Context, Poll};

/// What a span of wall time was spent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Inside a sans-IO node's calls (handle_*, next_output, observe, poll_timeout).
    Handlers,
    /// Polling host futures (handlers included; the report subtracts them).
    HostPolls,
    /// Polling client futures.
    ClientPolls,
    /// The systems' checks over the recorded run.
    Checks,
}

const PARTS: usize = 4;

// Process-wide, not thread-local: madsim runs its simulation on a thread of its own.
static ENABLED: AtomicBool = AtomicBool::new(false);
static NANOS: [AtomicU64; PARTS] = [const { AtomicU64::new(0) }; PARTS];

/// Wall nanoseconds per part since the last `start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Inside the nodes' handlers.
    pub handlers_ns: u64,
    /// Polling host futures, handlers included.
    pub host_polls_ns: u64,
    /// Polling client futures.
    pub client_polls_ns: u64,
    /// Inside the checks.
    pub checks_ns: u64,
}

/// The accounting clock, calibrated on first use (call it outside a simulation).
fn clock() -> &'static quanta::Clock {
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// Switches accounting on and zeroes the counters.
pub fn start() {
    clock();
    NANOS.iter().for_each(|n| n.store(0, Ordering::Relaxed));
    ENABLED.store(true, Ordering::Relaxed);
}

/// Switches accounting off and returns what it counted.
pub fn stop() -> Profile {
    ENABLED.store(false, Ordering::Relaxed);
    let n: [u64; PARTS] = std::array::from_fn(|i| NANOS[i].load(Ordering::Relaxed));
    Profile { handlers_ns: n[0], host_polls_ns: n[1], client_polls_ns: n[2], checks_ns: n[3] }
}

/// Whether accounting is on (engines wrap futures only then).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn add(part: Part, ns: u64) {
    NANOS[part as usize].fetch_add(ns, Ordering::Relaxed);
}

/// Runs `f`, adding its wall time to `part` when accounting is on.
#[inline]
pub fn time<T>(part: Part, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let clock = clock();
    let start = clock.raw();
    let out = f();
    add(part, clock.delta_as_nanos(start, clock.raw()));
    out
}

/// A future whose polls are counted as `part`.
struct Timed {
    part: Part,
    inner: super::LocalFuture,
}

impl Future for Timed {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let part = self.part;
        time(part, || self.inner.as_mut().poll(cx))
    }
}

/// Wraps `future` so its polls count as `part` (unchanged when accounting is off).
pub fn timed(part: Part, future: super::LocalFuture) -> super::LocalFuture {
    if !enabled() {
        return future;
    }
    Box::pin(Timed { part, inner: future })
}

/// A program whose host and client futures are timed (the bench's view of a run).
pub struct Profiled {
    inner: std::sync::Arc<dyn super::Program>,
}

impl Profiled {
    /// Wraps `inner`.
    pub fn new(inner: std::sync::Arc<dyn super::Program>) -> Self {
        Profiled { inner }
    }
}

impl super::Program for Profiled {
    fn seed(&self) -> u64 {
        self.inner.seed()
    }
    fn hosts(&self) -> usize {
        self.inner.hosts()
    }
    fn clients(&self) -> usize {
        self.inner.clients()
    }
    fn latency_ms(&self) -> (u64, u64) {
        self.inner.latency_ms()
    }
    fn tick_ms(&self) -> u64 {
        self.inner.tick_ms()
    }
    fn run_until_us(&self) -> u64 {
        self.inner.run_until_us()
    }
    fn set_addresses(&self, hosts: Vec<std::net::SocketAddr>, clients: Vec<std::net::SocketAddr>) {
        self.inner.set_addresses(hosts, clients);
    }
    fn host(&self, index: usize, engine: super::EngineKind) -> super::LocalFuture {
        timed(Part::HostPolls, self.inner.host(index, engine))
    }
    fn client(&self, index: usize, engine: super::EngineKind) -> super::LocalFuture {
        timed(Part::ClientPolls, self.inner.client(index, engine))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_while_started() {
        time(Part::Checks, || std::thread::sleep(std::time::Duration::from_millis(2)));
        start();
        time(Part::Checks, || std::thread::sleep(std::time::Duration::from_millis(2)));
        let p = stop();
        assert!(p.checks_ns >= 2_000_000, "{p:?}");
        assert_eq!(p.handlers_ns, 0);
        start();
        assert_eq!(stop(), Profile::default());
    }
}
