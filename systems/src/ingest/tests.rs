//! Unit tests of the ingestion pieces: each with inputs it must accept and inputs it must refuse.
use super::coordinator::AcquireCommand;
use super::partition::AppendCommand;
use super::*;
use crate::node::SansIoNode;
use crate::relations::RequestId;
use crate::storage::{MemStorage, Storage};
use crate::time::Time;

const MS: u64 = 1_000;

fn event(device_id: u64, ts: u64, ty: &str, payload: &[u8]) -> BehaviourEvent {
    BehaviourEvent { device_id, event_ts_ms: ts, event_type: ty.into(), payload: payload.to_vec() }
}

fn request(seq: u64, e: BehaviourEvent) -> IngestRequest {
    IngestRequest { id: RequestId { client: 9, seq }, event: e }
}

fn replies<S: Storage>(c: &mut Collector<S>) -> Vec<IngestReply> {
    let mut out = Vec::new();
    while let Some(o) = c.poll_output() {
        if let Output::Reply { reply, .. } = o {
            out.push(reply);
        }
    }
    out
}

fn collector(bugs: IngestBugs, disk: MemStorage) -> Collector<MemStorage> {
    let mut cfg = CollectorConfig::new(1, vec![11, 12, 13], 4);
    cfg.bugs = bugs;
    Collector::new(cfg, disk, Time::ZERO).expect("boots")
}

#[test]
fn validation_names_the_problem() {
    let max = 8;
    assert_eq!(event(1, 1, "click", b"").validate(max), Ok(()));
    assert_eq!(event(0, 1, "click", b"").validate(max), Err(Malformed::ZeroDevice));
    assert_eq!(event(1, 0, "click", b"").validate(max), Err(Malformed::ZeroTimestamp));
    assert_eq!(event(1, 1, "", b"").validate(max), Err(Malformed::EmptyType));
    assert_eq!(event(1, 1, &"a".repeat(33), b"").validate(max), Err(Malformed::TypeTooLong { len: 33 }));
    assert_eq!(event(1, 1, "cl ck", b"").validate(max), Err(Malformed::TypeBadChar { at: 2 }));
    assert_eq!(event(1, 1, "click", &[0; 9]).validate(max), Err(Malformed::PayloadTooLarge { len: 9, max }));
}

#[test]
fn batches_pick_their_codec_and_detect_damage() {
    let small: Vec<_> = (1..5).map(|i| event(i, i, "view", b"x")).collect();
    let big: Vec<_> = (1..2000).map(|i| event(i, i, "view", &[7; 32])).collect();
    let s = compress(&small, 16 << 10).expect("compress");
    let b = compress(&big, 16 << 10).expect("compress");
    assert_eq!((s.codec, b.codec), (Codec::Snappy, Codec::Zstd));
    assert_eq!(decompress(&s).expect("roundtrip"), small);
    assert_eq!(decompress(&b).expect("roundtrip"), big);
    let mut wrong_sum = b.clone();
    wrong_sum.checksum ^= 1;
    assert!(matches!(decompress(&wrong_sum), Err(BatchError::Checksum { .. })));
    let mut flipped = s.clone();
    let last = flipped.bytes.len() - 1;
    flipped.bytes[last] ^= 0x55;
    assert!(decompress(&flipped).is_err(), "a flipped byte must not pass");
    let mut bomb = b;
    bomb.uncompressed_len = u32::MAX;
    assert!(matches!(decompress(&bomb), Err(BatchError::TooLarge { .. })));
}

#[test]
fn collector_acks_only_after_the_wal_sync() {
    let mut c = collector(IngestBugs::default(), MemStorage::new());
    c.handle_request(Time::ZERO, 9, request(1, event(5, 10, "click", b"p"))).unwrap();
    assert!(replies(&mut c).is_empty(), "no ack before the batch is synced");
    let mut crashed = c.storage().clone();
    crashed.crash();
    assert!(crashed.read(COLLECTOR_WAL_FILE).unwrap().is_empty());
    let due = c.poll_timeout().expect("flush timer");
    assert_eq!(due, Time::from_micros(200 * MS));
    c.handle_timeout(due).unwrap();
    assert!(matches!(replies(&mut c)[..], [IngestReply::Acked { .. }]));
    let mut crashed = c.storage().clone();
    crashed.crash();
    let again = collector(IngestBugs::default(), crashed);
    assert_eq!(again.unshipped(), 1, "the synced batch is recovered and shipped again");
}

