//! Raft safety (paper §5.4, Fig. 3), checked continuously from node-state samples and applied entries.
//!
//! The harness calls `observe` after every step of every node, so memory must not grow with the
//! number of observations: we keep each node's latest observation and per-index / per-term maps
//! only, and each observation is compared against the same node's previous one so that only the
//! part of the log that changed is re-checked. All maps are BTreeMaps so results are deterministic.
use crate::check::CheckResult;
use faultline_systems::raft::{AppliedEntry, EntryId, NodeId, Observation, Role};
use faultline_systems::relations::RequestId;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

pub mod leaderships;
pub mod reboots;
pub mod snapshots;
#[cfg(test)]
mod tests;

pub use leaderships::{Leadership, Leaderships};
pub use reboots::{Reboots, DURABILITY};
pub use snapshots::{SnapshotPoints, SNAPSHOT_INSTALL};

/// Check name: at most one leader per term.
pub const ELECTION_SAFETY: &str = "election-safety";
/// Check name: a leader never overwrites or deletes entries in its log within its term.
pub const LEADER_APPEND_ONLY: &str = "leader-append-only";
/// Check name: same index and term means same entry and same preceding log.
pub const LOG_MATCHING: &str = "log-matching";
/// Check name: committed entries are in the log of every leader of a later term.
pub const LEADER_COMPLETENESS: &str = "leader-completeness";
/// Check name: no two different entries are ever applied at the same index.
pub const STATE_MACHINE_SAFETY: &str = "state-machine-safety";

/// A leadership is sampled at most this often, so its samples stay few on long runs while
/// liveness can still ask "was a leader seen after time t" to within this resolution.
const LEADER_SAMPLE_US: u64 = 10_000;
/// Most distinct violations remembered for de-duplication; a broken run repeats the same
/// violation on every step, and beyond this bound a repeat may be counted twice.
const DEDUPE_MAX: usize = 4096;

/// Formats simulated time as "12.345s".
pub(crate) fn fmt_us(us: u64) -> String {
    format!("{}.{:03}s", us / 1_000_000, us % 1_000_000 / 1000)
}

fn fmt_entry(e: &EntryId) -> String {
    format!("{}/t{} (digest {:016x})", e.index, e.term, e.digest)
}

/// Violations of one property: how many distinct ones, and the first, described.
#[derive(Default)]
struct Tally {
    count: u64,
    first: Option<String>,
    seen: BTreeSet<(u64, u64, u64, u64)>,
}

impl Tally {
    /// Counts a violation identified by `key` once; `detail` is built only for the first.
    fn hit(&mut self, key: (u64, u64, u64, u64), detail: impl FnOnce() -> String) {
        if self.seen.contains(&key) {
            return;
        }
        if self.seen.len() < DEDUPE_MAX {
            self.seen.insert(key);
        }
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(detail());
        }
    }

    fn result(&self, name: &str, pass_detail: String) -> CheckResult {
        match &self.first {
            None => CheckResult::pass(name, pass_detail),
            Some(first) => CheckResult::fail(name, format!("{} violation(s); first: {first}", self.count)),
        }
    }
}

/// What we remember about one node.
#[derive(Default)]
struct NodeView {
    /// Latest observation (kept across restarts: its log is still what the node once held).
    last: Option<Observation>,
    /// When `last` was taken, µs.
    last_us: u64,
    /// Set by a restart until the next observation: `last` belongs to a dead incarnation, so it
    /// no longer says the node leads, and leader-append-only must not compare across the gap.
    rebooted: bool,
    /// Highest index applied in the current incarnation.
    last_applied: Option<u64>,
    /// Highest commit index recorded from this node's observations in this incarnation.
    commit_seen: u64,
    /// Entries applied since the last observation; that observation's term bounds their commit term.
    pending_applied: Vec<EntryId>,
}

