//! A history read from a file, with the source line of every event, and format selection.
use std::path::Path;
use std::str::FromStr;

use super::error::InputError;
use super::History;

/// Events read from a file plus where each came from, so later checks can blame a line.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryFile {
    /// File name for error messages.
    pub file: String,
    /// The events, in file order.
    pub events: History,
    /// `lines[i]` is the 1-based line on which `events[i]` starts.
    pub lines: Vec<usize>,
}

impl HistoryFile {
    /// An empty history attributed to `file`.
    pub fn new(file: &str) -> Self {
        Self { file: file.to_string(), events: Vec::new(), lines: Vec::new() }
    }

    /// Wrap an in-memory history; "lines" are then 1-based event positions.
    pub fn from_history(label: &str, events: History) -> Self {
        let lines = (1..=events.len()).collect();
        Self { file: label.to_string(), events, lines }
    }

    /// Append one event read from `line`.
    pub fn push(&mut self, ev: super::Event, line: usize) {
        self.events.push(ev);
        self.lines.push(line);
    }

    /// Source line of event `pos` (0 if unknown).
    pub fn line_of(&self, pos: usize) -> usize {
        self.lines.get(pos).copied().unwrap_or(0)
    }
}

/// On-disk history formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HistoryFormat {
    /// One `Event` JSON object per line (our native format).
    Jsonl,
    /// Jepsen's `history.edn`: a vector of op maps, or one op map per line.
    Edn,
    /// Jepsen's console log: `INFO jepsen.util - PROCESS :TYPE :F VALUE` lines (read only).
    JepsenLog,
}

impl HistoryFormat {
    /// Guess from the file extension: `.edn` is EDN, `.log` a Jepsen console log, anything else JSONL.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("edn") => HistoryFormat::Edn,
            Some(e) if e.eq_ignore_ascii_case("log") => HistoryFormat::JepsenLog,
            _ => HistoryFormat::Jsonl,
        }
    }
}

impl FromStr for HistoryFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "jsonl" | "json" => Ok(HistoryFormat::Jsonl),
            "edn" => Ok(HistoryFormat::Edn),
            "jepsen-log" => Ok(HistoryFormat::JepsenLog),
            other => Err(format!("unknown history format {other:?}: expected \"jsonl\", \"edn\" or \"jepsen-log\"")),
        }
    }
}

/// Read a history file in the given format (or guessed from the extension when `None`).
pub fn read_history_file(path: impl AsRef<Path>, format: Option<HistoryFormat>) -> Result<HistoryFile, InputError> {
    let path = path.as_ref();
    match format.unwrap_or_else(|| HistoryFormat::from_path(path)) {
        HistoryFormat::Jsonl => super::jsonl::read_jsonl_file(path),
        HistoryFormat::Edn => super::edn::read_edn_file(path),
        HistoryFormat::JepsenLog => super::jepsen_log::read_jepsen_log_file(path),
    }
}

/// Read a file as UTF-8 text, turning I/O and encoding problems into an `InputError`.
pub(crate) fn read_text(path: &Path, name: &str) -> Result<String, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::whole_file(name, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let upto = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..upto].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::at_line(name, line, "file is not valid UTF-8")
    })
}
