//! The ingestion pipeline end to end on the deterministic world in `ingest_sim`.
mod ingest_sim;

use faultline_systems::ingest::IngestBugs;
use ingest_sim::{NetFaults, Sim, BROKERS, COLLECTORS, CONSUMERS, MS};

/// What one run left behind.
struct Run {
    problems: Vec<String>,
    acked: usize,
    trace_hash: u64,
    fenced: u64,
}

/// Load under a lossy network with a broker, a collector and a consumer crashing and
/// restarting, then a consumer paused with a sink write in flight until its lease lapses
/// (a zombie), then heal and drain.
fn run(seed: u64, bugs: IngestBugs) -> Run {
    let mut sim = Sim::new(seed, bugs);
    sim.faults = NetFaults::lossy();
    let broker = BROKERS[(seed % 3) as usize];
    let collector = COLLECTORS[(seed % 2) as usize];
    let mut zombie = None;
    let load_until = 6_000 * MS;
    let mut next_retry = 100 * MS;
    while sim.now < load_until {
        let t = sim.now + 5 * MS;
        sim.run_until(t);
        if sim.rng.random_bool(0.8) {
            for e in sim.random_events() {
                sim.submit(e);
            }
        }
        if sim.now >= next_retry {
            next_retry += 100 * MS;
            sim.retry_outstanding(400 * MS);
        }
        match sim.now / MS {
            1500 => sim.crash(broker),
            2000 => sim.restart(broker),
            2500 => sim.crash(collector),
            2600 => sim.restart(collector),
            3000 => sim.crash(CONSUMERS[0]),
            3200 => sim.restart(CONSUMERS[0]),
            _ => {}
        }
        if zombie.is_none() && sim.now >= 3_500 * MS {
            // Freeze a consumer whose sink write is in flight, and lose that write.
            if let Some(&c) = CONSUMERS.iter().find(|c| sim.consumer(**c).is_some_and(|c| !c.writing().is_empty())) {
                sim.drop_in_flight_from(c);
                sim.pause(c);
                zombie = Some((c, sim.now));
            }
        }
        if let Some((c, since)) = zombie {
            if sim.paused.contains(&c) && sim.now >= since + 2_500 * MS {
                sim.resume(c);
            }
        }
    }
    if let Some((c, _)) = zombie {
        sim.resume(c);
    }
    sim.faults = NetFaults::none();
    let drain_until = sim.now + 10_000 * MS;
    while sim.now < drain_until && sim.outstanding() > 0 {
        let t = sim.now + 100 * MS;
        sim.run_until(t);
        sim.retry_outstanding(400 * MS);
    }
    let t = sim.now + 4_000 * MS;
    sim.run_until(t);
    if std::env::var("INGEST_DEBUG").is_ok() {
        dump(&sim, zombie);
    }
    let mut problems = sim.check();
    if zombie.is_none() {
        problems.push("no consumer was ever caught writing, so no zombie was made".into());
    }
    Run { problems, acked: sim.acked.len(), trace_hash: sim.trace_hash(), fenced: sim.sink().stats().fenced }
}

use rand::Rng;

#[test]
fn every_acked_event_is_counted_exactly_once() {
    for seed in 0..8 {
        let r = run(seed, IngestBugs::default());
        assert!(r.problems.is_empty(), "seed {seed}: {:?}", &r.problems[..r.problems.len().min(10)]);
        assert!(r.acked > 500, "seed {seed}: only {} events acked", r.acked);
    }
}

#[test]
fn same_seed_same_trace() {
    let a = run(7, IngestBugs::default());
    let b = run(7, IngestBugs::default());
    assert_eq!(a.trace_hash, b.trace_hash);
}

#[test]
fn the_zombie_is_fenced() {
    let fenced: u64 = (0..3).map(|seed| run(seed, IngestBugs::default()).fenced).sum();
    assert!(fenced > 0, "no stale-token write reached the sink in any seed");
}

/// A planted bug must break the property in at least one of a few seeds.
fn caught(bugs: IngestBugs) -> Option<(u64, String)> {
    let found = (0..8).find_map(|seed| run(seed, bugs).problems.first().map(|p| (seed, p.clone())));
    eprintln!("{bugs:?}: {found:?}");
    found
}

#[test]
fn bug_ack_before_wal_sync_is_caught() {
    let found = caught(IngestBugs { ack_before_wal_sync: true, ..IngestBugs::default() });
    assert!(found.is_some_and(|(_, p)| p.contains("lost")), "ack_before_wal_sync never lost an acked event");
}

#[test]
fn bug_offset_commit_separate_is_caught() {
    assert!(caught(IngestBugs { offset_commit_separate: true, ..IngestBugs::default() }).is_some());
}

#[test]
fn bug_sink_no_fencing_is_caught() {
    let found = caught(IngestBugs { sink_no_fencing: true, ..IngestBugs::default() });
    assert!(found.is_some_and(|(_, p)| p.contains("times")), "the zombie's stale write never double-counted");
}

#[test]
fn bug_dedupe_without_event_type_is_caught() {
    let found = caught(IngestBugs { dedupe_without_event_type: true, ..IngestBugs::default() });
    assert!(found.is_some_and(|(_, p)| p.contains("lost")), "dedupe_without_event_type never dropped an event");
}

