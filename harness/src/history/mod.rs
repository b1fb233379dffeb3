//! The recorded history: client operations as invoke / ok / fail / info events.
//!
//! Also reads and writes histories: JSONL (native) and Jepsen EDN, and reads Jepsen console logs, with errors that name the
//! file, line and field.
#![warn(missing_docs)]
mod edn;
mod error;
mod event;
mod file;
mod jepsen_log;
mod jsonl;

pub use edn::{parse_edn, read_edn, read_edn_file, to_edn, write_edn};
pub use error::InputError;
pub use event::{Event, EventKind, History};
pub use file::{read_history_file, HistoryFile, HistoryFormat};
pub use jepsen_log::{parse_jepsen_log, read_jepsen_log_file};
pub use jsonl::{parse_jsonl, read_jsonl, read_jsonl_file, to_jsonl, write_jsonl};

#[cfg(test)]
mod tests;
