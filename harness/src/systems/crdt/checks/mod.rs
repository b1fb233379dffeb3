//! CRDT checkers: strong eventual consistency (equal digests after heal and quiescence, and
//! how long that took) and each set type's semantics against a sequential specification,
//! judged from the clients' operations and the replicas' final states.
mod convergence;
mod observer;
mod reads;
mod semantics;
#[cfg(test)]
mod tests;
mod tombstones;

pub use convergence::{check_convergence, divergence_series, Convergence};
pub use observer::{CrdtObserver, CrdtOpRecord, CrdtOutcome, DigestSample, ReadServed};
pub use reads::check_reads;
pub use semantics::check_semantics;
pub use tombstones::check_tombstones;
