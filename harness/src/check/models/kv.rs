//! The kv model's state: a key's value, with strings that `append` grows kept as a chain of
//! appended pieces instead of one string rebuilt on every step.
//!
//! Jepsen's and Porcupine's kv histories append a few bytes per op to strings that reach a
//! kilobyte or more, and the search makes a new state on nearly every step it takes; copying
//! and hashing whole strings there was most of the check's time (and most of its memory).
//! A chain node holds the length and a polynomial hash of the whole string, updated from the
//! previous node's in O(piece), so hashing is O(1); equality stays exact (length and hash
//! first, then the bytes), so verdicts are those of plain strings.
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::Val;

/// Base of the polynomial string hash (odd, so powers never vanish mod 2^64).
const BASE: u64 = 0x100_0000_01b3;
/// Chains are flattened into one piece at this depth, so dropping one never recurses deeply
/// and comparing one walks few pieces (an append then costs O(len) once per this many).
const DEPTH_MAX: u32 = 32;

/// The value of one kv key: a string (as appended pieces) or any other value.
#[derive(Clone)]
pub enum KvState {
    /// A non-empty string.
    Str(Text),
    /// Any other value; never `Val::Str` (strings are `Str`), `Val::Null` for absent or "".
    Other(Val),
}

/// A non-empty string as a chain of pieces, the last appended first.
#[derive(Clone)]
pub struct Text(Arc<Node>);

struct Node {
    /// Length in bytes of the whole string up to and including `piece`.
    len: usize,
    /// Polynomial hash of the whole string.
    hash: u64,
    /// Pieces in the chain, this one included.
    depth: u32,
    piece: Arc<str>,
    prev: Option<Text>,
}

/// Polynomial hash of `s` continued from `h`: the hash of a string `t` followed by `s`, given
/// `h` the hash of `t`.
fn hash_on(h: u64, s: &str) -> u64 {
    s.bytes().fold(h, |h, b| h.wrapping_mul(BASE).wrapping_add(u64::from(b) + 1))
}

impl Text {
    /// The one-piece string `s` (non-empty).
    fn leaf(s: Arc<str>) -> Text {
        Text(Arc::new(Node { len: s.len(), hash: hash_on(0, &s), depth: 1, piece: s, prev: None }))
    }

    /// This string with `s` (non-empty) appended.
    fn append(&self, s: &Arc<str>) -> Text {
        if self.0.depth >= DEPTH_MAX {
            let mut whole = self.to_string();
            whole.push_str(s);
            return Text::leaf(Arc::from(whole));
        }
        let node = Node {
            len: self.0.len + s.len(),
            hash: hash_on(self.0.hash, s),
            depth: self.0.depth + 1,
            piece: s.clone(),
            prev: Some(self.clone()),
        };
        Text(Arc::new(node))
    }

    /// The string's bytes from the last to the first: the chain's own order, so walking it
    /// needs no allocation.
    fn bytes_rev(&self) -> impl Iterator<Item = u8> + '_ {
        let nodes = std::iter::successors(Some(self), |t| t.0.prev.as_ref());
        nodes.flat_map(|t| t.0.piece.bytes().rev())
    }

    /// Is this string exactly `s`? Compared from the end, where states that differ usually
    /// differ (in the last op appended), so a mismatch costs a piece or two.
    fn eq_str(&self, s: &str) -> bool {
        self.0.len == s.len() && self.bytes_rev().eq(s.bytes().rev())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pieces = Vec::with_capacity(self.0.depth as usize);
        let mut at = Some(self);
        while let Some(Text(n)) = at {
            pieces.push(&n.piece);
            at = n.prev.as_ref();
        }
        pieces.iter().rev().try_for_each(|p| f.write_str(p))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.len == other.0.len && self.0.hash == other.0.hash && self.bytes_rev().eq(other.bytes_rev()))
    }
}

impl Eq for Text {}

impl KvState {
    /// The state holding `v` (kv's "" is already `Val::Null` here).
    pub(crate) fn from_val(v: &Val) -> KvState {
        match v {
            Val::Str(s) if s.is_empty() => KvState::Other(Val::Null),
            Val::Str(s) => KvState::Str(Text::leaf(s.clone())),
            other => KvState::Other(other.clone()),
        }
    }

    /// Does this state hold exactly `v`?
    pub(crate) fn is(&self, v: &Val) -> bool {
        match (self, v) {
            (KvState::Str(t), Val::Str(s)) => t.eq_str(s),
            (KvState::Other(x), v) => x == v,
            (KvState::Str(_), _) => false,
        }
    }

    /// The state after appending `s`; `None` if it holds a value that is not a string.
    pub(crate) fn append(&self, s: &Arc<str>) -> Option<KvState> {
        match self {
            _ if s.is_empty() => matches!(self, KvState::Str(_) | KvState::Other(Val::Null)).then(|| self.clone()),
            KvState::Other(Val::Null) => Some(KvState::Str(Text::leaf(s.clone()))),
            KvState::Str(t) => Some(KvState::Str(t.append(s))),
            KvState::Other(_) => None,
        }
    }

    /// As a plain value (for reports).
    pub fn to_val(&self) -> Val {
        match self {
            KvState::Str(t) => Val::Str(Arc::from(t.to_string())),
            KvState::Other(v) => v.clone(),
        }
    }
}

impl PartialEq for KvState {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (KvState::Str(a), KvState::Str(b)) => a == b,
            (KvState::Other(a), KvState::Other(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for KvState {}

impl Hash for KvState {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            KvState::Str(t) => {
                state.write_u8(0);
                state.write_u64(t.0.hash);
                state.write_usize(t.0.len);
            }
            KvState::Other(v) => {
                state.write_u8(1);
                v.hash(state);
            }
        }
    }
}

impl fmt::Debug for KvState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_val().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(pieces: &[&str]) -> KvState {
        pieces.iter().fold(KvState::Other(Val::Null), |s, p| s.append(&Arc::from(*p)).unwrap_or(s))
    }

    #[test]
    fn chains_equal_plain_strings() {
        let abc = text(&["ab", "c"]);
        assert_eq!(abc, text(&["a", "bc"]));
        assert_eq!(abc, KvState::from_val(&Val::Str(Arc::from("abc"))));
        assert!(abc.is(&Val::Str(Arc::from("abc"))));
        assert!(!abc.is(&Val::Str(Arc::from("abd"))) && !abc.is(&Val::Str(Arc::from("ab"))));
        assert_ne!(abc, text(&["ab", "d"]));
        assert_eq!(text(&[""]), KvState::Other(Val::Null));
        let long: Vec<String> = (0..100).map(|i| format!("x {i} y")).collect();
        let refs: Vec<&str> = long.iter().map(String::as_str).collect();
        let chained = text(&refs);
        assert_eq!(chained.to_val(), Val::Str(Arc::from(long.concat())));
        assert_eq!(chained, KvState::from_val(&Val::Str(Arc::from(long.concat()))));
        let h = |s: &KvState| std::hash::BuildHasher::hash_one(&rustc_hash::FxBuildHasher, s);
        assert_eq!(h(&abc), h(&text(&["a", "b", "c"])));
        assert_eq!(KvState::Other(Val::Int(1)).append(&Arc::from("x")), None);
    }
}
