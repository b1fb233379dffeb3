//! LogSync checkers, judged against the committed Raft log replayed on the side:
//! - `logsync-consistent-prefix`: every state a replica reported is the state machine at the
//!   committed prefix it claims, applied no earlier than that index committed;
//! - `logsync-no-phantom-reads`: every value a replica returned is what the committed prefix
//!   at the index it claimed gives;
//! - `logsync-sessions`: read-your-writes and monotonic reads per client, across failover;
//! - `logsync-staleness`: how far behind each read was (entries and ms), and the declared
//!   bound on reads no fault came near;
//! - `logsync-recovery`: a restarted replica recovers at least the index it had reported;
//! - `logsync-freshness`: a read that asked for a staleness bound was answered within it.
mod freshness;
mod observer;
mod prefix;
mod recovery;
mod sessions;
mod staleness;
#[cfg(test)]
mod tests;

pub use freshness::{check_freshness, Allowance};
pub use observer::{CommittedEntry, LogSyncObserver, ReplicaReadRecord, ReplicaSample, SessionWrite};
pub use prefix::{check_prefix, check_read_values};
pub use recovery::check_recovery;
pub use sessions::check_sessions;
pub use staleness::{check_staleness, read_staleness, ReadStaleness, StalenessSummary};