impl NodeView {
    /// The term this node leads in, per its latest observation of the current incarnation.
    fn leader_term(&self) -> Option<u64> {
        if self.rebooted {
            return None;
        }
        self.last.as_ref().filter(|o| o.role == Role::Leader).map(|o| o.term)
    }
}

/// The first sighting of an entry with a given (index, term).
struct Seen {
    digest: u64,
    node: NodeId,
    at_us: u64,
}

/// A committed entry and who told us first.
struct Committed {
    id: EntryId,
    node: NodeId,
    at_us: u64,
    /// An upper bound on the term it was committed in: the term of a node that held it as
    /// committed. Leaders of later terms must hold it. (Not the entry's own term: Fig. 8 of the
    /// paper has a term-2 entry committed by the term-4 leader, which a term-3 leader lacked.)
    known_term: u64,
}

/// The first application of an index.
struct Applied {
    id: EntryId,
    request: Option<RequestId>,
    node: NodeId,
    first_us: u64,
}

/// One leadership that was the current one (highest term seen so far) while it lasted.
struct LeaderSpan {
    node: NodeId,
    term: u64,
    /// Times it was observed as leader, at least `LEADER_SAMPLE_US` apart; the first is its first sighting.
    samples: Vec<u64>,
}

/// Watches every node's observations and applied entries over a run.
#[derive(Default)]
pub struct RaftObserver {
    nodes: BTreeMap<NodeId, NodeView>,
    /// term -> (first leader seen, when).
    leader_of_term: BTreeMap<u64, (NodeId, u64)>,
    /// (time, node, term) of the first observation of each (term, leader).
    leaders_elected: Vec<(u64, NodeId, u64)>,
    leaders_seen: BTreeSet<(u64, NodeId)>,
    leader_spans: Vec<LeaderSpan>,
    /// (index, term) -> first sighting, for log matching.
    entries: BTreeMap<(u64, u64), Seen>,
    /// index -> committed entry.
    committed: BTreeMap<u64, Committed>,
    /// (leader, term) -> highest committed index already checked against that leader's log, and
    /// whether any committed entry of an earlier term existed to check (a "later leader").
    leader_cursor: BTreeMap<(NodeId, u64), (u64, bool)>,
    /// index -> first application.
    applied: BTreeMap<u64, Applied>,
    /// request -> lowest index it was applied at.
    request_index: BTreeMap<RequestId, u64>,
    observations: u64,
    applies: u64,
    restarts: u64,
    append_only_checks: u64,
    prefix_checks: u64,
    leaderships: Leaderships,
    reboots: Reboots,
    snapshots: SnapshotPoints,
    election: Tally,
    append_only: Tally,
    matching: Tally,
    completeness: Tally,
    sm: Tally,
}

/// The last index an observed node holds: its log's last entry, else its snapshot point.
pub fn last_index(o: &Observation) -> u64 {
    o.log.last().map_or(o.snapshot_index, |e| e.index)
}

/// Position of `index` in `o.log`. Logs are contiguous after the snapshot, so this is a direct
/// lookup; the binary search only guards against a log that is not.
fn pos(o: &Observation, index: u64) -> Option<usize> {
    if index <= o.snapshot_index {
        return None;
    }
    let guess = usize::try_from(index - o.snapshot_index - 1).ok()?;
    match o.log.get(guess) {
        Some(e) if e.index == index => Some(guess),
        _ => o.log.binary_search_by_key(&index, |e| e.index).ok(),
    }
}

fn entry_at(o: &Observation, index: u64) -> Option<&EntryId> {
    pos(o, index).map(|i| &o.log[i])
}

/// The lowest index of `o.log` whose entry the node did not already hold identically in `prev`
/// (`last_index(o) + 1` if none): everything below it was checked when `prev` was observed.
fn first_change(prev: Option<&Observation>, o: &Observation) -> u64 {
    let Some(first) = o.log.first() else { return o.snapshot_index + 1 };
    let Some(p) = prev else { return first.index };
    let Some(at) = pos(p, first.index) else { return first.index };
    let same = o.log.iter().zip(&p.log[at..]).take_while(|(a, b)| a == b).count();
    o.log.get(same).map_or(last_index(o) + 1, |e| e.index)
}

