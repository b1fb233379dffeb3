//! Time as the caller passes it in. Nothing in `systems` reads a clock.
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A point on a node's local clock, in microseconds. The clock may be skewed, drift, or even
/// jump backwards (the harness does that on purpose), so code must use saturating arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Time(u64);

impl Time {
    /// The zero point.
    pub const ZERO: Time = Time(0);

    /// A time `micros` microseconds after zero.
    pub const fn from_micros(micros: u64) -> Self {
        Time(micros)
    }

    /// Microseconds since zero.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating.
    pub fn saturating_add(self, d: Duration) -> Self {
        Time(self.0.saturating_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX)))
    }

    /// How long after `earlier` this is; zero if `earlier` is later (clocks can go back).
    pub fn saturating_since(self, earlier: Time) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}
