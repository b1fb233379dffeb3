//! Jepsen's console log (`jepsen.log`): the op lines `jepsen.util` prints while a test runs,
//! e.g. `INFO  jepsen.util - 3	:invoke	:cas	[1 2]`. Older Jepsen stores (and the etcd
//! histories Porcupine and Knossos test on) keep only this log, not `history.edn`.
//!
//! Lines without the `jepsen.util - ` marker (other loggers, blank lines) are skipped; an op
//! line is `PROCESS<tab>:TYPE<tab>:F<tab>VALUE`, the value in EDN. Ops of non-integer
//! processes (`:nemesis`) are skipped, as in EDN histories.
use std::path::Path;

use super::edn::parse_value;
use super::error::{truncate, InputError};
use super::file::HistoryFile;
use super::jsonl::parse_kind;
use super::Event;

const MARKER: &str = "jepsen.util - ";

/// Read a Jepsen console log, keeping each op's source line.
pub fn read_jepsen_log_file(path: impl AsRef<Path>) -> Result<HistoryFile, InputError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = super::file::read_text(path, &name)?;
    parse_jepsen_log(&name, &text)
}

/// Parse Jepsen console-log text; `file` is only used in error messages.
pub fn parse_jepsen_log(file: &str, text: &str) -> Result<HistoryFile, InputError> {
    let mut out = HistoryFile::new(file);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let Some(at) = raw.find(MARKER) else { continue };
        let ordinal = out.events.len() as u64;
        if let Some(ev) = op_line(file, line, &raw[at + MARKER.len()..], ordinal)? {
            out.push(ev, line);
        }
    }
    Ok(out)
}

/// One op line after the marker; `Ok(None)` for a non-client process such as `:nemesis`.
fn op_line(file: &str, line: usize, rest: &str, ordinal: u64) -> Result<Option<Event>, InputError> {
    let field_err = |field: &str, msg: String| InputError::at_field(file, line, field, msg);
    // Columns are tab-separated, but some logs have spaces instead; the value is the rest.
    let mut rest = rest.trim();
    let mut next = |field: &str| {
        let (col, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        rest = tail.trim_start();
        Some(col).filter(|c| !c.is_empty()).ok_or_else(|| field_err(field, "missing".into()))
    };
    let process_s = next("process")?;
    if process_s.starts_with(':') {
        return Ok(None);
    }
    let process = process_s.parse::<u64>().map_err(|_| {
        field_err("process", format!("expected a non-negative integer, got {:?}", truncate(process_s, 40)))
    })?;
    let type_s = next("type")?;
    let kind = type_s.strip_prefix(':').and_then(parse_kind).ok_or_else(|| {
        field_err("type", format!("expected :invoke, :ok, :fail or :info, got {:?}", truncate(type_s, 40)))
    })?;
    let f_s = next("f")?;
    let f = f_s.strip_prefix(':').unwrap_or(f_s).to_string();
    let value_s = Some(rest).filter(|r| !r.is_empty()).ok_or_else(|| field_err("value", "missing".into()))?;
    let value = parse_value(file, value_s).map_err(|e| field_err("value", e.message))?;
    Ok(Some(Event { index: ordinal, time_us: 0, process, kind, f, key: None, value, node: None, system: None }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EventKind;
    use serde_json::json;

    #[test]
    fn reads_op_lines_and_skips_the_rest() {
        let text = "INFO  jepsen.core - starting\n\nINFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]\n   \n\
                    INFO  jepsen.util - :nemesis\t:info\t:start\tnil\nINFO  jepsen.util - 3\t:fail\t:cas\t[1 2]\n\
                    INFO  jepsen.util - 4   :info :write  :timed-out\n";
        let h = parse_jepsen_log("etcd.log", text).unwrap();
        assert_eq!(h.lines, vec![3, 6, 7]);
        assert_eq!(h.events[0].kind, EventKind::Invoke);
        assert_eq!((h.events[0].f.as_str(), &h.events[0].value), ("cas", &json!([1, 2])));
        assert_eq!((h.events[1].process, h.events[1].kind), (3, EventKind::Fail));
        assert_eq!(h.events[2].value, json!("timed-out"));
    }

    #[test]
    fn bad_lines_name_line_and_field() {
        let e = parse_jepsen_log("x.log", "\nINFO  jepsen.util - 1\t:bogus\t:read\tnil\n").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (2, Some("type")));
        let e = parse_jepsen_log("x.log", "INFO  jepsen.util - -1\t:ok\t:read\tnil").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("process"));
        let e = parse_jepsen_log("x.log", "INFO  jepsen.util - 1\t:ok\t:read").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("value"));
        let e = parse_jepsen_log("x.log", "INFO  jepsen.util - 1\t:ok\t:read\t[1 2").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (1, Some("value")), "{e}");
        assert!(e.to_string().starts_with("x.log:1: field value"), "{e}");
    }
}
