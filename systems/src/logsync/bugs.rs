//! Planted bugs in LogSync: off by default, inert when off.

/// Which planted bugs are switched on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogSyncBugs {
    /// `logsync-uncommitted-tail`: the leader ships its whole log, committed or not, and the
    /// replica applies whatever it is sent, so it can serve an entry that is later overwritten.
    pub apply_uncommitted_tail: bool,
    /// `logsync-ignore-session-token`: a replica serves a read even when it has not caught
    /// up to the client's token, so a client that fails over to a lagging replica reads back
    /// in time.
    pub ignore_session_token: bool,
    /// `logsync-forget-applied`: a restarted replica restores its state but not how far it had
    /// applied, so it claims an older position than its state and re-applies entries on top.
    pub forget_applied_position: bool,
    /// `logsync-skip-wal-replay`: a restarted replica restores its last snapshot but does not
    /// replay the synced WAL entries after it, so it comes back behind what it had claimed.
    pub skip_wal_replay: bool,
    /// `logsync-ignore-staleness-bound`: a replica answers a read that asked for at most N ms
    /// of staleness without checking when it last heard from the leader, so a replica cut off
    /// from the leader serves arbitrarily old state to a reader who asked for fresh state.
    pub ignore_staleness_bound: bool,
}
