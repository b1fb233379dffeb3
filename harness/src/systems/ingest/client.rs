//! A client speaking for a few devices: each event goes to its device's one collector (the
//! pipeline dedupes per collector) and is resent with the same request id and event until it
//! is acknowledged, refused, or the op timeout passes. Sending stops at the heal, so the
//! quiet drain phase shows whether every acknowledged event reaches the sink.
use super::config::EVENT_TYPES;
use super::{Ingest, IngestConfig, IngestRecord, COLLECTOR, NAME};
use crate::engine::Io;
use crate::history::{node_name, EventKind};
use crate::system::ClientCtx;
use crate::workload::{receive_reply, ClientProgram, OpRecorder};
use crate::world::wire::{Envelope, DATAGRAM_BYTES_MAX, PORT};
use crate::world::World;
use faultline_systems::ingest::{BehaviourEvent, IngestReply, IngestRequest, Rejection};
use faultline_systems::relations::RequestId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Salt for ingestion client RNG streams.
const INGEST_CLIENT_RNG_SALT: u64 = 0x494e_4745_5354_0000;
/// Percent of events that reuse the previous timestamp of their device with another type
/// (same payload), so a dedupe key that forgets the type has something to confuse.
const TWIN_PERCENT: u32 = 15;

/// How one event ended for its client.
enum Outcome {
    Acked,
    Refused(Rejection),
    Unknown,
}

/// An ingestion client's program.
pub struct IngestClient;

/// What one client keeps between events.
struct State<I: Io> {
    world: World,
    socket: I::Socket,
    buf: Vec<u8>,
    index: usize,
    collectors: std::ops::Range<usize>,
    last: BTreeMap<u64, (u64, usize)>,
}

impl ClientProgram for IngestClient {
    async fn run<I: Io>(self, ctx: ClientCtx) {
        let Ok(socket) = I::bind(PORT).await else { return };
        let (seed, scenario) = ctx.world.with(|w| (w.seed, w.scenario.clone()));
        let Some(ingest) = scenario.system::<Ingest>() else { return };
        let c = &ingest.config;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ INGEST_CLIENT_RNG_SALT ^ ctx.rank as u64);
        let collectors = scenario.topology().hosts(NAME, COLLECTOR);
        let mut st = State::<I> {
            world: ctx.world,
            socket,
            buf: vec![0u8; DATAGRAM_BYTES_MAX],
            index: ctx.index,
            collectors,
            last: BTreeMap::new(),
        };
        let clients = scenario.client_count() as u64;
        let mut process = ctx.index as u64;
        let mut seq = 0u64;
        loop {
            I::sleep_until_us(I::now_us() + rng.random_range(0..=c.think_ms * 1000)).await;
            if I::now_us() >= scenario.heal_us() {
                I::sleep_until_us(scenario.end_us()).await;
                break;
            }
            let event = st.next_event(&mut rng, c, ctx.rank);
            seq += 1;
            let request = IngestRequest { id: RequestId { client: ctx.index as u64, seq }, event };
            if matches!(st.send(c, process, request).await, Outcome::Unknown) {
                // Jepsen's convention: a process with an operation in doubt never issues again.
                process += clients;
            }
        }
    }
}

impl<I: Io> State<I> {
    /// The next event of one of this client's devices: a later timestamp, or sometimes a
    /// twin of the device's previous event (same timestamp and payload, another type).
    fn next_event(&mut self, rng: &mut ChaCha8Rng, c: &IngestConfig, rank: usize) -> BehaviourEvent {
        let device_id = rank as u64 * c.devices_per_client + rng.random_range(1..=c.devices_per_client);
        let now_ms = I::now_us() / 1000;
        let types = c.event_types.clamp(1, EVENT_TYPES.len());
        let (event_ts_ms, ty) = match self.last.get(&device_id).copied() {
            Some((ts, ty)) if types > 1 && rng.random_range(0..100) < TWIN_PERCENT => (ts, (ty + 1) % types),
            Some((ts, _)) => (now_ms.max(ts + 1), rng.random_range(0..types)),
            None => (now_ms.max(1), rng.random_range(0..types)),
        };
        self.last.insert(device_id, (event_ts_ms, ty));
        BehaviourEvent {
            device_id,
            event_ts_ms,
            event_type: EVENT_TYPES[ty].to_string(),
            payload: vec![device_id as u8],
        }
    }

    /// The collector a device always uses.
    fn collector_of(&self, device_id: u64) -> usize {
        let n = self.collectors.len().max(1) as u64;
        self.collectors.start + (device_id % n) as usize
    }

    /// Sends and records one event.
    async fn send(&mut self, c: &IngestConfig, process: u64, request: IngestRequest) -> Outcome {
        let trace_id = request.event.trace_id();
        let collector = self.collector_of(request.event.device_id);
        let recorder = OpRecorder { system: NAME, process, f: "send", key: Some(json!(request.event.device_id)) };
        let value = json!(trace_id.to_string());
        let invoke_us = I::now_us();
        self.world.with(|w| {
            recorder.record(w, invoke_us, EventKind::Invoke, value.clone(), None);
            w.records.get_mut::<IngestRecord>().invoked.entry(trace_id.clone()).or_insert(invoke_us);
        });
        let outcome = self.ask(c, collector, &request, invoke_us + c.op_timeout_ms * 1000).await;
        let now = I::now_us();
        self.world.with(|w| {
            let (kind, v, node) = match &outcome {
                Outcome::Acked => (EventKind::Ok, value, Some(node_name(collector))),
                Outcome::Refused(r) => (EventKind::Fail, json!(format!("{r:?}")), Some(node_name(collector))),
                Outcome::Unknown => (EventKind::Info, Value::Null, None),
            };
            recorder.record(w, now, kind, v, node);
        });
        outcome
    }

    /// Sends `request` to `collector` until it is answered for good or `deadline` passes.
    async fn ask(&mut self, c: &IngestConfig, collector: usize, request: &IngestRequest, deadline: u64) -> Outcome {
        let Ok(datagram) = Envelope::request(self.index as u64, request) else { return Outcome::Unknown };
        while I::now_us() < deadline {
            let Some(addr) = self.world.with(|w| w.node_addrs.get(collector).copied()) else { return Outcome::Unknown };
            I::send(&self.socket, addr, &datagram).await;
            let until = (I::now_us() + c.attempt_timeout_ms * 1000).min(deadline);
            let reply =
                receive_reply::<I, IngestReply>(&self.world, &self.socket, &mut self.buf, request.id, until).await;
            match reply.map(|(_, r)| r) {
                Some(IngestReply::Acked { .. }) => return Outcome::Acked,
                Some(IngestReply::Rejected(Rejection::Overloaded)) => {
                    // Back off for the rest of the attempt before resending.
                    I::sleep_until_us(until).await;
                }
                Some(IngestReply::Rejected(r)) => return Outcome::Refused(r),
                Some(IngestReply::Count { .. }) | None => {}
            }
        }
        Outcome::Unknown
    }
}