#[test]
fn bug_ship_retry_without_sequence_is_caught() {
    let found = caught(IngestBugs { ship_retry_without_sequence: true, ..IngestBugs::default() });
    assert!(found.is_some_and(|(_, p)| p.contains("times")), "ship_retry_without_sequence never duplicated");
}

fn dump(sim: &Sim, zombie: Option<(u64, u64)>) {
    let s = sim.sink();
    let committed: Vec<u64> = (0..4).map(|p| s.committed(p)).collect();
    let toks: Vec<_> =
        CONSUMERS.iter().map(|c| sim.consumer(*c).map(|c| (0..4).map(|p| c.token(p)).collect::<Vec<_>>())).collect();
    eprintln!("zombie={zombie:?} committed={committed:?} tokens={toks:?} stats={:?}", s.stats());
    for b in BROKERS {
        if let Some(Some(ingest_sim::Node::Broker(n))) = sim.nodes.get(&b) {
            let lens: Vec<u64> = (0..4).map(|p| n.partition(p).map_or(0, |l| l.len())).collect();
            let roles: Vec<_> =
                n.raft_observations().iter().map(|(g, o)| (*g, o.role, o.term, o.commit_index)).collect();
            eprintln!(
                "broker {b} lens={lens:?} roles={roles:?} leases={:?}",
                (0..4).map(|p| n.leases().lease(p).cloned()).collect::<Vec<_>>()
            );
        }
    }
    for o in &sim.observations {
        use faultline_systems::ingest::IngestObservation as O;
        match o {
            O::LeaseLost { .. } | O::FencingRejected { .. } => eprintln!("{o:?}"),
            O::Consumed { consumer, partition: 1, offset, token, at, .. } if offset % 20 == 0 => {
                eprintln!("consumed p1 {consumer} {offset} tok {token} at {at:?}")
            }
            _ => {}
        }
    }
    for c in COLLECTORS {
        if let Some(Some(ingest_sim::Node::Collector(n))) = sim.nodes.get(&c) {
            eprintln!("collector {c} unshipped={} stats={:?}", n.unshipped(), n.stats());
        }
    }
}

mod garbage {
    use super::ingest_sim::{BROKERS, SINK};
    use faultline_systems::ingest::{
        decompress, BehaviourEvent, Broker, BrokerConfig, Codec, Collector, CollectorConfig, CompressedBatch, Consumer,
        ConsumerConfig, IngestReply, IngestRequest, Output, Rejection, Sink, SinkConfig,
    };
    use faultline_systems::relations::RequestId;
    use faultline_systems::storage::MemStorage;
    use faultline_systems::time::Time;
    use faultline_systems::SansIoNode;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn garbage_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), from in 0u64..40) {
            let now = Time::from_micros(1);
            let mut c = Collector::new(CollectorConfig::new(1, BROKERS.to_vec(), 4), MemStorage::new(), now).unwrap();
            let mut b = Broker::new(BrokerConfig::new(11, BROKERS.to_vec(), 4), MemStorage::new(), now).unwrap();
            let mut k = Consumer::new(ConsumerConfig::new(21, BROKERS.to_vec(), SINK, vec![0, 1]), now);
            let mut s = Sink::new(SinkConfig { id: SINK, bugs: Default::default() }, MemStorage::new(), now).unwrap();
            // With and without the version byte, so the body decoder sees the garbage too.
            for payload in [bytes.clone(), [vec![1u8], bytes.clone()].concat()] {
                c.handle_message(now, from, &payload).unwrap();
                b.handle_message(now, from, &payload).unwrap();
                k.handle_message(now, from, &payload).unwrap();
                s.handle_message(now, from, &payload).unwrap();
            }
            let batch = CompressedBatch { codec: Codec::Zstd, uncompressed_len: bytes.len() as u32, checksum: 0, bytes: bytes.clone() };
            prop_assert!(decompress(&batch).is_err() || bytes.is_empty());
            let snappy = CompressedBatch { codec: Codec::Snappy, ..batch };
            let _ = decompress(&snappy);
        }

        #[test]
        fn malformed_events_are_refused_with_one_reply(
            device_id in 0u64..3,
            ts in 0u64..3,
            ty in "\\PC{0,40}",
            payload_len in 0usize..5000,
        ) {
            let now = Time::from_micros(1);
            let cfg = CollectorConfig::new(1, BROKERS.to_vec(), 4);
            let max = cfg.payload_bytes_max;
            let mut c = Collector::new(cfg, MemStorage::new(), now).unwrap();
            let event = BehaviourEvent { device_id, event_ts_ms: ts, event_type: ty, payload: vec![0; payload_len] };
            let valid = event.validate(max).is_ok();
            c.handle_request(now, 7, IngestRequest { id: RequestId { client: 7, seq: 1 }, event }).unwrap();
            let mut replies = Vec::new();
            while let Some(o) = c.poll_output() {
                if let Output::Reply { reply, .. } = o {
                    replies.push(reply);
                }
            }
            if valid {
                prop_assert!(replies.is_empty(), "a valid event waits for its batch");
            } else {
                prop_assert!(matches!(replies[..], [IngestReply::Rejected(Rejection::Malformed(_))]));
            }
        }
    }
}
