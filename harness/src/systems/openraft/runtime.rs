//! openraft's `AsyncRuntime` on the simulation: tasks and timers are madsim's (under
//! `--cfg madsim`), time is the engine's simulated clock, and `thread_rng` (its election
//! timeout draws) is a ChaCha stream seeded from the run seed, reseeded at every boot.
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

/// An instant of simulated time, µs since the run began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SimInstant(u64);

fn now_us() -> u64 {
    crate::engine::sim_now_us().unwrap_or(0)
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

/// `future` raced against a simulated-time sleep (boxed, so no unsafe pin projection).
pub struct SimTimeout<T> {
    future: Pin<Box<T>>,
    sleep: Pin<Box<madsim::time::Sleep>>,
}

impl<T: Future> Future for SimTimeout<T> {
    type Output = Result<T::Output, Elapsed>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(v) = this.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        this.sleep.as_mut().poll(cx).map(|()| Err(Elapsed))
    }
}

fn sleep_for(d: Duration) -> madsim::time::Sleep {
    madsim::time::sleep(d.min(SLEEP_MAX))
}

fn until(deadline: SimInstant) -> Duration {
    Duration::from_micros(deadline.0.saturating_sub(now_us()))
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
    type Sleep = madsim::time::Sleep;
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

    fn sleep(duration: Duration) -> Self::Sleep {
        sleep_for(duration)
    }

    fn sleep_until(deadline: SimInstant) -> Self::Sleep {
        sleep_for(until(deadline))
    }

    fn timeout<R, F: Future<Output = R> + openraft::OptionalSend>(duration: Duration, future: F) -> SimTimeout<F> {
        SimTimeout { future: Box::pin(future), sleep: Box::pin(sleep_for(duration)) }
    }

    fn timeout_at<R, F: Future<Output = R> + openraft::OptionalSend>(deadline: SimInstant, future: F) -> SimTimeout<F> {
        Self::timeout(until(deadline), future)
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
