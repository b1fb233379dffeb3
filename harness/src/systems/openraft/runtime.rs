//! openraft's `AsyncRuntime` on the simulation: tasks and timers are madsim's (under
//! `--cfg madsim`), time is the node's own `SimClock` (so clock faults reach openraft's
//! election timers, heartbeats and leader lease; read as a monotonic clock, so a backward
//! bump stalls it rather than turning it back), and `thread_rng` (its election timeout
//! draws) is a ChaCha stream seeded from the run seed, reseeded at every boot.
use rand08::RngCore;
use rand_chacha::rand_core::{RngCore as _, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Longest single sleep; madsim's clock would overflow on "forever".
const SLEEP_MAX: Duration = Duration::from_secs(3600);

/// The runtime openraft is given (see the module doc).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SimRuntime;

/// An instant of the node's local clock, µs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SimInstant(u64);

fn global_now_us() -> u64 {
    crate::engine::sim_now_us().unwrap_or(0)
}

/// Which host's clock the running task reads: madsim knows the task's node, and each openraft
/// host registers its node when it boots.
#[cfg(madsim)]
mod node_clock {
    use crate::world::World;
    use std::cell::RefCell;

    struct Registered {
        node: madsim::task::NodeId,
        world: World,
        index: usize,
        /// The highest local reading handed out: the clock openraft sees never goes back.
        last_local_us: u64,
    }

    thread_local! {
        /// The simulation runs every node on one thread; at most one entry per node.
        static NODES: RefCell<Vec<Registered>> = const { RefCell::new(Vec::new()) };
    }

    /// Makes tasks of the current madsim node read host `index`'s clock.
    pub fn register(world: &World, index: usize) {
        let node = madsim::plugin::node();
        NODES.with(|n| {
            let mut n = n.borrow_mut();
            n.retain(|r| r.node != node);
            n.push(Registered { node, world: world.clone(), index, last_local_us: 0 });
        });
    }

    fn with_current<R>(f: impl FnOnce(&mut Registered) -> R) -> Option<R> {
        let node = madsim::plugin::node();
        NODES.with(|n| n.borrow_mut().iter_mut().find(|r| r.node == node).map(f))
    }

    /// The node's local time now (None: not a registered node).
    pub fn local_now_us(global_us: u64) -> Option<u64> {
        with_current(|r| {
            let local = r.world.with(|w| w.nodes[r.index].clock.now(global_us).as_micros());
            r.last_local_us = r.last_local_us.max(local);
            r.last_local_us
        })
    }

    /// The global time at which the node's clock reaches `local_us`.
    pub fn global_deadline_us(local_us: u64, global_us: u64) -> Option<u64> {
        with_current(|r| r.world.with(|w| w.nodes[r.index].clock.global_deadline(local_us, global_us)))
    }
}

#[cfg(madsim)]
pub use node_clock::register as use_clock_of;

/// Without madsim no openraft host runs (the engine is refused); nothing to register.
#[cfg(not(madsim))]
pub fn use_clock_of(_world: &crate::world::World, _index: usize) {}

fn now_us() -> u64 {
    let global_us = global_now_us();
    #[cfg(madsim)]
    if let Some(local) = node_clock::local_now_us(global_us) {
        return local;
    }
    global_us
}

/// How long, in global time, until the node's clock reads `local_us`.
fn global_wait(local_us: u64) -> Duration {
    let global_us = global_now_us();
    #[cfg(madsim)]
    let deadline_us = node_clock::global_deadline_us(local_us, global_us).unwrap_or(local_us);
    #[cfg(not(madsim))]
    let deadline_us = local_us;
    Duration::from_micros(deadline_us.saturating_sub(global_us))
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Add<Duration> for SimInstant {
    type Output = SimInstant;
    fn add(self, d: Duration) -> SimInstant {
        SimInstant(self.0.saturating_add(micros(d)))
    }
}

impl AddAssign<Duration> for SimInstant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Duration> for SimInstant {
    type Output = SimInstant;
    fn sub(self, d: Duration) -> SimInstant {
        SimInstant(self.0.saturating_sub(micros(d)))
    }
}

impl Sub<SimInstant> for SimInstant {
    type Output = Duration;
    fn sub(self, earlier: SimInstant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl SubAssign<Duration> for SimInstant {
    fn sub_assign(&mut self, d: Duration) {
        *self = *self - d;
    }
}

impl openraft::Instant for SimInstant {
    fn now() -> Self {
        SimInstant(now_us())
    }
}

/// A timeout that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// A sleep until the node's clock reads `deadline`; it re-checks on waking, since a clock
/// that moved (a strobe, a bump) may have made madsim's global wake-up early.
pub struct SimSleep {
    deadline: SimInstant,
    inner: Pin<Box<madsim::time::Sleep>>,
}

impl SimSleep {
    fn until(deadline: SimInstant) -> Self {
        SimSleep { deadline, inner: Box::pin(sleep_for(global_wait(deadline.0))) }
    }
}

impl Future for SimSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            if this.inner.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let wait = global_wait(this.deadline.0);
            if now_us() >= this.deadline.0 || wait.is_zero() {
                return Poll::Ready(());
            }
            this.inner = Box::pin(sleep_for(wait));
        }
    }
}

/// `future` raced against a sleep of the node's clock (boxed, so no unsafe pin projection).
pub struct SimTimeout<T> {
    future: Pin<Box<T>>,
    sleep: SimSleep,
}

impl<T: Future> Future for SimTimeout<T> {
    type Output = Result<T::Output, Elapsed>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(v) = this.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        Pin::new(&mut this.sleep).poll(cx).map(|()| Err(Elapsed))
    }
}

