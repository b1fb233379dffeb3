//! Seeded election timeouts. raft-rs draws each randomized election timeout from
//! `rand::thread_rng()` (`Raft::reset_randomized_election_timeout`, called by `reset` whenever the
//! node becomes follower, pre-candidate... candidate or leader, i.e. on every term or role change).
//! We overwrite each draw with one from a ChaCha RNG seeded by the caller, right after every call
//! that may have reset it, before any further tick can read it. That is the library's only use of
//! randomness (its HashMaps use FxHash, which has no random seed).
use raft::{RawNode, StateRole, Storage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What identifies a reset: raft-rs resets the timeout exactly when term or role changes. The
/// timeout value itself is watched too, in case a future version resets elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    term: u64,
    role: StateRole,
    timeout_ticks: usize,
}

/// The node's only randomness source.
pub(crate) struct ElectionRng {
    rng: ChaCha8Rng,
    ticks_min: usize,
    ticks_max: usize,
    seen: Option<Seen>,
}

impl ElectionRng {
    /// Seeded by the caller; `[ticks_min, ticks_max)` is the timeout range.
    pub fn new(seed: u64, ticks_min: usize, ticks_max: usize) -> Self {
        assert!(ticks_min < ticks_max, "validated by RaftRsConfig");
        ElectionRng { rng: ChaCha8Rng::seed_from_u64(seed), ticks_min, ticks_max, seen: None }
    }

    /// Replaces raft-rs's own draw if it may have made one since the last call.
    pub fn reseed_if_reset<T: Storage>(&mut self, raw: &mut RawNode<T>) {
        let now =
            Seen { term: raw.raft.term, role: raw.raft.state, timeout_ticks: raw.raft.randomized_election_timeout() };
        if self.seen == Some(now) {
            return;
        }
        let timeout_ticks = self.rng.random_range(self.ticks_min..self.ticks_max);
        raw.raft.set_randomized_election_timeout(timeout_ticks);
        self.seen = Some(Seen { timeout_ticks, ..now });
    }
}
