//! EDN export: one Jepsen-style op map per line.
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::history::{EventKind, History};

/// Write a history as EDN, one op map per line (readable by Jepsen tooling and `read_edn`).
pub fn write_edn(path: impl AsRef<Path>, history: &History) -> std::io::Result<()> {
    std::fs::write(path, to_edn(history))
}

/// Render a history as EDN text, one op map per line; times are written in nanoseconds.
pub fn to_edn(history: &History) -> String {
    let mut s = String::new();
    for ev in history {
        let kind = match ev.kind {
            EventKind::Invoke => "invoke",
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            EventKind::Info => "info",
        };
        let _ = write!(
            s,
            "{{:index {}, :time {}, :type :{}, :process {}, :f ",
            ev.index,
            u128::from(ev.time_us) * 1000,
            kind,
            ev.process
        );
        name(&mut s, &ev.f);
        if let Some(k) = &ev.key {
            s.push_str(", :key ");
            json(&mut s, k);
        }
        s.push_str(", :value ");
        json(&mut s, &ev.value);
        if let Some(n) = &ev.node {
            s.push_str(", :node ");
            string(&mut s, n);
        }
        s.push_str("}\n");
    }
    s
}

/// A name as a keyword when it is a plain identifier, else as a string (both read back equal).
fn name(out: &mut String, f: &str) {
    let plain = f.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && f.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '?' | '!' | '*' | '.'));
    if plain {
        out.push(':');
        out.push_str(f);
    } else {
        string(out, f);
    }
}

fn json(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                let _ = write!(out, "{n}");
            } else {
                // Debug keeps a '.' or exponent (1.0, 1e300) so it reads back as a float.
                let _ = write!(out, "{:?}", n.as_f64().unwrap_or(0.0));
            }
        }
        Value::String(s) => string(out, s),
        Value::Array(xs) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                json(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                string(out, k);
                out.push(' ');
                json(out, x);
            }
            out.push('}');
        }
    }
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
