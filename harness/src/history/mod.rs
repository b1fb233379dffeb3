//! The recorded history: client operations as invoke / ok / fail / info events.
mod event;

pub use event::{Event, EventKind, History};
