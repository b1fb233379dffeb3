//! Queue elements, keys and values as ordered atoms, so multisets and logs never depend on
//! hash order and integers sort as numbers.
use std::fmt;

use serde_json::Value;

/// A history value reduced to something totally ordered: integers first, then strings, then
/// any other JSON (by its text). `1` and `"1"` stay distinct, as they are in Jepsen.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Atom {
    /// An integer that fits in i64.
    Int(i64),
    /// A string, keyword or symbol.
    Text(String),
    /// Anything else (floats, big integers, nil, collections), as its JSON text.
    Other(String),
}

impl Atom {
    /// The atom for a value read from a history.
    pub fn from_json(v: &Value) -> Self {
        match v {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Atom::Int(i),
                None => Atom::Other(n.to_string()),
            },
            Value::String(s) => Atom::Text(s.clone()),
            other => Atom::Other(other.to_string()),
        }
    }

    /// The atom for a key that may have been a JSON object key (always a string there), so
    /// `{0 [...]}` in a poll names the same key as `[:send 0 ...]`.
    pub fn key_from_str(s: &str) -> Self {
        match s.parse::<i64>() {
            Ok(i) if i.to_string() == s => Atom::Int(i),
            _ => Atom::Text(s.to_string()),
        }
    }

    /// The atom for a key given as a value (`[:send k v]`, `:assign [k1 k2]`).
    pub fn key_from_json(v: &Value) -> Self {
        match v {
            Value::String(s) => Atom::key_from_str(s),
            other => Atom::from_json(other),
        }
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Int(i) => write!(f, "{i}"),
            Atom::Text(s) => write!(f, ":{s}"),
            Atom::Other(s) => write!(f, "{s}"),
        }
    }
}

/// A JSON value for an error message, cut short so hostile input cannot flood it.
pub fn describe_json(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(DESCRIBED_CHARS_MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s,
    }
}

/// Characters of a value an error message shows.
const DESCRIBED_CHARS_MAX: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_sort_as_numbers_and_keys_agree_across_shapes() {
        assert!(Atom::from_json(&json!(2)) < Atom::from_json(&json!(10)));
        assert_ne!(Atom::from_json(&json!(1)), Atom::from_json(&json!("1")));
        assert_eq!(Atom::key_from_str("0"), Atom::key_from_json(&json!(0)));
        assert_eq!(Atom::key_from_str("x"), Atom::key_from_json(&json!("x")));
        assert_eq!(Atom::key_from_str("007"), Atom::Text("007".into()));
    }
}
