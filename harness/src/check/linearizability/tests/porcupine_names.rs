//! Porcupine's kv names (`:get`, `:put`, `:append`, "" for an absent key), Jepsen console
//! logs, and a model defined outside the built-in set checked through `check_with_model`.
use serde_json::{json, Value};

use super::super::*;
use crate::check::models::{ModelError, Outcome, Side};
use crate::history::{parse_edn, parse_jepsen_log};

fn kv(text: &str) -> LinearizabilityResult {
    let hf = parse_edn("kv.txt", text).unwrap();
    check_history_file(ModelKind::Kv, &hf, Budget::default())
}

const KV_OK: &str = "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"x\"}\n\
                     {:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n\
                     {:process 0, :type :ok, :f :put, :key \"k\", :value \"x\"}\n\
                     {:process 1, :type :ok, :f :get, :key \"k\", :value \"\"}\n\
                     {:process 0, :type :invoke, :f :append, :key \"k\", :value \"y\"}\n\
                     {:process 0, :type :ok, :f :append, :key \"k\", :value \"y\"}\n\
                     {:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n\
                     {:process 1, :type :ok, :f :get, :key \"k\", :value \"xy\"}\n";

#[test]
fn kv_get_put_append_valid_history_passes() {
    // The first get overlaps the put, so it may read the absent key as "".
    let r = kv(KV_OK);
    assert!(matches!(r, LinearizabilityResult::Linearizable { ops: 4, keys: 1 }), "{r:?}");
}

#[test]
fn kv_get_put_append_invalid_histories_are_rejected() {
    // Reading "yx": the append cannot have gone before the put that returned before it began.
    let r = kv(&KV_OK.replace("\"xy\"", "\"yx\""));
    let LinearizabilityResult::NotLinearizable(w) = r else { panic!("{r:?}") };
    assert_eq!(w.key, Some(json!("k")));
    assert_eq!(w.model, "kv");
    // A get that starts after the put returned cannot see the key absent.
    let late = "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"x\"}\n\
                {:process 0, :type :ok, :f :put, :key \"k\", :value \"x\"}\n\
                {:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n\
                {:process 1, :type :ok, :f :get, :key \"k\", :value \"\"}\n";
    assert!(matches!(kv(late), LinearizabilityResult::NotLinearizable(_)));
}

#[test]
fn kv_unknown_op_names_line_and_field() {
    let text = "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"x\"}\n\
                {:process 0, :type :ok, :f :put, :key \"k\", :value \"x\"}\n\
                {:process 0, :type :invoke, :f :delete, :key \"k\", :value nil}\n";
    let LinearizabilityResult::InvalidInput(e) = kv(text) else { panic!("expected invalid input") };
    assert_eq!((e.line, e.field.as_deref()), (3, Some("f")));
    assert!(e.message.contains("get, put"), "{e}");
}

#[test]
fn jepsen_etcd_log_as_cas_register() {
    let log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
               INFO  jepsen.util - 0\t:ok\t:write\t1\nINFO  jepsen.util - 1\t:fail\t:read\t:timed-out\n\
               INFO  jepsen.util - 2\t:invoke\t:cas\t[1 3]\nINFO  jepsen.util - 2\t:info\t:cas\t:timed-out\n\
               INFO  jepsen.util - 3\t:invoke\t:read\tnil\nINFO  jepsen.util - 3\t:ok\t:read\t3\n";
    let hf = parse_jepsen_log("etcd.log", log).unwrap();
    let r = check_history_file(ModelKind::CasRegister, &hf, Budget::default());
    assert!(matches!(r, LinearizabilityResult::Linearizable { .. }), "{r:?}");
    // Reading 4, never written, is not linearizable; the report names the cas-register model.
    let hf = parse_jepsen_log("etcd.log", &log.replace("\t:ok\t:read\t3", "\t:ok\t:read\t4")).unwrap();
    let r = check_history_file(ModelKind::CasRegister, &hf, Budget::default());
    let LinearizabilityResult::NotLinearizable(w) = r else { panic!("{r:?}") };
    assert_eq!(w.model, "cas-register");
}

/// A counter a user might bring: `add n` (ok) and `get` observing the total.
struct Counter;

impl Model for Counter {
    type State = i64;
    type Op = (bool, i64);
    fn name(&self) -> &str {
        "counter"
    }
    fn keyed(&self) -> bool {
        false
    }
    fn init(&self) -> i64 {
        0
    }
    fn parse_op(&self, f: &str, input: &Value, outcome: Outcome<'_>) -> Result<Option<(bool, i64)>, ModelError> {
        match (f, outcome) {
            ("add", Outcome::Fail) => Ok(None),
            ("add", _) => input.as_i64().map(|n| Some((false, n))).ok_or_else(|| ModelError::value(Side::Invoke, "n")),
            ("get", Outcome::Ok(v)) => {
                v.as_i64().map(|n| Some((true, n))).ok_or_else(|| ModelError::value(Side::Completion, "n"))
            }
            ("get", _) => Ok(None),
            _ => Err(ModelError::f("add or get")),
        }
    }
    fn step(&self, state: &i64, op: &(bool, i64)) -> Option<i64> {
        match *op {
            (true, n) => (n == *state).then_some(*state),
            (false, n) => state.checked_add(n),
        }
    }
    fn is_read_only(&self, op: &(bool, i64)) -> bool {
        op.0
    }
    fn state_json(&self, state: &i64) -> Value {
        json!(state)
    }
    fn state_from_json(&self, v: &Value) -> Option<i64> {
        v.as_i64()
    }
}

#[test]
fn a_user_model_is_checked_through_check_with_model() {
    let rows = |seen: i64| {
        super::hist(&[
            (0, "invoke", "add", None, json!(2)),
            (0, "ok", "add", None, Value::Null),
            (1, "invoke", "add", None, json!(3)),
            (2, "invoke", "get", None, Value::Null),
            (2, "ok", "get", None, json!(seen)),
            (1, "ok", "add", None, Value::Null),
        ])
    };
    for (seen, ok) in [(2, true), (5, true), (3, false), (0, false)] {
        let hf = HistoryFile::from_history("<counter>", rows(seen));
        match check_with_model(&Counter, &hf, Budget::default()) {
            LinearizabilityResult::Linearizable { .. } => assert!(ok, "get {seen} accepted"),
            LinearizabilityResult::NotLinearizable(w) => {
                assert!(!ok, "get {seen} rejected: {}", w.describe());
                assert_eq!(w.model, "counter");
            }
            other => panic!("{other:?}"),
        }
    }
}