#[test]
fn collector_bug_acks_before_sync() {
    let bugs = IngestBugs { ack_before_wal_sync: true, ..IngestBugs::default() };
    let mut c = collector(bugs, MemStorage::new());
    c.handle_request(Time::ZERO, 9, request(1, event(5, 10, "click", b"p"))).unwrap();
    assert!(matches!(replies(&mut c)[..], [IngestReply::Acked { .. }]));
    let mut crashed = c.storage().clone();
    crashed.crash();
    assert_eq!(collector(bugs, crashed).unshipped(), 0, "the acknowledged event is gone");
}

#[test]
fn collector_dedupes_retries_and_refuses_collisions() {
    let mut c = collector(IngestBugs::default(), MemStorage::new());
    c.handle_request(Time::ZERO, 9, request(1, event(5, 10, "click", b"p"))).unwrap();
    c.handle_timeout(Time::from_micros(200 * MS)).unwrap();
    replies(&mut c);
    let now = Time::from_micros(300 * MS);
    c.handle_request(now, 9, request(1, event(5, 10, "click", b"p"))).unwrap();
    assert!(matches!(replies(&mut c)[..], [IngestReply::Acked { .. }]), "a retry of a durable event is acked");
    c.handle_request(now, 9, request(2, event(5, 10, "click", b"other"))).unwrap();
    assert!(matches!(replies(&mut c)[..], [IngestReply::Rejected(Rejection::KeyCollision { .. })]));
    c.handle_request(now, 9, request(3, event(5, 10, "view", b"p"))).unwrap();
    assert!(replies(&mut c).is_empty(), "another type at the same instant is a new event");
    let stats = c.stats();
    assert_eq!((stats.accepted, stats.retries, stats.collisions), (2, 1, 1));
}

#[test]
fn collector_bug_dedupe_without_type_drops_a_distinct_event() {
    let bugs = IngestBugs { dedupe_without_event_type: true, ..IngestBugs::default() };
    let mut c = collector(bugs, MemStorage::new());
    c.handle_request(Time::ZERO, 9, request(1, event(5, 10, "click", b"p"))).unwrap();
    c.handle_request(Time::ZERO, 9, request(2, event(5, 10, "view", b"p"))).unwrap();
    assert_eq!(c.stats().accepted, 1, "the view was taken for a retry of the click");
}

#[test]
fn collector_cuts_a_torn_wal_tail() {
    let mut c = collector(IngestBugs::default(), MemStorage::new());
    c.handle_request(Time::ZERO, 9, request(1, event(5, 10, "click", b"p"))).unwrap();
    c.handle_timeout(Time::from_micros(200 * MS)).unwrap();
    let mut disk = c.storage().clone();
    disk.append(COLLECTOR_WAL_FILE, &[3, 0, 0, 0, 1]).unwrap();
    disk.sync().unwrap();
    let again = collector(IngestBugs::default(), disk);
    assert_eq!(again.stats().wal_bytes_cut, 5);
    assert_eq!(again.unshipped(), 1);
}

#[test]
fn partition_appends_a_retried_batch_once() {
    let mut log = PartitionLog::default();
    let t = |ts| TraceId { device_id: 1, event_ts_ms: ts, event_type: "click".into() };
    let cmd = |seq, ts| AppendCommand { producer: 1, seq, trace_ids: vec![t(ts)] };
    assert!(!log.append(cmd(3, 1)).duplicate);
    let retry = log.append(cmd(3, 1));
    assert!(retry.duplicate && retry.base_offset == 0);
    assert!(log.append(cmd(2, 9)).duplicate, "an older sequence is a late retry");
    assert_eq!(log.append(cmd(4, 2)).base_offset, 1);
    assert_eq!(log.len(), 2);
    assert_eq!(log.read(1, 10)[0].trace_id, t(2));
    assert!(log.read(99, 10).is_empty());
}

