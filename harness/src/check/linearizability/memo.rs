//! The search's memo of explored configurations: (set of linearized ops, model state).
//!
//! The linearized set is a bitset whose hash is kept incrementally (Zobrist: the XOR of a fixed
//! pseudo-random word per op), so probing costs one state hash and no allocation; entries live
//! in flat arenas (bitset words in one `Vec<u64>`), chained by hash. The memo is only probed,
//! never iterated, so FxHash cannot leak an order into results.
use rustc_hash::FxHashMap;

/// A set of op indices with an incrementally maintained hash.
#[derive(Clone, Debug, Default)]
pub(crate) struct OpSet {
    words: Vec<u64>,
    hash: u64,
}

impl OpSet {
    /// The empty set over `n` ops.
    pub(crate) fn new(n: usize) -> Self {
        Self { words: vec![0; n.div_ceil(64)], hash: 0 }
    }

    /// Add op `i` (not already in).
    pub(crate) fn insert(&mut self, i: usize) {
        debug_assert!(!self.contains(i));
        self.words[i / 64] |= 1 << (i % 64);
        self.hash ^= zobrist(i);
    }

    /// Remove op `i` (currently in).
    pub(crate) fn remove(&mut self, i: usize) {
        debug_assert!(self.contains(i));
        self.words[i / 64] &= !(1 << (i % 64));
        self.hash ^= zobrist(i);
    }

    fn contains(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }
}

/// A fixed pseudo-random word per op (splitmix64), the same on every run and machine.
fn zobrist(i: usize) -> u64 {
    let mut z = (i as u64).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of a state (the search hashes interned state ids its own way; tests use this).
#[cfg(test)]
pub(crate) fn state_hash<S: std::hash::Hash>(state: &S) -> u64 {
    std::hash::BuildHasher::hash_one(&rustc_hash::FxBuildHasher, state)
}

const NONE: u32 = u32::MAX;

struct Entry<S> {
    hash: u64,
    /// Previous entry with the same hash.
    next: u32,
    state: S,
}

/// Explored (mandatory set, state) pairs, each with the optional sets it was explored with.
///
/// Subsumption: a configuration whose optional set is a superset of an explored one with the
/// same mandatory set and state is redundant, since having used *fewer* optional ops leaves
/// strictly more freedom (they may still happen later, or never).
pub(crate) struct Memo<S> {
    heads: FxHashMap<u64, u32>,
    entries: Vec<Entry<S>>,
    /// Per entry: the mandatory set's words, then the optional set's.
    words: Vec<u64>,
    mwords: usize,
    owords: usize,
}

impl<S: Clone + Eq> Memo<S> {
    /// A memo for sets of `mwords` + `owords` words.
    pub(crate) fn new(mandatory: &OpSet, optional: &OpSet) -> Self {
        let (mwords, owords) = (mandatory.words.len(), optional.words.len());
        Self { heads: FxHashMap::default(), entries: Vec::new(), words: Vec::new(), mwords, owords }
    }

    /// Record a configuration (`shash`: the state's hash); false if one explored already
    /// subsumes it.
    pub(crate) fn insert(&mut self, mandatory: &OpSet, optional: &OpSet, state: &S, shash: u64) -> bool {
        let hash = (shash ^ mandatory.hash).wrapping_mul(0x2545_f491_4f6c_dd1d);
        let mut head = self.heads.get(&hash).copied().unwrap_or(NONE);
        let width = self.mwords + self.owords;
        // Walk the chain; explored supersets of `optional` are unlinked, since the new, smaller
        // set subsumes them from now on (and would otherwise lengthen every later probe).
        let (mut before, mut at) = (NONE, head);
        while at != NONE {
            let e = &self.entries[at as usize];
            let next = e.next;
            let base = at as usize * width;
            let (m, o) = self.words[base..base + width].split_at(self.mwords);
            if e.hash == hash && m == mandatory.words.as_slice() && e.state == *state {
                if subset(o, &optional.words) {
                    return false;
                }
                if subset(&optional.words, o) {
                    match before {
                        NONE => head = next,
                        b => self.entries[b as usize].next = next,
                    }
                    at = next;
                    continue;
                }
            }
            (before, at) = (at, next);
        }
        let id = u32::try_from(self.entries.len()).expect("memo bounded by the step budget, below u32::MAX");
        self.entries.push(Entry { hash, next: head, state: state.clone() });
        self.words.extend_from_slice(&mandatory.words);
        self.words.extend_from_slice(&optional.words);
        self.heads.insert(hash, id);
        true
    }
}

/// Is `a` a subset of `b` (same length)?
fn subset(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_and_subsumes() {
        let (mut m, mut o) = (OpSet::new(70), OpSet::new(70));
        let mut memo: Memo<u8> = Memo::new(&m, &o);
        m.insert(65);
        assert!(memo.insert(&m, &o, &1, state_hash(&1u8)));
        assert!(!memo.insert(&m, &o, &1, state_hash(&1u8)), "same configuration twice");
        assert!(memo.insert(&m, &o, &2, state_hash(&2u8)), "other state");
        o.insert(3);
        assert!(!memo.insert(&m, &o, &1, state_hash(&1u8)), "more optional ops used: subsumed");
        m.remove(65);
        m.insert(64);
        assert!(memo.insert(&m, &o, &1, state_hash(&1u8)), "other mandatory set");
        o.remove(3);
        assert!(memo.insert(&m, &o, &1, state_hash(&1u8)), "fewer optional ops: new, subsumes the old");
        o.insert(3);
        assert!(!memo.insert(&m, &o, &1, state_hash(&1u8)));
        assert_eq!(m.hash, zobrist(64));
    }
}
