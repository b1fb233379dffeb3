use serde_json::json;

use super::*;

#[test]
fn jepsen_vector_with_nemesis_and_records() {
    let text = r#"[{:type :invoke, :f :read, :value nil, :process 0, :time 1000, :index 0}
 {:type :info, :f :start-partition, :value :majority, :process :nemesis, :time 2000, :index 1}
 #jepsen.history.Op{:type :ok, :f :read, :value #{3 1 2}, :process 0, :time 3500, :index 2}
 {:type :invoke, :f :write, :value [1 {:a nil, 2 "x"}], :process 1, :time 4000, :index 3, :node "n1"}]"#;
    let h = parse_edn("h.edn", text).unwrap();
    assert_eq!(h.events.len(), 3);
    assert_eq!(h.lines, vec![1, 3, 4]);
    let e = &h.events[1];
    assert_eq!((e.kind, e.process, e.time_us, e.index), (EventKind::Ok, 0, 3, 2));
    assert_eq!(e.value, json!([1, 2, 3]));
    assert_eq!(h.events[2].value, json!([1, {"a": null, "2": "x"}]));
    assert_eq!(h.events[2].node.as_deref(), Some("n1"));
}

#[test]
fn one_map_per_line() {
    let text = "{:type :invoke, :f :cas, :value [1 2], :process 3}\n{:type :fail, :f :cas, :value [1 2], :process 3}\n";
    let h = parse_edn("h.edn", text).unwrap();
    assert_eq!(h.events.len(), 2);
    assert_eq!(h.events[1].kind, EventKind::Fail);
    assert_eq!(h.events[1].index, 1);
}

#[test]
fn round_trip() {
    let h = vec![
        Event {
            index: 0,
            time_us: 12,
            process: 4,
            kind: EventKind::Invoke,
            f: "is_following".into(),
            key: Some(json!(7)),
            value: json!({"x": [1.5, -2, "q\"\\\n\u{1}"], "y": null, "z": true}),
            node: Some("n 2".into()),
            system: None,
        },
        Event {
            index: 1,
            time_us: 0,
            process: 0,
            kind: EventKind::Info,
            f: "weird name/with:colon".into(),
            key: None,
            value: json!(u64::MAX),
            node: None,
            system: None,
        },
    ];
    let text = to_edn(&h);
    assert_eq!(parse_edn("h.edn", &text).unwrap().events, h);
}

#[test]
fn errors_name_line_and_field() {
    let bad_type = "{:type :invoke, :f :read, :process 0}\n{:type :bogus, :f :read, :process 0}";
    let e = parse_edn("history.edn", bad_type).unwrap_err();
    assert_eq!(e.to_string(), "history.edn:2: field :type: expected :invoke, :ok, :fail or :info, got :bogus");

    let e = parse_edn("h.edn", "[{:type :ok, :process 0}]").unwrap_err();
    assert_eq!((e.line, e.field.as_deref(), e.message.as_str()), (1, Some(":f"), "missing"));

    let e = parse_edn("h.edn", "[{:type :ok, :f :read, :process 0}\n {:type :ok, :f :read, :process 0}").unwrap_err();
    assert!(e.message.contains("unterminated vector"), "{e}");

    let e = parse_edn("h.edn", "[\n{:type :ok, :f :read,\n :process \"p1\"}]").unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (3, Some(":process")));
    let e = parse_edn("h.edn", "{:type :ok, :f :read, :process 1.5}").unwrap_err();
    assert_eq!(e.field.as_deref(), Some(":process"));
    let e = parse_edn("h.edn", "{:type :ok, :f :read, :process -1}").unwrap_err();
    assert_eq!(e.field.as_deref(), Some(":process"));

    let e = parse_edn("h.edn", "[1 2]").unwrap_err();
    assert!(e.message.contains("expected an op map"), "{e}");
    let e = parse_edn("h.edn", "{:type :ok, :f :read, :process 1, :time -5}").unwrap_err();
    assert_eq!(e.field.as_deref(), Some(":time"));
}