/// Overwrites `dst` with `src`, reusing `dst`'s log allocation (this runs after every step).
fn copy_into(dst: &mut Observation, src: &Observation) {
    let Observation { id, term, role, voted_for, commit_index, last_applied, snapshot_index, snapshot_term, log } = src;
    dst.id = *id;
    dst.term = *term;
    dst.role = *role;
    dst.voted_for = *voted_for;
    dst.commit_index = *commit_index;
    dst.last_applied = *last_applied;
    dst.snapshot_index = *snapshot_index;
    dst.snapshot_term = *snapshot_term;
    dst.log.clear();
    dst.log.extend_from_slice(log);
}

/// Whether leader observation `o` holds committed entry `c` (in its log, or covered by its snapshot).
fn leader_lacks(o: &Observation, c: &EntryId) -> Option<String> {
    if c.index < o.snapshot_index {
        return None;
    }
    if c.index == o.snapshot_index {
        return (o.snapshot_term != c.term)
            .then(|| format!("its snapshot ends at index {} with term {}", o.snapshot_index, o.snapshot_term));
    }
    match entry_at(o, c.index) {
        Some(e) if e == c => None,
        Some(e) => Some(format!("it holds {} there instead", fmt_entry(e))),
        None => Some(format!("its log ends at index {}", last_index(o))),
    }
}

impl RaftObserver {
    /// Takes a node-state sample (called after every step of every node).
    pub fn observe(&mut self, now_us: u64, o: &Observation) {
        self.observations += 1;
        let (prev, fresh, commit_seen, prev_us, applied_upto) = {
            let v = self.nodes.entry(o.id).or_default();
            (v.last.take(), std::mem::take(&mut v.rebooted), v.commit_seen, v.last_us, v.last_applied)
        };
        self.note_claims(now_us, prev.as_ref(), fresh, prev_us, applied_upto, o);
        let change = first_change(prev.as_ref(), o);
        if o.role == Role::Leader {
            self.note_leader(now_us, o);
        }
        if let Some(p) =
            prev.as_ref().filter(|p| !fresh && p.role == Role::Leader && o.role == Role::Leader && p.term == o.term)
        {
            self.check_append_only(now_us, p, o, change);
        }
        // Log matching: entries the node already held identically were checked when first seen.
        let from = pos(o, change).unwrap_or(o.log.len());
        for e in &o.log[from..] {
            self.check_entry(now_us, o.id, e);
        }
        if change <= last_index(o) {
            // New entries can break the prefix half against any other node's latest log.
            for (&other, v) in &self.nodes {
                if let Some(b) = v.last.as_ref().filter(|_| other != o.id) {
                    self.prefix_checks += 1;
                    check_prefix(&mut self.matching, now_us, o, b);
                }
            }
        }
        // Committed entries: newly committed indices, plus any committed index whose entry changed
        // (a correct node never changes one, and that is what we want to catch).
        let upto = o.commit_index.min(last_index(o));
        let from = change.min(commit_seen + 1).max(o.snapshot_index + 1);
        if from <= upto {
            if let (Some(a), Some(b)) = (pos(o, from), pos(o, upto)) {
                for e in &o.log[a..=b] {
                    self.record_committed(now_us, o.id, *e, o.term);
                }
            }
        }
        let pending = std::mem::take(&mut self.nodes.entry(o.id).or_default().pending_applied);
        for id in pending {
            self.record_committed(now_us, o.id, id, o.term);
        }
        if o.role == Role::Leader {
            self.check_completeness(now_us, o);
        }
        let v = self.nodes.entry(o.id).or_default();
        v.commit_seen = v.commit_seen.max(o.commit_index);
        v.last_us = now_us;
        v.last = Some(match prev {
            Some(mut p) => {
                copy_into(&mut p, o);
                p
            }
            None => o.clone(),
        });
    }

