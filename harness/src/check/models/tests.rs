//! Model semantics, one op at a time.
use serde_json::{json, Value};

use super::*;

fn v(x: Value) -> Val {
    Val::from_json(&x)
}

#[test]
fn model_kind_parses() {
    for m in ModelKind::ALL {
        assert_eq!(m.name().parse::<ModelKind>(), Ok(m));
    }
    let e = "bank".parse::<ModelKind>().unwrap_err();
    assert!(e.contains("unknown model \"bank\"") && e.contains("cas-register"), "{e}");
}

#[test]
fn register_steps() {
    let m = Register;
    let s = m.init();
    assert_eq!(m.step_json(&s, "read", &Value::Null, &Value::Null), Ok(Some(Val::Null)));
    assert_eq!(m.step_json(&s, "read", &Value::Null, &json!(1)), Ok(None));
    assert_eq!(m.step_json(&s, "write", &json!(1), &json!(1)), Ok(Some(v(json!(1)))));
    assert_eq!(m.step_json(&s, "cas", &json!([1, 2]), &Value::Null).unwrap_err().field, "f");
    // Failed and unknown reads constrain nothing.
    assert_eq!(m.parse_op("read", &Value::Null, Outcome::Info), Ok(None));
    assert_eq!(m.parse_op("write", &json!(3), Outcome::Fail), Ok(None));
    assert_eq!(m.parse_op("write", &json!(3), Outcome::Info), Ok(Some(RegOp::Write(v(json!(3))))));
}

#[test]
fn cas_register_steps() {
    let m = CasRegister;
    let s = v(json!(1));
    assert_eq!(m.step_json(&s, "cas", &json!([1, 2]), &Value::Null), Ok(Some(v(json!(2)))));
    assert_eq!(m.step_json(&s, "cas", &json!([3, 2]), &Value::Null), Ok(None));
    let e = m.parse_op("cas", &json!(3), Outcome::Fail).unwrap_err();
    assert_eq!((e.side, e.field), (Side::Invoke, "value"));
}

#[test]
fn kv_append() {
    let m = Kv;
    assert!(m.keyed());
    let s = m.step_json(&m.init(), "append", &json!("ab"), &Value::Null).unwrap().unwrap();
    let s = m.step_json(&s, "append", &json!("c"), &Value::Null).unwrap().unwrap();
    assert_eq!(s.to_val(), v(json!("abc")));
    assert_eq!(m.step_json(&KvState::from_val(&v(json!(1))), "append", &json!("c"), &Value::Null), Ok(None));
    assert!(m.parse_op("append", &json!(1), Outcome::Info).is_err());
}

#[test]
fn follow_steps() {
    let m = Follow;
    let s = m.step_json(&m.init(), "follow", &json!(2), &Value::Null).unwrap().unwrap();
    let s = m.step_json(&s, "follow", &json!(1), &Value::Null).unwrap().unwrap();
    let s2 = m.step_json(&s, "follow", &json!(1), &Value::Null).unwrap().unwrap();
    assert_eq!(s, s2, "follow is idempotent");
    assert!(m.step_json(&s, "followers", &Value::Null, &json!([2, 1])).unwrap().is_some());
    assert!(m.step_json(&s, "followers", &Value::Null, &json!([1, 1, 2])).unwrap().is_none());
    assert!(m.step_json(&s, "follower_count", &Value::Null, &json!(2)).unwrap().is_some());
    assert!(m.step_json(&s, "is_following", &json!(2), &json!(true)).unwrap().is_some());
    assert!(m.step_json(&s, "is_following", &json!(3), &json!(true)).unwrap().is_none());
    let s = m.step_json(&s, "unfollow", &json!(2), &Value::Null).unwrap().unwrap();
    assert_eq!(s, vec![v(json!(1))]);
    let e = m.parse_op("followers", &Value::Null, Outcome::Ok(&json!(3))).unwrap_err();
    assert_eq!((e.side, e.field), (Side::Completion, "value"));
    assert_eq!(m.parse_op("follower_count", &Value::Null, Outcome::Info), Ok(None));
}
