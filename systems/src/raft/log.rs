//! The in-memory Raft log: a snapshot point followed by entries.
use super::message::Entry;
use super::observation::EntryId;

/// An entry with its digest computed once.
#[derive(Clone, Debug)]
pub(crate) struct LogEntry {
    pub entry: Entry,
    pub digest: u64,
}

/// Entries after `snapshot_index`; index `snapshot_index + 1 + i` is `entries[i]`.
#[derive(Clone, Debug, Default)]
pub(crate) struct RaftLog {
    pub snapshot_index: u64,
    pub snapshot_term: u64,
    entries: Vec<LogEntry>,
}

impl RaftLog {
    pub fn last_index(&self) -> u64 {
        self.snapshot_index + self.entries.len() as u64
    }

    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.snapshot_term, |e| e.entry.term)
    }

    /// Term at `index`; None if compacted away or beyond the end.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snapshot_index {
            return Some(self.snapshot_term);
        }
        self.get(index).map(|e| e.entry.term)
    }

    pub fn get(&self, index: u64) -> Option<&LogEntry> {
        if index <= self.snapshot_index {
            return None;
        }
        let offset = usize::try_from(index - self.snapshot_index - 1).ok()?;
        self.entries.get(offset)
    }

    /// Up to `max` entries starting at `from` (which must be after the snapshot).
    pub fn slice(&self, from: u64, max: usize) -> Vec<Entry> {
        debug_assert!(from > self.snapshot_index);
        let start = usize::try_from(from.saturating_sub(self.snapshot_index + 1)).unwrap_or(usize::MAX);
        self.entries.iter().skip(start).take(max).map(|e| e.entry.clone()).collect()
    }

    pub fn push(&mut self, entry: Entry) {
        assert!(entry.term >= self.last_term(), "log terms must not decrease");
        let digest = entry.digest();
        self.entries.push(LogEntry { entry, digest });
    }

    /// Drops `index` and everything after it.
    pub fn truncate_from(&mut self, index: u64) {
        assert!(index > self.snapshot_index, "cannot truncate into the snapshot");
        let keep = usize::try_from(index - self.snapshot_index - 1).unwrap_or(usize::MAX);
        self.entries.truncate(keep);
    }

    /// Forgets entries up to `index`, which becomes the snapshot point.
    pub fn compact_to(&mut self, index: u64, term: u64) {
        assert!(index >= self.snapshot_index && index <= self.last_index());
        debug_assert_eq!(self.term_at(index), Some(term));
        let drop = usize::try_from(index - self.snapshot_index).unwrap_or(usize::MAX);
        self.entries.drain(..drop);
        self.snapshot_index = index;
        self.snapshot_term = term;
    }

    /// Replaces everything by an empty log starting after a snapshot.
    pub fn reset_to_snapshot(&mut self, index: u64, term: u64) {
        self.entries.clear();
        self.snapshot_index = index;
        self.snapshot_term = term;
    }

    /// Largest index <= `index` whose term is <= `term` (or the snapshot point): the fast
    /// backtracking step of etcd raft, skipping a whole conflicting term per round trip.
    pub fn find_conflict_by_term(&self, index: u64, term: u64) -> u64 {
        let mut j = index.min(self.last_index());
        while j > self.snapshot_index {
            match self.term_at(j) {
                Some(t) if t > term => j -= 1,
                _ => break,
            }
        }
        j
    }

    /// Whether a candidate with this last entry is at least as up to date as us (§5.4.1).
    pub fn is_up_to_date(&self, last_index: u64, last_term: u64) -> bool {
        last_term > self.last_term() || (last_term == self.last_term() && last_index >= self.last_index())
    }

    pub fn ids(&self) -> Vec<EntryId> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| EntryId { index: self.snapshot_index + 1 + i as u64, term: e.entry.term, digest: e.digest })
            .collect()
    }

    pub fn entries_after_snapshot(&self) -> impl Iterator<Item = (u64, &Entry)> {
        let base = self.snapshot_index;
        self.entries.iter().enumerate().map(move |(i, e)| (base + 1 + i as u64, &e.entry))
    }
}