    /// Records that `node` applied `entry` to its state machine.
    pub fn applied(&mut self, now_us: u64, node: NodeId, entry: &AppliedEntry) {
        self.applies += 1;
        let id = entry.id;
        let v = self.nodes.entry(node).or_default();
        if let Some(prev) = v.last_applied {
            if id.index <= prev {
                self.sm.hit((node, id.index, prev, 0), || {
                    format!(
                        "n{node} applied index {} after index {prev} without restarting, at {}",
                        id.index,
                        fmt_us(now_us)
                    )
                });
            }
        }
        v.last_applied = Some(v.last_applied.map_or(id.index, |p| p.max(id.index)));
        match self.applied.entry(id.index) {
            Entry::Vacant(slot) => {
                slot.insert(Applied { id, request: entry.request, node, first_us: now_us });
                if let Some(r) = entry.request {
                    self.request_index.entry(r).or_insert(id.index);
                }
            }
            Entry::Occupied(first) => {
                let a = first.get();
                if a.id != id {
                    let again =
                        if a.node == node { " (the same node, in an earlier incarnation or before)" } else { "" };
                    self.sm.hit((id.index, id.term, id.digest, 1), || {
                        format!(
                            "index {}: n{node} applied {} at {}, but n{} applied {} at {}{again}",
                            id.index,
                            fmt_entry(&id),
                            fmt_us(now_us),
                            a.node,
                            fmt_entry(&a.id),
                            fmt_us(a.first_us)
                        )
                    });
                }
            }
        }
        // Only committed entries are applied, so this is a commit we may not have observed. Its
        // identity is checked now; the term it was committed in is bounded by the node's term,
        // which the observation that follows every step reports (the apply happened in that step).
        self.record_committed(now_us, node, id, u64::MAX);
        self.nodes.entry(node).or_default().pending_applied.push(id);
    }

    /// Records that `node` (re)booted from its disk at `now_us`; its volatile state is gone.
    pub fn restarted(&mut self, node: NodeId, _now_us: u64) {
        self.restarts += 1;
        self.leaderships.restarted(node);
        let v = self.nodes.entry(node).or_default();
        v.rebooted = true;
        v.last_applied = None;
        // Its log came back from disk (perhaps not as it was), so re-record its committed prefix
        // as its commit index climbs again: once per boot, bounded by the log's length.
        v.commit_seen = 0;
    }

    /// The current leader as last observed: among nodes whose latest observation says Leader,
    /// the one with the highest term (a crashed leader counts until it reboots or is superseded).
    pub fn leader(&self) -> Option<NodeId> {
        self.nodes.iter().filter_map(|(&id, v)| v.leader_term().map(|t| (t, id))).max().map(|(_, id)| id)
    }

    /// The lowest log index at which request `r` was applied by any node (None: never applied).
    pub fn applied_request_index(&self, r: &RequestId) -> Option<u64> {
        self.request_index.get(r).copied()
    }

    /// (time µs, node, term) of the first observation of each (term, leader), in time order.
    pub fn leaders_elected(&self) -> &[(u64, NodeId, u64)] {
        &self.leaders_elected
    }

    /// The first observation at or after `t_us` of the then-current leader (highest term seen so
    /// far) as (time µs, node, term); resolution `LEADER_SAMPLE_US` within one leadership.
    pub fn first_leader_at_or_after(&self, t_us: u64) -> Option<(u64, NodeId, u64)> {
        self.leader_spans.iter().find_map(|s| {
            let i = s.samples.partition_point(|&x| x < t_us);
            s.samples.get(i).map(|&x| (x, s.node, s.term))
        })
    }

