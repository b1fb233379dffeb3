//! JSONL history files: one `Event` as a JSON object per line.
//!
//! Parsed field by field (not via serde's derive) so every error names the line and the field.
use std::path::Path;

use serde_json::{Map, Value};

use super::error::{describe_json, truncate, InputError};
use super::file::HistoryFile;
use super::{Event, EventKind, History};

/// Read a JSONL history file.
pub fn read_jsonl(path: impl AsRef<Path>) -> Result<History, InputError> {
    read_jsonl_file(path).map(|h| h.events)
}

/// Read a JSONL history file, keeping the line of each event for later error messages.
pub fn read_jsonl_file(path: impl AsRef<Path>) -> Result<HistoryFile, InputError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = super::file::read_text(path, &name)?;
    parse_jsonl(&name, &text)
}

/// Parse JSONL text; `file` is only used in error messages. Blank lines are skipped.
pub fn parse_jsonl(file: &str, text: &str) -> Result<HistoryFile, InputError> {
    let mut out = HistoryFile::new(file);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(trimmed)
            .map_err(|e| InputError::at_line(file, line, format!("invalid JSON at column {}: {}", e.column(), e)))?;
        let Value::Object(obj) = v else {
            return Err(InputError::at_line(
                file,
                line,
                format!("expected a JSON object (one event), got {}", describe_json(&v)),
            ));
        };
        let ordinal = out.events.len() as u64;
        let ev = event_from_object(file, line, obj, ordinal)?;
        out.push(ev, line);
    }
    Ok(out)
}

/// Write a history as JSONL (one event per line, trailing newline).
pub fn write_jsonl(path: impl AsRef<Path>, history: &History) -> std::io::Result<()> {
    std::fs::write(path, to_jsonl(history))
}

/// Render a history as JSONL text.
pub fn to_jsonl(history: &History) -> String {
    let mut s = String::new();
    for ev in history {
        // Serializing our own plain struct cannot fail; fall back to an empty object defensively.
        s.push_str(&serde_json::to_string(ev).unwrap_or_else(|_| "{}".to_string()));
        s.push('\n');
    }
    s
}

fn event_from_object(file: &str, line: usize, mut obj: Map<String, Value>, ordinal: u64) -> Result<Event, InputError> {
    let field_err = |field: &str, msg: String| InputError::at_field(file, line, field, msg);
    let u64_field = |obj: &Map<String, Value>, field: &str| -> Result<Option<u64>, InputError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| field_err(field, format!("expected a non-negative integer, got {}", describe_json(v)))),
        }
    };
    let process = u64_field(&obj, "process")?.ok_or_else(|| field_err("process", "missing".into()))?;
    // index and time are optional so hand-written histories stay short; defaults keep file order.
    let index = u64_field(&obj, "index")?.unwrap_or(ordinal);
    let time_us = u64_field(&obj, "time_us")?.unwrap_or(0);
    let kind = match obj.get("type") {
        None => return Err(field_err("type", "missing".into())),
        Some(Value::String(s)) => parse_kind(s).ok_or_else(|| {
            field_err("type", format!("expected \"invoke\", \"ok\", \"fail\" or \"info\", got \"{}\"", truncate(s, 40)))
        })?,
        Some(v) => return Err(field_err("type", format!("expected a string, got {}", describe_json(v)))),
    };
    let f = match obj.get("f") {
        None => return Err(field_err("f", "missing".into())),
        Some(Value::String(s)) => s.clone(),
        Some(v) => return Err(field_err("f", format!("expected a string, got {}", describe_json(v)))),
    };
    let optional_string = |field: &str| match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(field_err(field, format!("expected a string, got {}", describe_json(v)))),
    };
    let node = optional_string("node")?;
    let system = optional_string("system")?;
    let key = match obj.remove("key") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    };
    let value = obj.remove("value").unwrap_or(Value::Null);
    Ok(Event { index, time_us, process, kind, f, key, value, node, system })
}

/// Parse an event type name as written in JSONL (`invoke`, `ok`, `fail`, `info`).
pub(crate) fn parse_kind(s: &str) -> Option<EventKind> {
    match s {
        "invoke" => Some(EventKind::Invoke),
        "ok" => Some(EventKind::Ok),
        "fail" => Some(EventKind::Fail),
        "info" => Some(EventKind::Info),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(index: u64, process: u64, kind: EventKind, f: &str, key: Option<Value>, value: Value) -> Event {
        Event { index, time_us: index * 10, process, kind, f: f.into(), key, value, node: None, system: None }
    }

    #[test]
    fn round_trip() {
        let h = vec![
            ev(0, 0, EventKind::Invoke, "write", None, json!(3)),
            ev(1, 1, EventKind::Invoke, "read", Some(json!("k1")), Value::Null),
            ev(2, 0, EventKind::Ok, "write", None, json!(3)),
            ev(3, 1, EventKind::Info, "read", Some(json!("k1")), json!([1, "a", {"b": null}])),
        ];
        let text = to_jsonl(&h);
        let back = parse_jsonl("h.jsonl", &text).unwrap();
        assert_eq!(back.events, h);
        assert_eq!(back.lines, vec![1, 2, 3, 4]);
    }

    #[test]
    fn bad_type_names_line_and_field() {
        let text =
            "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n\n{\"process\":0,\"type\":\"bogus\",\"f\":\"read\"}\n";
        let e = parse_jsonl("h.jsonl", text).unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.field.as_deref(), Some("type"));
        assert!(e.to_string().starts_with("h.jsonl:3: field type: expected"), "{e}");
    }

    #[test]
    fn missing_and_bad_fields() {
        let e = parse_jsonl("h", "{\"type\":\"ok\",\"f\":\"read\"}").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (1, Some("process")));
        let e = parse_jsonl("h", "{\"process\":-1,\"type\":\"ok\",\"f\":\"read\"}").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("process"));
        let e = parse_jsonl("h", "{\"process\":1,\"type\":\"ok\"}").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("f"));
        let e = parse_jsonl("h", "{\"process\":1,").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (1, None));
        let e = parse_jsonl("h", "[1,2]").unwrap_err();
        assert!(e.message.contains("expected a JSON object"));
    }
}
