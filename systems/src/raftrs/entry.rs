//! What a raft-rs entry means to the relations service: its command and its digest.
use crate::raft::EntryData;
use raft::eraftpb::{Entry, EntryType};

/// Digest of an entry's payload, the same scheme as our own Raft's (no-op vs command).
pub(crate) fn digest(entry: &Entry) -> u64 {
    let data = match command(entry) {
        Some(bytes) => EntryData::Command(bytes.to_vec()),
        None => EntryData::Noop,
    };
    crate::raft::Entry { term: entry.term, data }.digest()
}

/// The relations command an entry carries (none for a leader's empty entry or a conf change).
pub(crate) fn command(entry: &Entry) -> Option<&[u8]> {
    (entry.get_entry_type() == EntryType::EntryNormal && !entry.data.is_empty()).then_some(&entry.data[..])
}