    /// The entry first applied (by any node) earliest at or after `t_us`, with that time.
    pub fn first_applied_at_or_after(&self, t_us: u64) -> Option<(u64, EntryId, Option<RequestId>)> {
        self.applied
            .values()
            .filter(|a| a.first_us >= t_us)
            .min_by_key(|a| (a.first_us, a.id.index))
            .map(|a| (a.first_us, a.id, a.request))
    }

    /// Every index applied so far: (entry, time it was first applied, request it carries).
    pub fn commits(&self) -> impl Iterator<Item = (EntryId, u64, Option<RequestId>)> + '_ {
        self.applied.values().map(|a| (a.id, a.first_us, a.request))
    }

    /// One result per Raft safety property, in a fixed order.
    pub fn result(&self) -> Vec<CheckResult> {
        let terms = self.leader_of_term.len();
        let nodes_applying = self.nodes.values().filter(|v| v.last_applied.is_some()).count();
        vec![
            self.election.result(ELECTION_SAFETY, format!("1 leader per term over {terms} terms ({} observations)", self.observations)),
            self.append_only.result(
                LEADER_APPEND_ONLY,
                format!("{} consecutive same-term leader observations compared; no entry overwritten or removed", self.append_only_checks),
            ),
            self.matching.result(
                LOG_MATCHING,
                format!(
                    "{} distinct (index, term) entries each had one digest; {} log pairs compared for identical prefixes",
                    self.entries.len(),
                    self.prefix_checks
                ),
            ),
            self.completeness.result(
                LEADER_COMPLETENESS,
                format!(
                    "{} committed entries checked against {} later leaders",
                    self.committed.len(),
                    self.leader_cursor.values().filter(|(_, later)| *later).count()
                ),
            ),
            self.sm.result(
                STATE_MACHINE_SAFETY,
                format!(
                    "{} indices applied, one entry each ({} applies, {} nodes applying at the end, {} restarts)",
                    self.applied.len(),
                    self.applies,
                    nodes_applying,
                    self.restarts
                ),
            ),
        ]
    }

    /// Every leadership of the run, in order of first sighting.
    pub fn leaderships(&self) -> &[Leadership] {
        self.leaderships.all()
    }

    /// Each node's latest observation with its time (a crashed node's is its last one alive).
    pub fn latest(&self) -> impl Iterator<Item = (u64, &Observation)> + '_ {
        self.nodes.values().filter_map(|v| v.last.as_ref().map(|o| (v.last_us, o)))
    }

    /// The highest index some node held as committed at or before `t_us` (0: none).
    pub fn committed_as_of(&self, t_us: u64) -> u64 {
        self.committed.values().filter(|c| c.at_us <= t_us).map(|c| c.id.index).max().unwrap_or(0)
    }

    /// Durability across reboots, judged against the run's faults.
    pub fn durability_result(&self, faults: &[crate::history::FaultWindow]) -> CheckResult {
        self.reboots.result(faults)
    }

    /// Installed snapshots, each at a point some node took.
    pub fn snapshot_result(&self) -> CheckResult {
        self.snapshots.result()
    }

    /// Folds what an observation says beyond the five properties: leaderships, durability
    /// claims across a reboot, snapshot points.
    fn note_claims(
        &mut self,
        now_us: u64,
        prev: Option<&Observation>,
        fresh: bool,
        prev_us: u64,
        applied_upto: Option<u64>,
        o: &Observation,
    ) {
        self.leaderships.observe(now_us, o.id, o.role, o.term);
        if let Some(p) = prev.filter(|_| fresh) {
            self.reboots.compare(o.id, prev_us, p, now_us, o);
        }
        self.snapshots.observe(now_us, prev.filter(|_| !fresh), o, applied_upto);
    }

    fn note_leader(&mut self, now_us: u64, o: &Observation) {
        match self.leader_of_term.entry(o.term) {
            Entry::Vacant(slot) => {
                slot.insert((o.id, now_us));
            }
            Entry::Occupied(first) => {
                let (other, at) = *first.get();
                if other != o.id {
                    self.election.hit((o.term, other.min(o.id), other.max(o.id), 0), || {
                        format!(
                            "term {}: n{other} observed as leader at {} and n{} at {}",
                            o.term,
                            fmt_us(at),
                            o.id,
                            fmt_us(now_us)
                        )
                    });
                }
            }
        }
        if self.leaders_seen.insert((o.term, o.id)) {
            self.leaders_elected.push((now_us, o.id, o.term));
        }
        match self.leader_spans.last_mut() {
            Some(s) if s.term == o.term && s.node == o.id => {
                if s.samples.last().is_none_or(|&t| now_us >= t + LEADER_SAMPLE_US) {
                    s.samples.push(now_us);
                }
            }
            // A stale leader of an older term, or a rival in the same term: not the current one.
            Some(s) if s.term >= o.term => {}
            _ => self.leader_spans.push(LeaderSpan { node: o.id, term: o.term, samples: vec![now_us] }),
        }
    }

    /// `p` and `o` are consecutive observations of one leader in one term: every entry `p` held
    /// after `o`'s snapshot must still be in `o`, unchanged. Entries below `change` are
    /// identical in both by construction, so only the tail is compared.
    fn check_append_only(&mut self, now_us: u64, p: &Observation, o: &Observation, change: u64) {
        self.append_only_checks += 1;
        let from = change.max(o.snapshot_index + 1);
        let start = p.log.partition_point(|e| e.index < from);
        for e in &p.log[start..] {
            let now = entry_at(o, e.index);
            if now != Some(e) {
                let what = match now {
                    Some(x) => format!("overwrote {} with {}", fmt_entry(e), fmt_entry(x)),
                    None => format!(
                        "removed {} (log now ends at index {}, snapshot at {})",
                        fmt_entry(e),
                        last_index(o),
                        o.snapshot_index
                    ),
                };
                self.append_only.hit((o.id, o.term, e.index, 0), || {
                    format!("n{}, leader of term {}, {what} at {}", o.id, o.term, fmt_us(now_us))
                });
                // One report per step is enough: the rest of the tail is usually the same event.
                break;
            }
        }
    }

    /// Log matching, first half: one digest per (index, term), over all logs and all time.
    fn check_entry(&mut self, now_us: u64, node: NodeId, e: &EntryId) {
        match self.entries.entry((e.index, e.term)) {
            Entry::Vacant(slot) => {
                slot.insert(Seen { digest: e.digest, node, at_us: now_us });
            }
            Entry::Occupied(first) => {
                let s = first.get();
                if s.digest != e.digest {
                    self.matching.hit((e.index, e.term, e.digest, 0), || {
                        format!(
                            "index {} term {}: n{node} holds digest {:016x} at {}, but n{} held digest {:016x} at {}",
                            e.index,
                            e.term,
                            e.digest,
                            fmt_us(now_us),
                            s.node,
                            s.digest,
                            fmt_us(s.at_us)
                        )
                    });
                }
            }
        }
    }

    /// Records that `node`, in term `known_term` (or later), held `id` as committed. A new entry,
    /// or a tighter term bound, is checked at once against every node currently leading a later
    /// term (leaders seen later are checked in `check_completeness`).
    fn record_committed(&mut self, now_us: u64, node: NodeId, id: EntryId, known_term: u64) {
        match self.committed.entry(id.index) {
            Entry::Occupied(mut first) => {
                let c = first.get_mut();
                if c.id == id {
                    if known_term < c.known_term {
                        c.known_term = known_term;
                        check_current_leaders(&mut self.completeness, &self.nodes, now_us, node, id, known_term);
                    }
                } else {
                    self.completeness.hit((id.index, id.term, id.digest, 1), || {
                        format!(
                            "index {}: n{} had {} committed at {}, but n{node} has {} committed at {}",
                            id.index,
                            c.node,
                            fmt_entry(&c.id),
                            fmt_us(c.at_us),
                            fmt_entry(&id),
                            fmt_us(now_us)
                        )
                    });
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(Committed { id, node, at_us: now_us, known_term });
                check_current_leaders(&mut self.completeness, &self.nodes, now_us, node, id, known_term);
            }
        }
    }

    /// Checks leader observation `o` against committed entries of earlier terms it was not yet
    /// checked against (a cursor per leadership keeps this to the new ones).
    fn check_completeness(&mut self, now_us: u64, o: &Observation) {
        let (cursor, later) = self.leader_cursor.entry((o.id, o.term)).or_insert((0, false));
        // For the pass detail only: the lowest index was committed earliest, so in the lowest term.
        *later |= self.committed.first_key_value().is_some_and(|(_, c)| c.known_term < o.term);
        // The snapshot's own index is checked by term; entries below it are covered.
        let start = (*cursor + 1).max(o.snapshot_index);
        for (_, c) in self.committed.range(start..) {
            if c.known_term >= o.term {
                continue;
            }
            if let Some(why) = leader_lacks(o, &c.id) {
                self.completeness.hit((o.id, o.term, c.id.index, 0), || {
                    format!(
                        "n{}, leader of term {} at {}, lacks {} that n{} reported committed at {}: {why}",
                        o.id,
                        o.term,
                        fmt_us(now_us),
                        fmt_entry(&c.id),
                        c.node,
                        fmt_us(c.at_us)
                    )
                });
            }
        }
        if let Some((&top, _)) = self.committed.last_key_value() {
            *cursor = (*cursor).max(top);
        }
    }
}

