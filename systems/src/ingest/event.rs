//! A behaviour event as clients send it, its validation, and its idempotency key.
use crate::relations::RequestId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Longest accepted `event_type`, in bytes.
pub const EVENT_TYPE_LEN_MAX: usize = 32;

/// One behaviour event from a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BehaviourEvent {
    /// The device (and partition key); 0 is invalid.
    pub device_id: u64,
    /// When the device says the event happened, in ms; 0 is invalid.
    pub event_ts_ms: u64,
    /// What happened (`click`, `view`, ...): 1..=32 bytes of `[a-z0-9_.-]`.
    pub event_type: String,
    /// Opaque payload, at most the collector's `payload_bytes_max`.
    pub payload: Vec<u8>,
}

/// A client's request to a collector; a retry reuses the id and the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestRequest {
    /// The client's request id.
    pub id: RequestId,
    /// The event.
    pub event: BehaviourEvent,
}

/// The idempotency key `device_id + event_ts + event_type`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TraceId {
    /// The device.
    pub device_id: u64,
    /// The event's timestamp, in ms.
    pub event_ts_ms: u64,
    /// The event's type.
    pub event_type: String,
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.device_id, self.event_ts_ms, self.event_type)
    }
}

/// Why an event was refused as malformed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Malformed {
    /// `device_id` is 0.
    ZeroDevice,
    /// `event_ts_ms` is 0.
    ZeroTimestamp,
    /// `event_type` is empty.
    EmptyType,
    /// `event_type` is longer than `EVENT_TYPE_LEN_MAX` bytes.
    TypeTooLong { len: usize },
    /// `event_type` has a byte outside `[a-z0-9_.-]` at byte `at`.
    TypeBadChar { at: usize },
    /// The payload is larger than the collector accepts.
    PayloadTooLarge { len: usize, max: usize },
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::ZeroDevice => write!(f, "device_id is 0"),
            Malformed::ZeroTimestamp => write!(f, "event_ts is 0"),
            Malformed::EmptyType => write!(f, "event_type is empty"),
            Malformed::TypeTooLong { len } => write!(f, "event_type is {len} bytes, over {EVENT_TYPE_LEN_MAX}"),
            Malformed::TypeBadChar { at } => write!(f, "event_type has a byte outside [a-z0-9_.-] at {at}"),
            Malformed::PayloadTooLarge { len, max } => write!(f, "payload is {len} bytes, over {max}"),
        }
    }
}

impl BehaviourEvent {
    /// Checks the fields; the first problem found is returned.
    pub fn validate(&self, payload_bytes_max: usize) -> Result<(), Malformed> {
        if self.device_id == 0 {
            return Err(Malformed::ZeroDevice);
        }
        if self.event_ts_ms == 0 {
            return Err(Malformed::ZeroTimestamp);
        }
        let ty = self.event_type.as_bytes();
        if ty.is_empty() {
            return Err(Malformed::EmptyType);
        }
        if ty.len() > EVENT_TYPE_LEN_MAX {
            return Err(Malformed::TypeTooLong { len: ty.len() });
        }
        let ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-');
        if let Some(at) = ty.iter().position(|b| !ok(b)) {
            return Err(Malformed::TypeBadChar { at });
        }
        if self.payload.len() > payload_bytes_max {
            return Err(Malformed::PayloadTooLarge { len: self.payload.len(), max: payload_bytes_max });
        }
        Ok(())
    }

    /// The idempotency key.
    pub fn trace_id(&self) -> TraceId {
        TraceId { device_id: self.device_id, event_ts_ms: self.event_ts_ms, event_type: self.event_type.clone() }
    }

    /// SHA-256 of the payload: a retry must carry the same payload as the original.
    pub(crate) fn payload_digest(&self) -> [u8; 32] {
        Sha256::digest(&self.payload).into()
    }
}

/// The partition a device's events go to (a fixed hash, the same on every node).
pub fn partition_of(device_id: u64, partitions: u32) -> u32 {
    assert!(partitions > 0, "at least one partition");
    // Fibonacci hashing spreads consecutive device ids over partitions.
    let mixed = device_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    u32::try_from(mixed % u64::from(partitions)).expect("below a u32 partition count")
}
