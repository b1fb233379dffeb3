//! Entry points shared by the cargo-fuzz targets in `fuzz/` and the corpus replay test:
//! each takes arbitrary bytes, must return without panicking, and asserts the properties
//! that hold for any input (what decodes re-encodes to itself; replicas fed garbage keep
//! their invariants; a fuzzed simulation passes its checks).
mod scenario_setup;
mod simulation;

pub use simulation::{run_case, simulation, simulation_with_bug, CaseFault, Finding, SimCase};
pub use simulation::{FAULTS_MAX, FAULT_PHASE_MS, REPRO_FILE};

use crate::check::linearizability::{self, Budget};
use crate::check::models::ModelKind;
use crate::history::{parse_edn, parse_jsonl};
use crate::world::wire::{self, Envelope};
use faultline_systems::crdt::replica::{CrdtReplica, GossipMessage, ReplicaConfig as CrdtConfig};
use faultline_systems::crdt::replica::{CrdtReply, CrdtRequest};
use faultline_systems::logsync::{LogSyncMessage, LogSyncReplica, ReplicaConfig as LogSyncConfig};
use faultline_systems::logsync::{ReplicaRead, ReplicaReply};
use faultline_systems::raft::decode_message;
use faultline_systems::relations::{Reply, Request, RequestId};
use faultline_systems::storage::MemStorage;
use faultline_systems::time::Time;
use faultline_systems::SansIoNode;
use std::time::Duration;

/// Every wire decoder: garbage is an error, and what decodes encodes back to the same value.
pub fn wire(bytes: &[u8]) {
    // Past the checksum too, so the envelope's body decoder still meets garbage.
    let _ = Envelope::decode(bytes);
    if let Ok(e) = Envelope::decode_body(bytes) {
        let again = e.encode().ok().and_then(|b| Envelope::decode(&b).ok());
        assert_eq!(again, Some(e), "envelope round trip");
    }
    // What systems carry inside envelopes: requests and (request id, reply) pairs.
    round_trip::<Request>(bytes);
    round_trip::<(RequestId, Reply)>(bytes);
    round_trip::<CrdtRequest>(bytes);
    round_trip::<(RequestId, CrdtReply)>(bytes);
    round_trip::<ReplicaRead>(bytes);
    round_trip::<(RequestId, ReplicaReply)>(bytes);
    if let Ok(m) = GossipMessage::decode(bytes) {
        assert_eq!(GossipMessage::decode(&m.encode()).ok(), Some(m), "gossip round trip");
    }
    if let Ok(m) = LogSyncMessage::decode(bytes) {
        assert_eq!(LogSyncMessage::decode(&m.encode()).ok(), Some(m), "logsync round trip");
    }
    let _ = decode_message(bytes);
}

/// What decodes as `T` encodes back to the same `T`.
fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(v) = wire::decode::<T>(bytes) {
        let again = wire::encode(&v).ok().and_then(|b| wire::decode::<T>(&b).ok());
        assert_eq!(again, Some(v), "{} round trip", std::any::type_name::<T>());
    }
}

/// The scenario loader: any text is a scenario or an error naming where, never a panic;
/// what loads is planned and set up too (see [`scenario_setup::set_up`]).
pub fn scenario(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Ok(loaded) = crate::scenario::load_str("fuzz.toml", text) {
            scenario_setup::set_up(loaded);
        }
    }
}

/// Both history parsers, and the linearizability checker (small budget) on what parses.
pub fn history(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    for parsed in [parse_jsonl("fuzz.jsonl", text), parse_edn("fuzz.edn", text)].into_iter().flatten() {
        for model in ModelKind::ALL {
            let _ = linearizability::check_history_file(model, &parsed, Budget::steps(10_000));
        }
    }
}

/// A CRDT replica and a LogSync replica fed `bytes` as peer messages, in chunks: both
/// must reject or absorb them, and the CRDT state must stay valid.
pub fn replicas(bytes: &[u8]) {
    let crdt = CrdtConfig {
        id: 1,
        replicas: vec![1, 2, 3],
        gossip_interval: Duration::from_millis(100),
        rng_seed: 7,
        clock_offset_us_max: faultline_systems::crdt::OFFSET_US_MAX_DEFAULT,
        bugs: Default::default(),
    };
    let logsync = LogSyncConfig {
        id: 9,
        voters: vec![1, 2, 3],
        ack_interval: Duration::from_millis(100),
        read_wait: Duration::from_millis(50),
        pending_reads_max: 8,
        bugs: Default::default(),
    };
    let (Ok(mut c), Ok(mut l)) = (
        CrdtReplica::new(crdt, MemStorage::new(), Time::ZERO),
        LogSyncReplica::new(logsync, MemStorage::new(), Time::ZERO),
    ) else {
        return;
    };
    // The first byte picks a sender; the rest is split at 0xFF bytes into messages.
    let from = u64::from(bytes.first().copied().unwrap_or(0) % 4);
    for (i, chunk) in bytes.get(1..).unwrap_or_default().split(|&b| b == 0xFF).enumerate() {
        let now = Time::from_micros(i as u64 * 1_000);
        let _ = c.handle_message(now, from, chunk);
        let _ = l.handle_message(now, from, chunk);
        let _ = c.handle_timeout(now);
        let _ = l.handle_timeout(now);
        while c.poll_output().is_some() {}
        while l.poll_output().is_some() {}
    }
    assert_eq!(c.graphs().validate(), Ok(()), "CRDT state invalid after garbage");
    let _ = l.observe();
}
