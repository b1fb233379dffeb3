//! Queue and log checkers: Jepsen's `total-queue` and Kafka anomalies over recorded
//! histories, and the ingestion checks over plain-data records of a run.
pub mod atom;
pub mod counts;
pub mod kafka;
pub mod ledger;
pub mod records;
pub mod total_queue;

pub mod ack_durable;
pub mod cli;
pub mod fencing;
#[cfg(test)]
mod fixtures;
pub mod ingest_log;
pub mod order;
