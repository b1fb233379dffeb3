//! Property tests over both parsers: round trips, and no panics on arbitrary input.
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        "[a-z \"\\\\\n]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z0-9]{0,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_event() -> impl Strategy<Value = Event> {
    (
        0u64..1 << 40,
        0u64..1 << 40,
        0u64..8,
        prop_oneof![Just(EventKind::Invoke), Just(EventKind::Ok), Just(EventKind::Fail), Just(EventKind::Info)],
        "[a-z_]{1,8}|[a-z :/]{0,5}",
        prop::option::of(arb_json().prop_filter("null key means no key", |v| !v.is_null())),
        arb_json(),
        prop::option::of("[a-z0-9 ]{0,4}"),
    )
        .prop_map(|(index, time_us, process, kind, f, key, value, node)| Event {
            index,
            time_us,
            process,
            kind,
            f,
            key,
            value,
            node,
            system: None,
        })
}

proptest! {
    // No regression files: they would land outside this module's directory; failures print
    // the minimal input instead.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn jsonl_round_trip(h in prop::collection::vec(arb_event(), 0..6)) {
        let back = parse_jsonl("h.jsonl", &to_jsonl(&h)).unwrap();
        prop_assert_eq!(back.events, h);
    }

    #[test]
    fn edn_round_trip(h in prop::collection::vec(arb_event(), 0..6)) {
        let back = parse_edn("h.edn", &to_edn(&h)).unwrap();
        prop_assert_eq!(back.events, h);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_jsonl("h.jsonl", &text);
        let _ = parse_edn("h.edn", &text);
    }

    #[test]
    fn edn_like_text_never_panics(text in "[\\[\\]{}()#_:\"\\\\ ,;a-z0-9.\\-+/N\n]{0,80}") {
        let _ = parse_edn("h.edn", &text);
        let _ = parse_jsonl("h.jsonl", &text);
    }

    #[test]
    fn mutated_valid_edn_never_panics(h in prop::collection::vec(arb_event(), 1..4), cut in any::<prop::sample::Index>(), b in any::<u8>()) {
        let mut bytes = to_edn(&h).into_bytes();
        let i = cut.index(bytes.len());
        bytes[i] = b;
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = parse_edn("h.edn", &text) {
            prop_assert!(e.line >= 1);
        }
    }
}

#[test]
fn read_files_and_missing_file() {
    let dir = std::env::temp_dir().join(format!("faultline-history-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let h = vec![Event {
        index: 0,
        time_us: 5,
        process: 1,
        kind: EventKind::Invoke,
        f: "read".into(),
        key: None,
        value: Value::Null,
        node: None,
        system: None,
    }];
    let j = dir.join("h.jsonl");
    write_jsonl(&j, &h).unwrap();
    assert_eq!(read_jsonl(&j).unwrap(), h);
    let e = dir.join("h.edn");
    write_edn(&e, &h).unwrap();
    assert_eq!(read_edn(&e).unwrap(), h);
    assert_eq!(read_history_file(&e, None).unwrap().events, h);
    let err = read_jsonl(dir.join("nope.jsonl")).unwrap_err();
    assert!(err.to_string().contains("nope.jsonl: cannot read"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn floats_round_trip_exactly() {
    // Found by proptest: without serde_json's float_roundtrip this read back one ulp off.
    let h = vec![Event {
        index: 0,
        time_us: 0,
        process: 0,
        kind: EventKind::Invoke,
        f: "a".into(),
        key: None,
        value: json!([-948348.5923909507]),
        node: None,
        system: None,
    }];
    assert_eq!(parse_jsonl("h", &to_jsonl(&h)).unwrap().events, h);
    assert_eq!(parse_edn("h", &to_edn(&h)).unwrap().events, h);
}
