//! Linearizable reads without the log: ReadIndex (a heartbeat round confirms leadership) and
//! opt-in lease reads.
//!
//! Lease argument: a follower that acked round r received it after r started (leader time
//! `start`) and then refuses (pre)votes for `election_timeout_min` of *its* clock. If clock
//! rates differ by at most ρ, that span lasts at least min·(1−ρ)/(1+ρ) ≥ min·(1−2ρ) of the
//! leader's clock. A quorum acked r and any new leader needs one of them, so no other leader
//! exists before `start + min·(1−2ρ)`. Backward clock jumps void the lease (see `begin`).
use super::node::{Event, Raft, StateMachine, PENDING_READS_MAX};
use super::observation::Role;
use super::replication::Refused;
use crate::storage::{Storage, StorageError};
use crate::time::Time;

/// A read waiting for leadership confirmation and for the state machine to catch up.
#[derive(Clone, Debug)]
pub(crate) struct PendingRead {
    ctx: u64,
    /// Heartbeat round that must be confirmed first (0: served under the lease).
    need_round: u64,
    /// Commit index at registration; None until this term has committed an entry.
    read_index: Option<u64>,
}

impl<S: Storage, M: StateMachine> Raft<S, M> {
    /// Registers a read under `ctx`; `Event::ReadReady { ctx }` follows once it may be served.
    pub fn handle_read(&mut self, now: Time, ctx: u64) -> Result<Result<(), Refused>, StorageError> {
        self.begin(now);
        let result = self.read_index(ctx);
        self.finish()?;
        Ok(result)
    }

    fn read_index(&mut self, ctx: u64) -> Result<(), Refused> {
        if self.role != Role::Leader {
            return Err(Refused::NotLeader { leader_hint: self.leader });
        }
        if self.reads.len() >= PENDING_READS_MAX {
            return Err(Refused::Busy);
        }
        // Until this term commits an entry, our commit index may lag what an earlier leader
        // committed, so it is no read index yet (unless the planted bug says otherwise).
        let committed_in_term = self.committed_in_current_term() || self.cfg.bugs.read_index_before_own_term_commit;
        let read_index = committed_in_term.then_some(self.commit);
        // Without CheckQuorum followers grant votes during the lease, so it proves nothing.
        let lease_checked = self.cfg.check_quorum || self.cfg.bugs.lease_without_check_quorum;
        let lease_valid = self.cfg.lease_reads && lease_checked && self.mono < self.lease_until;
        if lease_valid && committed_in_term {
            self.reads.push(PendingRead { ctx, need_round: 0, read_index });
        } else {
            self.reads.push(PendingRead { ctx, need_round: self.round + 1, read_index });
            self.want_round = true;
        }
        Ok(())
    }

    fn lease_duration_micros(&self) -> u64 {
        let min = u64::try_from(self.cfg.election_timeout_min.as_micros()).unwrap_or(u64::MAX);
        if self.cfg.bugs.lease_read_without_drift_margin {
            return min;
        }
        let margin_ppm = self.cfg.clock_drift_ppm_max.saturating_mul(2).min(1_000_000);
        let scaled = u128::from(min) * u128::from(1_000_000 - margin_ppm) / 1_000_000;
        u64::try_from(scaled).unwrap_or(0)
    }

    /// Leader: marks the highest heartbeat round a quorum acked, extending the lease.
    pub(crate) fn check_rounds(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        let mut acked: Vec<u64> = self.progress.values().map(|p| p.acked_round).collect();
        acked.push(self.round);
        acked.sort_unstable_by(|a, b| b.cmp(a));
        let r = acked[self.cfg.quorum() - 1];
        if r <= self.confirmed_round {
            return;
        }
        self.confirmed_round = r;
        let mut start = None;
        while let Some(&(round, at)) = self.round_starts.front() {
            if round > r {
                break;
            }
            if round == r {
                start = Some(at);
            }
            self.round_starts.pop_front();
        }
        if let Some(at) = start {
            self.lease_until = self.lease_until.max(at.saturating_add(self.lease_duration_micros()));
        }
    }

    /// Releases reads whose round is confirmed and whose index has been applied.
    pub(crate) fn advance_reads(&mut self) {
        if self.role != Role::Leader {
            self.reads.clear();
            return;
        }
        let committed_in_term = self.committed_in_current_term();
        let (commit, applied, confirmed) = (self.commit, self.applied, self.confirmed_round);
        let mut ready = Vec::new();
        self.reads.retain_mut(|read| {
            if read.read_index.is_none() && committed_in_term {
                read.read_index = Some(commit);
            }
            let done = read.read_index.is_some_and(|i| i <= applied) && confirmed >= read.need_round;
            if done {
                ready.push(read.ctx);
            }
            !done
        });
        for ctx in ready {
            self.staged.push(Event::ReadReady { ctx });
        }
    }
}
