//! Peer messages and their wire codec (version byte + postcard).
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Version tag written before every encoded message.
pub const WIRE_VERSION: u8 = 1;

/// What a log entry carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryData {
    /// Appended by each new leader so it can commit entries of its own term.
    Noop,
    /// An encoded state-machine command.
    Command(Vec<u8>),
}

/// One log entry as it travels and is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Term the entry was created in.
    pub term: u64,
    /// Payload.
    pub data: EntryData,
}

impl Entry {
    /// First 8 bytes of SHA-256 of the tagged payload, big-endian.
    pub fn digest(&self) -> u64 {
        let mut h = Sha256::new();
        match &self.data {
            EntryData::Noop => h.update([0u8]),
            EntryData::Command(bytes) => {
                h.update([1u8]);
                h.update(bytes);
            }
        }
        let out = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        u64::from_be_bytes(first)
    }
}

/// A Raft peer message. Every variant carries the sender's term (PreVote: the proposed term).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// "Would you vote for me in `term`?" without anyone bumping their term.
    PreVote { term: u64, last_index: u64, last_term: u64 },
    /// Answer to PreVote; `term` is the proposed term when granted.
    PreVoteResp { term: u64, granted: bool },
    /// RequestVote.
    Vote { term: u64, last_index: u64, last_term: u64 },
    /// Answer to RequestVote.
    VoteResp { term: u64, granted: bool },
    /// AppendEntries (also the heartbeat); `round` identifies the leader's heartbeat round.
    Append { term: u64, prev_index: u64, prev_term: u64, entries: Vec<Entry>, commit: u64, round: u64 },
    /// Answer to Append or Snapshot.
    AppendResp { term: u64, reply: AppendReply },
    /// InstallSnapshot, whole snapshot in one message.
    Snapshot { term: u64, index: u64, snapshot_term: u64, data: Vec<u8>, round: u64 },
}

/// A follower's answer to Append or Snapshot. On rejection `hint_*` lets the leader skip a
/// whole term; all zero (`Default`) tells a stale leader only the newer term.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendReply {
    /// Whether the entries (or snapshot) were accepted.
    pub success: bool,
    /// On success, the highest index known to match the leader's log.
    pub match_index: u64,
    /// On rejection, the `prev_index` that did not match.
    pub reject_index: u64,
    /// On rejection, where the follower's log could match (conflict-term backtracking).
    pub hint_index: u64,
    /// On rejection, the term at `hint_index`.
    pub hint_term: u64,
    /// The leader's heartbeat round being answered (lease and ReadIndex confirmation).
    pub round: u64,
}

impl AppendReply {
    /// An acceptance up to `match_index`.
    pub fn ack(match_index: u64, round: u64) -> Self {
        AppendReply { success: true, match_index, round, ..AppendReply::default() }
    }
}

impl Message {
    /// The term the message carries.
    pub fn term(&self) -> u64 {
        match self {
            Message::PreVote { term, .. }
            | Message::PreVoteResp { term, .. }
            | Message::Vote { term, .. }
            | Message::VoteResp { term, .. }
            | Message::Append { term, .. }
            | Message::AppendResp { term, .. }
            | Message::Snapshot { term, .. } => *term,
        }
    }
}

/// Why bytes could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// No bytes at all.
    Empty,
    /// The version tag is not one we speak.
    UnknownVersion(u8),
    /// The body is not a valid message.
    Malformed(String),
    /// Valid message followed by extra bytes.
    TrailingBytes,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "decode error: {self:?}")
    }
}

impl std::error::Error for DecodeError {}

/// Encodes with the version tag first.
pub fn encode_message(message: &Message) -> Vec<u8> {
    let mut out = vec![WIRE_VERSION];
    // Serializing owned plain data into a Vec cannot fail; failure would be a postcard bug.
    let body = postcard::to_allocvec(message).expect("postcard serialization of a Message");
    out.extend_from_slice(&body);
    out
}

/// Decodes a peer message; garbage yields an error, never a panic.
pub fn decode_message(bytes: &[u8]) -> Result<Message, DecodeError> {
    let (&version, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if version != WIRE_VERSION {
        return Err(DecodeError::UnknownVersion(version));
    }
    let (message, rest) =
        postcard::take_from_bytes::<Message>(body).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes);
    }
    Ok(message)
}
