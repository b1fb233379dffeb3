//! Arbitrary (mostly malformed) event sequences: the checker must answer, never panic.
use proptest::prelude::*;
use serde_json::{json, Value};

use super::super::*;

fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        (0i64..4).prop_map(|i| json!(i)),
        Just(json!("x")),
        Just(json!(true)),
        Just(json!(-1)),
        Just(json!(1.5)),
        (0i64..3, 0i64..3).prop_map(|(a, b)| json!([a, b])),
        Just(json!([0, 1, 2])),
        Just(json!({"a": 1})),
    ]
}

fn arb_event() -> impl Strategy<Value = Event> {
    let fs = prop::sample::select(vec![
        "read",
        "write",
        "cas",
        "append",
        "follow",
        "unfollow",
        "is_following",
        "followers",
        "follower_count",
        "bogus",
    ]);
    let kinds = prop::sample::select(vec![EventKind::Invoke, EventKind::Ok, EventKind::Fail, EventKind::Info]);
    (0u64..3, kinds, fs, prop::option::of(0i64..2), arb_value()).prop_map(|(process, kind, f, key, value)| Event {
        index: 0,
        time_us: 0,
        process,
        kind,
        f: f.to_string(),
        key: key.map(|k| json!(k)),
        value,
        node: None,
        system: None,
    })
}

proptest! {
    // No regression files: they would land outside this module's directory; failures print
    // the minimal input instead.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(events in prop::collection::vec(arb_event(), 0..24)) {
        for model in ModelKind::ALL {
            let r = check_history(model, &events, Budget::steps(20_000));
            if let LinearizabilityResult::InvalidInput(e) = &r {
                prop_assert!(e.line >= 1 && e.line <= events.len(), "{e}");
            }
            if let LinearizabilityResult::NotLinearizable(w) = &r {
                let _ = render_timeline_html(w);
                prop_assert!(w.stuck.is_none_or(|s| s < w.ops.len()));
            }
            let _ = to_check_result(&r);
        }
    }
}