#[test]
fn leases_fence_with_increasing_tokens() {
    let mut table = LeaseTable::default();
    let acq = |consumer, current, now_ms: u64| AcquireCommand {
        partition: 0,
        consumer,
        current,
        now_us: now_ms * MS,
        lease_us: 1_000 * MS,
    };
    let first = table.acquire(&acq(21, None, 0)).token.expect("free lease granted");
    assert_eq!(table.acquire(&acq(22, None, 500)).token, None, "a live lease is not stolen");
    assert_eq!(table.acquire(&acq(21, Some(first), 900)).token, Some(first), "renewal keeps the token");
    let restarted = table.acquire(&acq(21, None, 950)).token.expect("holder re-acquires");
    assert!(restarted > first, "a new incarnation gets a new token");
    let taken = table.acquire(&acq(22, None, 5_000)).token.expect("a lapsed lease is granted");
    assert!(taken > restarted);
    assert_eq!(table.lease(0).map(|l| l.holder), Some(22));
}

fn sink_step(sink: &mut Sink<MemStorage>, from: u64, message: Wire) -> Vec<Wire> {
    sink.handle_message(Time::ZERO, from, &encode_wire(&message)).unwrap();
    let mut out = Vec::new();
    while let Some(o) = sink.poll_output() {
        if let Output::Send { bytes, .. } = o {
            out.push(decode_wire(&bytes).expect("sink speaks our wire"));
        }
    }
    out
}

fn write(token: u64, from: u64, to: u64) -> Wire {
    let records =
        (from..to).map(|o| (o, TraceId { device_id: 1, event_ts_ms: o + 1, event_type: "view".into() })).collect();
    Wire::Write { partition: 0, token, mode: WriteMode::Atomic, from, to, records }
}

fn fenced_sink(bugs: IngestBugs) -> Sink<MemStorage> {
    let mut sink = Sink::new(SinkConfig { id: 31, bugs }, MemStorage::new(), Time::ZERO).unwrap();
    sink_step(&mut sink, 21, Wire::Open { partition: 0, token: 1 });
    sink_step(&mut sink, 21, write(1, 0, 3));
    sink_step(&mut sink, 22, Wire::Open { partition: 0, token: 2 });
    sink
}

#[test]
fn sink_refuses_a_stale_token_and_dedupes_retries() {
    let mut sink = fenced_sink(IngestBugs::default());
    assert!(matches!(sink_step(&mut sink, 21, write(1, 3, 5))[..], [Wire::Fenced { token_max: 2, .. }]));
    assert_eq!(sink.count(1, "view"), 3);
    sink_step(&mut sink, 22, write(2, 3, 6));
    assert!(matches!(sink_step(&mut sink, 22, write(2, 3, 6))[..], [Wire::WriteAck { to: 6, .. }]));
    assert_eq!((sink.count(1, "view"), sink.committed(0), sink.stats().duplicates), (6, 6, 1));
    let mut disk = sink.storage().clone();
    disk.crash();
    let again = Sink::new(SinkConfig { id: 31, bugs: IngestBugs::default() }, disk, Time::ZERO).unwrap();
    assert_eq!((again.count(1, "view"), again.committed(0)), (6, 6), "synced writes survive a crash");
}

#[test]
fn sink_bug_accepts_a_stale_token() {
    let mut sink = fenced_sink(IngestBugs { sink_no_fencing: true, ..IngestBugs::default() });
    assert!(matches!(sink_step(&mut sink, 21, write(1, 3, 5))[..], [Wire::WriteAck { .. }]));
    assert_eq!(sink.count(1, "view"), 5);
}

#[test]
fn group_storage_keeps_groups_apart() {
    let shared = std::sync::Arc::new(std::sync::Mutex::new(MemStorage::new()));
    let mut a = super::group_storage::GroupStorage::new(shared.clone(), 0);
    let b = super::group_storage::GroupStorage::new(shared, 1);
    a.append("raft.wal", b"a").unwrap();
    assert_eq!(a.read("raft.wal").unwrap(), b"a");
    assert!(b.read("raft.wal").unwrap().is_empty());
}

#[test]
fn garbage_is_an_error() {
    assert!(decode_wire(&[]).is_err());
    assert!(decode_wire(&[9, 1, 2]).is_err());
    assert!(decode_wire(&[1, 200, 200, 200]).is_err());
    assert!(decode_request(&[0xff; 7]).is_err());
}
