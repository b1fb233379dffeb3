//! `Val`: a hashable, ordered stand-in for JSON values, so model states can be memoised.
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;

/// A JSON value in canonical form: equal JSON (up to object key order) gives equal `Val`s.
///
/// Scalars that models compute on (integers, strings) are kept as such; anything else is kept
/// as canonical JSON text, which is enough for equality tests and stays cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Val {
    /// JSON null; for registers and kv it means "never written" / "absent".
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits i64.
    Int(i64),
    /// A string.
    Str(Arc<str>),
    /// Any other value (floats, big integers, arrays, objects) as canonical JSON text.
    Other(Arc<str>),
}

impl Val {
    /// Canonicalise a JSON value.
    pub fn from_json(v: &Value) -> Val {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) if n.is_i64() => Val::Int(n.as_i64().unwrap_or(0)),
            Value::String(s) => Val::Str(Arc::from(s.as_str())),
            other => {
                let mut s = String::new();
                canonical(other, &mut s);
                Val::Other(Arc::from(s))
            }
        }
    }

    /// Back to JSON (for reports).
    pub fn to_json(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => Value::from(*i),
            Val::Str(s) => Value::String(s.to_string()),
            Val::Other(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string())),
        }
    }
}

/// JSON text with object keys sorted, independent of serde_json's map ordering feature.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Array(xs) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", Value::String(k.clone()));
                if let Some(x) = m.get(k) {
                    canonical(x, out);
                }
            }
            out.push('}');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_equality() {
        assert_eq!(Val::from_json(&json!({"a": 1, "b": [2]})), Val::from_json(&json!({"b": [2], "a": 1})));
        assert_ne!(Val::from_json(&json!(1)), Val::from_json(&json!(1.0)));
        assert_eq!(Val::from_json(&json!("x")).to_json(), json!("x"));
        assert_eq!(Val::from_json(&json!([1, {"z": null}])).to_json(), json!([1, {"z": null}]));
    }
}
