//! Behaviour-event ingestion: collectors validate, dedupe, batch, compress and WAL events,
//! then ship them to a partitioned log whose every partition is its own Raft group (brokers
//! host all groups, plus a coordinator group that grants consumer leases with fencing tokens).
//! Consumers read a partition under a lease and write counters to the sink together with the
//! offset they reached, in one atomic write; the sink refuses writes with stale tokens.
//!
//! Host roles: [`Collector`], [`Broker`], [`Consumer`], [`Sink`]. All peer traffic is one
//! postcard enum, [`Wire`]. Every stage of every event is exposed as an [`IngestObservation`]
//! polled from the node, so a checker can build a ledger of where each event went.
mod batch;
mod broker;
mod bugs;
mod collector;
mod consumer;
mod coordinator;
mod event;
mod group_storage;
mod message;
mod observe;
mod partition;
mod sink;
#[cfg(test)]
mod tests;

pub use batch::{compress, decompress, BatchError, Codec, CompressedBatch, BATCH_BYTES_MAX};
pub use broker::{Broker, BrokerConfig, COORDINATOR_GROUP};
pub use bugs::IngestBugs;
pub use collector::{Collector, CollectorConfig, CollectorStats, COLLECTOR_WAL_FILE};
pub use consumer::{Consumer, ConsumerConfig};
pub use coordinator::{Lease, LeaseOutcome, LeaseTable};
pub use event::{partition_of, BehaviourEvent, IngestRequest, Malformed, TraceId, EVENT_TYPE_LEN_MAX};
pub use message::{
    decode_request, decode_wire, encode_wire, IngestReply, Rejection, SinkRead, Wire, WireError, WriteMode,
};
pub use observe::IngestObservation;
pub use partition::{AppendOutcome, LogRecord, PartitionLog};
pub use sink::{Sink, SinkConfig, SinkStats, SINK_WAL_FILE};

/// What an ingestion node asks its driver to do.
pub type Output = crate::node::Output<IngestReply>;
