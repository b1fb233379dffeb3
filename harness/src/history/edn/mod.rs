//! Jepsen `history.edn` import and export.
//!
//! Accepts a single vector (or list) of op maps, or one op map per line; Jepsen's
//! `#jepsen.history.Op{...}` record tags are accepted and ignored. Ops whose `:process` is not
//! an integer (e.g. `:nemesis`) are skipped: they are fault events, not client operations.
mod parse;
mod value;
mod write;

use std::path::Path;

use serde_json::Value;

use value::{Edn, EdnKind};
pub use write::{to_edn, write_edn};

use super::error::InputError;
use super::file::HistoryFile;
use super::{Event, EventKind, History};

/// Read a Jepsen EDN history file.
pub fn read_edn(path: impl AsRef<Path>) -> Result<History, InputError> {
    read_edn_file(path).map(|h| h.events)
}

/// Read a Jepsen EDN history file, keeping each event's source line.
pub fn read_edn_file(path: impl AsRef<Path>) -> Result<HistoryFile, InputError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = super::file::read_text(path, &name)?;
    parse_edn(&name, &text)
}

/// Parse EDN history text; `file` is only used in error messages.
pub fn parse_edn(file: &str, text: &str) -> Result<HistoryFile, InputError> {
    let forms = parse::parse_forms(file, text)?;
    let ops: Vec<Edn> = match <[Edn; 1]>::try_from(forms) {
        Ok([only]) => match only.untagged().kind.clone() {
            EdnKind::Vector(xs) | EdnKind::List(xs) => xs,
            _ => vec![only],
        },
        Err(forms) => forms,
    };
    let mut out = HistoryFile::new(file);
    for op in &ops {
        let ordinal = out.events.len() as u64;
        if let Some(ev) = event_from_edn(file, op, ordinal)? {
            out.push(ev, op.line);
        }
    }
    Ok(out)
}

/// Parse exactly one EDN form (e.g. the value column of a Jepsen log line) as JSON.
pub(crate) fn parse_value(file: &str, text: &str) -> Result<Value, InputError> {
    match <[Edn; 1]>::try_from(parse::parse_forms(file, text)?) {
        Ok([only]) => Ok(only.to_json()),
        Err(forms) => Err(InputError::at_line(file, 1, format!("expected one EDN value, got {} forms", forms.len()))),
    }
}

/// Convert one op map; `Ok(None)` for ops of non-client processes such as `:nemesis`.
fn event_from_edn(file: &str, op: &Edn, ordinal: u64) -> Result<Option<Event>, InputError> {
    let EdnKind::Map(kvs) = &op.untagged().kind else {
        return Err(InputError::at_line(file, op.line, format!("expected an op map {{...}}, got {}", op.describe())));
    };
    // Last binding wins for duplicate keys, as in Clojure's reader for array maps.
    let get = |name: &str| -> Option<&Edn> {
        kvs.iter().rev().find(|(k, _)| matches!(&k.untagged().kind, EdnKind::Keyword(n) if n == name)).map(|(_, v)| v)
    };
    let field_err = |field: &str, v: &Edn, msg: String| InputError::at_field(file, v.line, field, msg);
    let missing = |field: &str| InputError::at_field(file, op.line, field, "missing");

    let process_v = get("process").ok_or_else(|| missing(":process"))?;
    let process = match &process_v.untagged().kind {
        EdnKind::Int(i) => u64::try_from(*i)
            .map_err(|_| field_err(":process", process_v, format!("expected a non-negative integer, got {i}")))?,
        EdnKind::Keyword(_) => return Ok(None),
        _ => {
            return Err(field_err(
                ":process",
                process_v,
                format!(
                    "expected an integer (or a keyword such as :nemesis, which is skipped), got {}",
                    process_v.describe()
                ),
            ))
        }
    };
    let type_v = get("type").ok_or_else(|| missing(":type"))?;
    let kind = match &type_v.untagged().kind {
        EdnKind::Keyword(k) => match k.as_str() {
            "invoke" => Some(EventKind::Invoke),
            "ok" => Some(EventKind::Ok),
            "fail" => Some(EventKind::Fail),
            "info" => Some(EventKind::Info),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| {
        field_err(":type", type_v, format!("expected :invoke, :ok, :fail or :info, got {}", type_v.describe()))
    })?;
    let f_v = get("f").ok_or_else(|| missing(":f"))?;
    let f = match &f_v.untagged().kind {
        EdnKind::Keyword(s) | EdnKind::Str(s) | EdnKind::Symbol(s) => s.clone(),
        _ => return Err(field_err(":f", f_v, format!("expected a keyword, got {}", f_v.describe()))),
    };
    let nonneg = |field: &str, v: &Edn| -> Result<u128, InputError> {
        match &v.untagged().kind {
            EdnKind::Int(i) if *i >= 0 => Ok(*i as u128),
            _ => Err(field_err(field, v, format!("expected a non-negative integer, got {}", v.describe()))),
        }
    };
    let time_us = match get("time") {
        None => 0,
        Some(v) if v.kind == EdnKind::Nil => 0,
        // Jepsen times are nanoseconds since the test began; we keep microseconds.
        Some(v) => {
            u64::try_from(nonneg(":time", v)? / 1000).map_err(|_| field_err(":time", v, "time is too large".into()))?
        }
    };
    let index = match get("index") {
        None => ordinal,
        Some(v) if v.kind == EdnKind::Nil => ordinal,
        Some(v) => {
            u64::try_from(nonneg(":index", v)?).map_err(|_| field_err(":index", v, "index is too large".into()))?
        }
    };
    let key = match get("key").map(Edn::to_json) {
        None | Some(Value::Null) => None,
        Some(k) => Some(k),
    };
    let value = get("value").map(Edn::to_json).unwrap_or(Value::Null);
    let node = match get("node") {
        None => None,
        Some(v) => match &v.untagged().kind {
            EdnKind::Nil => None,
            EdnKind::Str(s) | EdnKind::Keyword(s) | EdnKind::Symbol(s) => Some(s.clone()),
            _ => return Err(field_err(":node", v, format!("expected a string, got {}", v.describe()))),
        },
    };
    Ok(Some(Event { index, time_us, process, kind, f, key, value, node, system: None }))
}

#[cfg(test)]
mod tests;
