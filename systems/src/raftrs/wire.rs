//! Wire format of raft-rs peer messages: a version byte, then one framed record (u32 length,
//! crc32, protobuf `eraftpb::Message`). The checksum keeps random garbage from decoding into a
//! well-formed message that raft-rs would trust (it panics on some impossible logs); a peer that
//! forges valid frames is Byzantine, which Raft does not defend against.
use crate::raft::{frame, unframe, NodeId};
use protobuf::Message as _;
use raft::eraftpb::Message;
use std::fmt;

/// Version tag written before every encoded raft-rs message.
pub const RAFTRS_WIRE_VERSION: u8 = 0x52;

/// Why peer bytes were dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad raft-rs message: {}", self.0)
    }
}

impl std::error::Error for WireError {}

/// Encodes a raft-rs message for the wire.
pub fn encode_raftrs_message(message: &Message) -> Vec<u8> {
    let payload = message.write_to_bytes().expect("protobuf encoding of an in-memory raft message");
    let mut out = vec![RAFTRS_WIRE_VERSION];
    out.extend_from_slice(&frame(&payload));
    out
}

/// Decodes bytes from peer `from` addressed to `me`; rejects anything not exactly one valid frame
/// or whose header names other nodes than the transport says.
pub fn decode_raftrs_message(bytes: &[u8], from: NodeId, me: NodeId) -> Result<Message, WireError> {
    let (&version, rest) = bytes.split_first().ok_or_else(|| WireError("empty".into()))?;
    if version != RAFTRS_WIRE_VERSION {
        return Err(WireError(format!("unknown version byte {version:#x}")));
    }
    let (records, valid) = unframe(rest);
    if records.len() != 1 || valid != rest.len() {
        return Err(WireError("not exactly one checksummed frame".into()));
    }
    let message = Message::parse_from_bytes(records[0]).map_err(|e| WireError(format!("protobuf: {e}")))?;
    if message.from != from || message.to != me {
        return Err(WireError(format!("addressed {}->{}, arrived {from}->{me}", message.from, message.to)));
    }
    Ok(message)
}
