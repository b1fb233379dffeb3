//! Bad-input errors that name the file, the line and the field, as the CLI contract requires.
use std::fmt;

/// A problem with an input file: where it is (file, 1-based line, field) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// File name as the user gave it (or a label such as `<history>` for in-memory input).
    pub file: String,
    /// 1-based line number; 0 when the problem concerns the whole file (e.g. it cannot be read).
    pub line: usize,
    /// The offending field (`type`, `:process`, ...), when one field is to blame.
    pub field: Option<String>,
    /// What is wrong, phrased as "expected X, got Y" where possible.
    pub message: String,
}

impl InputError {
    /// An error about a whole line (no single field to blame).
    pub fn at_line(file: &str, line: usize, message: impl Into<String>) -> Self {
        Self { file: file.to_string(), line, field: None, message: message.into() }
    }

    /// An error about one field on one line.
    pub fn at_field(file: &str, line: usize, field: &str, message: impl Into<String>) -> Self {
        Self { file: file.to_string(), line, field: Some(field.to_string()), message: message.into() }
    }

    /// An error about the file as a whole (unreadable, empty, ...).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        Self::at_line(file, 0, message)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Short, bounded description of a JSON value for error messages (long values are cut).
pub(crate) fn describe_json(v: &serde_json::Value) -> String {
    let s = v.to_string();
    truncate(&s, 60)
}

/// Cut a string to at most `max` chars, marking the cut, so hostile input can't flood messages.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_field() {
        let e = InputError::at_field("history.edn", 12, ":type", "expected :invoke, :ok, :fail or :info, got :bogus");
        assert_eq!(e.to_string(), "history.edn:12: field :type: expected :invoke, :ok, :fail or :info, got :bogus");
        assert_eq!(InputError::whole_file("h.jsonl", "empty").to_string(), "h.jsonl: empty");
    }
}