/// Checks committed entry `id`, committed in term `known_term` or earlier, against every node
/// whose latest observation says it leads a later term.
fn check_current_leaders(
    tally: &mut Tally,
    nodes: &BTreeMap<NodeId, NodeView>,
    now_us: u64,
    node: NodeId,
    id: EntryId,
    known_term: u64,
) {
    for (&leader, v) in nodes {
        let Some(term) = v.leader_term().filter(|&t| t > known_term && leader != node) else { continue };
        let Some(o) = v.last.as_ref() else { continue };
        if let Some(why) = leader_lacks(o, &id) {
            tally.hit((leader, term, id.index, 0), || {
                format!(
                    "n{leader}, leader of term {term}, lacks {} that n{node} reported committed at {}: {why}",
                    fmt_entry(&id),
                    fmt_us(now_us)
                )
            });
        }
    }
}

/// Log matching, second half: if `a` and `b` hold an entry with the same index and term, their
/// logs are identical up to it. Compares the overlap of the two logs (beyond both snapshots).
fn check_prefix(tally: &mut Tally, now_us: u64, a: &Observation, b: &Observation) {
    let lo = a.snapshot_index.max(b.snapshot_index) + 1;
    let hi = last_index(a).min(last_index(b));
    if lo > hi {
        return;
    }
    let (Some(ia), Some(ib)) = (pos(a, lo), pos(b, lo)) else { return };
    let Ok(n) = usize::try_from(hi - lo + 1) else { return };
    let (Some(sa), Some(sb)) = (a.log.get(ia..ia + n), b.log.get(ib..ib + n)) else { return };
    let Some(k) = (0..n).rev().find(|&k| sa[k].term == sb[k].term) else { return };
    if let Some(j) = (0..k).find(|&j| sa[j] != sb[j]) {
        let (x, y) = (a.id.min(b.id), a.id.max(b.id));
        tally.hit((x, y, sa[j].index, 1), || {
            format!(
                "n{} and n{} both hold index {} term {}, but differ earlier at index {}: {} vs {} (at {})",
                a.id,
                b.id,
                sa[k].index,
                sa[k].term,
                sa[j].index,
                fmt_entry(&sa[j]),
                fmt_entry(&sb[j]),
                fmt_us(now_us)
            )
        });
    }
}

#[cfg(test)]
mod claims_tests;
