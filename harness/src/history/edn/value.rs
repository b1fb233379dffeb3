//! The EDN data model as parsed (with source lines), and its mapping onto JSON values.
use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// One parsed EDN form and the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Edn {
    /// Line where the form starts, for error messages.
    pub line: usize,
    /// The form itself.
    pub kind: EdnKind,
}

/// EDN form kinds; collections keep their children in source order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum EdnKind {
    Nil,
    Bool(bool),
    /// Integers are read as i128 so Jepsen's nanosecond times and `N` big ints fit.
    Int(i128),
    Float(f64),
    Str(String),
    Char(char),
    /// Keyword name without the leading colon.
    Keyword(String),
    Symbol(String),
    List(Vec<Edn>),
    Vector(Vec<Edn>),
    Map(Vec<(Edn, Edn)>),
    Set(Vec<Edn>),
    /// `#tag form`, e.g. `#inst "..."` or Jepsen's `#jepsen.history.Op{...}` records.
    Tagged(String, Box<Edn>),
}

impl Edn {
    /// The form with any tags peeled off (tags carry no meaning for history checking).
    pub fn untagged(&self) -> &Edn {
        let mut e = self;
        while let EdnKind::Tagged(_, inner) = &e.kind {
            e = inner;
        }
        e
    }

    /// Short human description for "expected X, got Y" messages.
    pub fn describe(&self) -> String {
        let s = match &self.kind {
            EdnKind::Nil => "nil".to_string(),
            EdnKind::Bool(b) => b.to_string(),
            EdnKind::Int(i) => i.to_string(),
            EdnKind::Float(f) => format!("{f:?}"),
            EdnKind::Str(s) => format!("{s:?}"),
            EdnKind::Char(c) => format!("\\{c}"),
            EdnKind::Keyword(k) => format!(":{k}"),
            EdnKind::Symbol(s) => s.clone(),
            EdnKind::List(_) => "a list".to_string(),
            EdnKind::Vector(_) => "a vector".to_string(),
            EdnKind::Map(_) => "a map".to_string(),
            EdnKind::Set(_) => "a set".to_string(),
            EdnKind::Tagged(t, _) => format!("#{t} form"),
        };
        crate::history::error::truncate(&s, 60)
    }

    /// Map onto JSON: nil→null, keywords/symbols/chars→strings, vectors/lists→arrays,
    /// sets→sorted arrays, maps→objects with stringified keys, tags dropped.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            EdnKind::Nil => Value::Null,
            EdnKind::Bool(b) => Value::Bool(*b),
            EdnKind::Int(i) => int_to_json(*i),
            EdnKind::Float(f) => match Number::from_f64(*f) {
                Some(n) => Value::Number(n),
                // JSON has no NaN/Inf; keep EDN's spelling rather than inventing a number.
                None if f.is_nan() => Value::String("##NaN".into()),
                None if *f > 0.0 => Value::String("##Inf".into()),
                None => Value::String("##-Inf".into()),
            },
            EdnKind::Str(s) | EdnKind::Keyword(s) | EdnKind::Symbol(s) => Value::String(s.clone()),
            EdnKind::Char(c) => Value::String(c.to_string()),
            EdnKind::List(xs) | EdnKind::Vector(xs) => Value::Array(xs.iter().map(Edn::to_json).collect()),
            EdnKind::Set(xs) => {
                let mut v: Vec<Value> = xs.iter().map(Edn::to_json).collect();
                v.sort_by(json_cmp);
                Value::Array(v)
            }
            EdnKind::Map(kvs) => {
                let mut m = Map::new();
                for (k, v) in kvs {
                    m.insert(k.key_string(), v.to_json());
                }
                Value::Object(m)
            }
            EdnKind::Tagged(_, inner) => inner.to_json(),
        }
    }

    /// A map key as a JSON object key: names as-is, anything else as its JSON text.
    fn key_string(&self) -> String {
        match &self.untagged().kind {
            EdnKind::Str(s) | EdnKind::Keyword(s) | EdnKind::Symbol(s) => s.clone(),
            _ => self.to_json().to_string(),
        }
    }
}

fn int_to_json(i: i128) -> Value {
    if let Ok(x) = i64::try_from(i) {
        Value::Number(x.into())
    } else if let Ok(x) = u64::try_from(i) {
        Value::Number(x.into())
    } else {
        // Beyond 64 bits: a string keeps every digit, where f64 would silently round.
        Value::String(i.to_string())
    }
}

/// A total order on JSON values (type rank, then value) used to sort EDN sets deterministically.
pub(crate) fn json_cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.total_cmp(&y)
            }
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = json_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(_), Value::Object(_)) => a.to_string().cmp(&b.to_string()),
        _ => rank(a).cmp(&rank(b)),
    }
}
