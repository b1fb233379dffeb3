//! A batch of events as stored in a collector's WAL: compressed (Snappy for small hot
//! batches, ZSTD above a size threshold) with a CRC-32 over the uncompressed bytes, so a
//! decompressor bug or a flipped bit is caught rather than shipped.
use super::event::BehaviourEvent;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest uncompressed batch accepted when decoding (a guard against decompression bombs).
pub const BATCH_BYTES_MAX: usize = 64 << 20;

/// ZSTD level: the library default, a good ratio at a modest CPU cost.
const ZSTD_LEVEL: i32 = 3;

/// How a batch's bytes are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Codec {
    /// Snappy raw block format.
    Snappy,
    /// Zstandard frame.
    Zstd,
}

/// A compressed, checksummed batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompressedBatch {
    /// The codec of `bytes`.
    pub codec: Codec,
    /// Length of the uncompressed bytes.
    pub uncompressed_len: u32,
    /// CRC-32 of the uncompressed bytes.
    pub checksum: u32,
    /// The compressed bytes.
    pub bytes: Vec<u8>,
}

/// Why a batch could not be built or read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// Declared or actual uncompressed size over `BATCH_BYTES_MAX`.
    TooLarge { len: usize },
    /// The codec failed.
    Codec { codec: Codec, detail: String },
    /// The uncompressed length differs from the declared one.
    LengthMismatch { declared: usize, actual: usize },
    /// The CRC-32 of the uncompressed bytes differs from the stored one.
    Checksum { stored: u32, actual: u32 },
    /// The uncompressed bytes are not a list of events.
    Decode(String),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::TooLarge { len } => write!(f, "batch of {len} bytes is over {BATCH_BYTES_MAX}"),
            BatchError::Codec { codec, detail } => write!(f, "{codec:?}: {detail}"),
            BatchError::LengthMismatch { declared, actual } => {
                write!(f, "batch declares {declared} bytes but holds {actual}")
            }
            BatchError::Checksum { stored, actual } => {
                write!(f, "batch checksum {actual:08x} differs from stored {stored:08x}")
            }
            BatchError::Decode(e) => write!(f, "batch events do not decode: {e}"),
        }
    }
}

/// Encodes and compresses `events`: ZSTD when the encoding exceeds `zstd_above_bytes`.
pub fn compress(events: &[BehaviourEvent], zstd_above_bytes: usize) -> Result<CompressedBatch, BatchError> {
    let raw = postcard::to_allocvec(events).map_err(|e| BatchError::Decode(e.to_string()))?;
    if raw.len() > BATCH_BYTES_MAX {
        return Err(BatchError::TooLarge { len: raw.len() });
    }
    let codec = if raw.len() > zstd_above_bytes { Codec::Zstd } else { Codec::Snappy };
    let bytes = match codec {
        Codec::Snappy => snap::raw::Encoder::new().compress_vec(&raw).map_err(|e| codec_error(codec, e)),
        Codec::Zstd => zstd::bulk::compress(&raw, ZSTD_LEVEL).map_err(|e| codec_error(codec, e)),
    }?;
    let uncompressed_len = u32::try_from(raw.len()).map_err(|_| BatchError::TooLarge { len: raw.len() })?;
    Ok(CompressedBatch { codec, uncompressed_len, checksum: crc32fast::hash(&raw), bytes })
}

/// Decompresses and verifies a batch.
pub fn decompress(batch: &CompressedBatch) -> Result<Vec<BehaviourEvent>, BatchError> {
    let declared = batch.uncompressed_len as usize;
    if declared > BATCH_BYTES_MAX {
        return Err(BatchError::TooLarge { len: declared });
    }
    let raw = match batch.codec {
        Codec::Snappy => {
            let len = snap::raw::decompress_len(&batch.bytes).map_err(|e| codec_error(batch.codec, e))?;
            if len != declared {
                return Err(BatchError::LengthMismatch { declared, actual: len });
            }
            snap::raw::Decoder::new().decompress_vec(&batch.bytes).map_err(|e| codec_error(batch.codec, e))?
        }
        // The capacity bounds the output, so a lying frame cannot make us allocate more.
        Codec::Zstd => zstd::bulk::decompress(&batch.bytes, declared).map_err(|e| codec_error(batch.codec, e))?,
    };
    if raw.len() != declared {
        return Err(BatchError::LengthMismatch { declared, actual: raw.len() });
    }
    let actual = crc32fast::hash(&raw);
    if actual != batch.checksum {
        return Err(BatchError::Checksum { stored: batch.checksum, actual });
    }
    postcard::from_bytes(&raw).map_err(|e| BatchError::Decode(e.to_string()))
}

fn codec_error(codec: Codec, e: impl fmt::Display) -> BatchError {
    BatchError::Codec { codec, detail: e.to_string() }
}
