//! Jepsen Kafka-workload operations parsed out of a history: `:send`, `:poll` and `:txn`
//! carry micro-op lists, `:assign` and `:subscribe` carry key lists.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::check::queue::atom::describe_json;
use crate::check::queue::atom::Atom;
use crate::history::{Event, EventKind, HistoryFile, InputError};

/// Which kind of Kafka operation this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KafkaF {
    /// Only sends.
    Send,
    /// Only polls.
    Poll,
    /// Sends and polls mixed.
    Txn,
    /// Manual partition assignment (replaces the consumer's keys).
    Assign,
    /// Topic subscription (the broker picks partitions).
    Subscribe,
}

/// An `[offset value]` pair; the offset is unknown (`nil`) for a send that timed out.
pub type Pair = (Option<u64>, Atom);

/// One micro-op.
#[derive(Clone, Debug, PartialEq)]
pub enum Mop {
    /// `[:send k v]` or, once acknowledged, `[:send k [offset v]]`.
    Send(Atom, Pair),
    /// `[:poll]` or, completed, `[:poll {k [[offset v] ...]}]`.
    Poll(BTreeMap<Atom, Vec<Pair>>),
}

/// One parsed operation (invocation or completion) and where it came from.
#[derive(Clone, Debug)]
pub struct KafkaOp {
    /// Position in the history's event list.
    pub pos: usize,
    /// Process that issued it.
    pub process: u64,
    /// Invoke, ok, fail or info.
    pub kind: EventKind,
    /// What it does.
    pub f: KafkaF,
    /// Micro-ops (send/poll/txn).
    pub mops: Vec<Mop>,
    /// Keys (assign/subscribe).
    pub keys: Vec<Atom>,
}

/// Key to the pairs an op sent or polled for it, in micro-op order.
pub type PairsByKey = BTreeMap<Atom, Vec<Pair>>;

impl KafkaOp {
    /// Pairs sent per key (`op-write-pairs`); empty unless a send or txn.
    pub fn writes(&self) -> PairsByKey {
        let mut out = PairsByKey::new();
        if matches!(self.f, KafkaF::Send | KafkaF::Txn) {
            for m in &self.mops {
                if let Mop::Send(k, pair) = m {
                    out.entry(k.clone()).or_default().push(pair.clone());
                }
            }
        }
        out
    }

    /// Pairs polled per key (`op-read-pairs`); empty unless a poll or txn.
    pub fn reads(&self) -> PairsByKey {
        let mut out = PairsByKey::new();
        if matches!(self.f, KafkaF::Poll | KafkaF::Txn) {
            for m in &self.mops {
                if let Mop::Poll(by_key) = m {
                    for (k, pairs) in by_key {
                        out.entry(k.clone()).or_default().extend(pairs.iter().cloned());
                    }
                }
            }
        }
        out
    }
}

/// Parse every Kafka op of a history; other ops (`:crash`, `:debug-topic-partitions`) are
/// skipped, as they carry no log information.
pub fn parse_ops(hf: &HistoryFile) -> Result<Vec<KafkaOp>, InputError> {
    let mut out = Vec::new();
    for (pos, ev) in hf.events.iter().enumerate() {
        let err = |msg: String| InputError::at_field(&hf.file, hf.line_of(pos), "value", msg);
        if let Some(op) = parse_op(pos, ev).map_err(err)? {
            out.push(op);
        }
    }
    Ok(out)
}

fn parse_op(pos: usize, ev: &Event) -> Result<Option<KafkaOp>, String> {
    let f = match ev.f.as_str() {
        "send" => KafkaF::Send,
        "poll" => KafkaF::Poll,
        "txn" => KafkaF::Txn,
        "assign" => KafkaF::Assign,
        "subscribe" => KafkaF::Subscribe,
        _ => return Ok(None),
    };
    let mut op = KafkaOp { pos, process: ev.process, kind: ev.kind, f, mops: Vec::new(), keys: Vec::new() };
    match (f, &ev.value) {
        (KafkaF::Assign | KafkaF::Subscribe, Value::Null) => {}
        (KafkaF::Assign | KafkaF::Subscribe, Value::Array(ks)) => {
            op.keys = ks.iter().map(Atom::key_from_json).collect()
        }
        (KafkaF::Assign | KafkaF::Subscribe, v) => {
            return Err(format!("expected a list of keys, got {}", describe_json(v)))
        }
        (_, Value::Array(mops)) => op.mops = mops.iter().map(parse_mop).collect::<Result<_, _>>()?,
        (_, Value::Null) if ev.kind != EventKind::Ok => {}
        (_, v) => {
            return Err(format!("expected a list of micro-ops like [[:send k v] [:poll]], got {}", describe_json(v)))
        }
    }
    Ok(Some(op))
}

fn parse_mop(m: &Value) -> Result<Mop, String> {
    let bad = || format!("expected a micro-op [:send k v] or [:poll {{k [[offset v] ...]}}], got {}", describe_json(m));
    let Value::Array(xs) = m else { return Err(bad()) };
    match (xs.first().and_then(Value::as_str), xs.len()) {
        (Some("send"), 3) => {
            // Jepsen's op-writes-helper: a vector value is [offset value], anything else is the
            // bare value of a send whose offset is unknown.
            let pair = match &xs[2] {
                Value::Array(p) if p.len() == 2 => (offset(&p[0])?, Atom::from_json(&p[1])),
                Value::Array(_) => {
                    return Err(format!("a send's [offset value] needs two items, got {}", describe_json(&xs[2])))
                }
                v => (None, Atom::from_json(v)),
            };
            Ok(Mop::Send(Atom::key_from_json(&xs[1]), pair))
        }
        (Some("poll"), 1) => Ok(Mop::Poll(BTreeMap::new())),
        (Some("poll"), 2) => parse_poll(&xs[1]).map(Mop::Poll),
        _ => Err(bad()),
    }
}

fn parse_poll(v: &Value) -> Result<BTreeMap<Atom, Vec<Pair>>, String> {
    let Value::Object(by_key) = v else {
        return Err(format!("a poll's result must map keys to [[offset value] ...], got {}", describe_json(v)));
    };
    let mut out = BTreeMap::new();
    for (k, pairs) in by_key {
        let Value::Array(pairs) = pairs else {
            return Err(format!("poll of key {k}: expected [[offset value] ...], got {}", describe_json(pairs)));
        };
        let mut parsed = Vec::with_capacity(pairs.len());
        for p in pairs {
            match p {
                Value::Array(p) if p.len() == 2 => parsed.push((offset(&p[0])?, Atom::from_json(&p[1]))),
                other => {
                    return Err(format!(
                        "poll of key {k}: expected an [offset value] pair, got {}",
                        describe_json(other)
                    ))
                }
            }
        }
        out.insert(Atom::key_from_str(k), parsed);
    }
    Ok(out)
}

fn offset(v: &Value) -> Result<Option<u64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            n.as_u64().map(Some).ok_or_else(|| format!("expected a non-negative integer offset, got {n}"))
        }
        other => Err(format!("expected an integer offset or nil, got {}", describe_json(other))),
    }
}