fn sleep_for(d: Duration) -> madsim::time::Sleep {
    madsim::time::sleep(d.min(SLEEP_MAX))
}

thread_local! {
    /// The simulation runs every node on one thread, so one stream per thread is the run's.
    static RNG: RefCell<ChaCha8Rng> = RefCell::new(ChaCha8Rng::seed_from_u64(0));
}

/// Restarts the stream openraft draws from (called at every boot with that boot's seed, so
/// nothing of an earlier run on this thread leaks into this one).
pub fn seed_rng(seed: u64) {
    RNG.with(|r| *r.borrow_mut() = ChaCha8Rng::seed_from_u64(seed));
}

/// A handle on the thread's seeded stream, as openraft's `thread_rng()`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeededRng;

impl RngCore for SeededRng {
    fn next_u32(&mut self) -> u32 {
        RNG.with(|r| r.borrow_mut().next_u32())
    }
    fn next_u64(&mut self) -> u64 {
        RNG.with(|r| r.borrow_mut().next_u64())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        RNG.with(|r| r.borrow_mut().fill_bytes(dest))
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand08::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// The sending half of a oneshot channel (tokio's channels run on any executor).
pub struct OneshotSender<T>(tokio::sync::oneshot::Sender<T>);

impl<T> fmt::Debug for OneshotSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneshotSender")
    }
}

impl<T> openraft::async_runtime::AsyncOneshotSendExt<T> for OneshotSender<T> {
    fn send(self, t: T) -> Result<(), T> {
        self.0.send(t)
    }
}

impl openraft::AsyncRuntime for SimRuntime {
    type JoinError = madsim::task::JoinError;
    type JoinHandle<T: openraft::OptionalSend + 'static> = madsim::task::JoinHandle<T>;
    type Sleep = SimSleep;
    type Instant = SimInstant;
    type TimeoutError = Elapsed;
    type Timeout<R, T: Future<Output = R> + openraft::OptionalSend> = SimTimeout<T>;
    type ThreadLocalRng = SeededRng;
    type OneshotSender<T: openraft::OptionalSend> = OneshotSender<T>;
    type OneshotReceiverError = tokio::sync::oneshot::error::RecvError;
    type OneshotReceiver<T: openraft::OptionalSend> = tokio::sync::oneshot::Receiver<T>;

    fn spawn<T>(future: T) -> Self::JoinHandle<T::Output>
    where
        T: Future + openraft::OptionalSend + 'static,
        T::Output: openraft::OptionalSend + 'static,
    {
        madsim::task::spawn(future)
    }

    fn sleep(duration: Duration) -> SimSleep {
        SimSleep::until(<SimInstant as openraft::Instant>::now() + duration)
    }

    fn sleep_until(deadline: SimInstant) -> SimSleep {
        SimSleep::until(deadline)
    }

    fn timeout<R, F: Future<Output = R> + openraft::OptionalSend>(duration: Duration, future: F) -> SimTimeout<F> {
        Self::timeout_at(<SimInstant as openraft::Instant>::now() + duration, future)
    }

    fn timeout_at<R, F: Future<Output = R> + openraft::OptionalSend>(deadline: SimInstant, future: F) -> SimTimeout<F> {
        SimTimeout { future: Box::pin(future), sleep: SimSleep::until(deadline) }
    }

    fn is_panic(join_error: &Self::JoinError) -> bool {
        join_error.is_panic()
    }

    fn thread_rng() -> SeededRng {
        SeededRng
    }

    fn oneshot<T: openraft::OptionalSend>() -> (OneshotSender<T>, tokio::sync::oneshot::Receiver<T>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (OneshotSender(tx), rx)
    }
}
