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
    let m = OpMap { file, op, kvs };
    let Some(process) = m.process()? else { return Ok(None) };
    let kind = m.kind()?;
    let f = m.f()?;
    let time_us = match m.get("time") {
        None => 0,
        Some(v) if v.kind == EdnKind::Nil => 0,
        // Jepsen times are nanoseconds since the test began; we keep microseconds.
        Some(v) => u64::try_from(m.nonneg(":time", v)? / 1000).map_err(|_| m.err(":time", v, "time is too large"))?,
    };
    let index = match m.get("index") {
        None => ordinal,
        Some(v) if v.kind == EdnKind::Nil => ordinal,
        Some(v) => u64::try_from(m.nonneg(":index", v)?).map_err(|_| m.err(":index", v, "index is too large"))?,
    };
    let key = match m.get("key").map(Edn::to_json) {
        None | Some(Value::Null) => None,
        Some(k) => Some(k),
    };
    let value = m.get("value").map(Edn::to_json).unwrap_or(Value::Null);
    let node = m.node()?;
    Ok(Some(Event { index, time_us, process, kind, f, key, value, node, system: None }))
}

/// One op map being read, with the file for error messages.
struct OpMap<'a> {
    file: &'a str,
    op: &'a Edn,
    kvs: &'a [(Edn, Edn)],
}

impl<'a> OpMap<'a> {
    /// The value under keyword `name`; the last binding wins for duplicate keys, as in
    /// Clojure's reader for array maps.
    fn get(&self, name: &str) -> Option<&'a Edn> {
        let is_name = |k: &Edn| matches!(&k.untagged().kind, EdnKind::Keyword(n) if n == name);
        self.kvs.iter().rev().find(|(k, _)| is_name(k)).map(|(_, v)| v)
    }

    fn require(&self, name: &str, field: &str) -> Result<&'a Edn, InputError> {
        self.get(name).ok_or_else(|| InputError::at_field(self.file, self.op.line, field, "missing"))
    }

    fn err(&self, field: &str, v: &Edn, msg: impl Into<String>) -> InputError {
        InputError::at_field(self.file, v.line, field, msg.into())
    }

    fn nonneg(&self, field: &str, v: &Edn) -> Result<u128, InputError> {
        match &v.untagged().kind {
            EdnKind::Int(i) if *i >= 0 => Ok(*i as u128),
            _ => Err(self.err(field, v, format!("expected a non-negative integer, got {}", v.describe()))),
        }
    }

    /// The client process; `None` for a keyword process such as `:nemesis`.
    fn process(&self) -> Result<Option<u64>, InputError> {
        let v = self.require("process", ":process")?;
        match &v.untagged().kind {
            EdnKind::Int(i) => u64::try_from(*i)
                .map(Some)
                .map_err(|_| self.err(":process", v, format!("expected a non-negative integer, got {i}"))),
            EdnKind::Keyword(_) => Ok(None),
            _ => Err(self.err(
                ":process",
                v,
                format!("expected an integer (or a keyword such as :nemesis, which is skipped), got {}", v.describe()),
            )),
        }
    }

    fn kind(&self) -> Result<EventKind, InputError> {
        let v = self.require("type", ":type")?;
        let kind = match &v.untagged().kind {
            EdnKind::Keyword(k) => match k.as_str() {
                "invoke" => Some(EventKind::Invoke),
                "ok" => Some(EventKind::Ok),
                "fail" => Some(EventKind::Fail),
                "info" => Some(EventKind::Info),
                _ => None,
            },
            _ => None,
        };
        kind.ok_or_else(|| self.err(":type", v, format!("expected :invoke, :ok, :fail or :info, got {}", v.describe())))
    }

    fn f(&self) -> Result<String, InputError> {
        let v = self.require("f", ":f")?;
        match &v.untagged().kind {
            EdnKind::Keyword(s) | EdnKind::Str(s) | EdnKind::Symbol(s) => Ok(s.clone()),
            _ => Err(self.err(":f", v, format!("expected a keyword, got {}", v.describe()))),
        }
    }

    fn node(&self) -> Result<Option<String>, InputError> {
        let Some(v) = self.get("node") else { return Ok(None) };
        match &v.untagged().kind {
            EdnKind::Nil => Ok(None),
            EdnKind::Str(s) | EdnKind::Keyword(s) | EdnKind::Symbol(s) => Ok(Some(s.clone())),
            _ => Err(self.err(":node", v, format!("expected a string, got {}", v.describe()))),
        }
    }
}

#[cfg(test)]
mod tests;
