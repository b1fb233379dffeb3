//! The recorded run's plain data: client operations as invoke / ok / fail / info events, fault
//! windows, and the names of hosts and clients they mention.
//!
//! Also reads and writes histories: JSONL (native) and Jepsen EDN, and reads Jepsen console logs, with errors that name the
//! file, line and field.
#![warn(missing_docs)]
mod edn;
mod error;
mod event;
mod fault;
mod file;
mod jepsen_log;
mod jsonl;
mod names;

pub use edn::{parse_edn, read_edn, read_edn_file, to_edn, write_edn};
pub use error::InputError;
pub use event::{Event, EventKind, History};
pub use fault::{storage_failure_between, FaultWindow, STORAGE_FAILURE};
pub use file::{read_history_file, HistoryFile, HistoryFormat};
pub use jepsen_log::{parse_jepsen_log, read_jepsen_log_file};
pub use jsonl::{parse_jsonl, read_jsonl, read_jsonl_file, to_jsonl, write_jsonl};
pub use names::{client_name, node_name};

#[cfg(test)]
mod tests;
