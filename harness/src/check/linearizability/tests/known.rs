//! Known-bad histories that must be rejected and known-good ones that must pass.
use serde_json::{json, Value};

use super::super::*;
use super::hist;
use crate::history::{to_edn, to_jsonl};

const N: Value = Value::Null;

fn verdict(model: ModelKind, h: &History) -> LinearizabilityResult {
    check_history(model, h, Budget::default())
}

fn assert_bad(model: ModelKind, h: &History) -> FailingWindow {
    match verdict(model, h) {
        LinearizabilityResult::NotLinearizable(w) => w,
        other => panic!("expected NotLinearizable, got {other:?}"),
    }
}

fn assert_good(model: ModelKind, h: &History) {
    match verdict(model, h) {
        LinearizabilityResult::Linearizable { .. } => {}
        other => panic!("expected Linearizable, got {other:?}"),
    }
}

#[test]
fn stale_read_rejected() {
    let h = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
        (0, "invoke", "write", None, json!(2)),
        (0, "ok", "write", None, json!(2)),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, json!(1)),
    ]);
    let w = assert_bad(ModelKind::Register, &h);
    let stuck = &w.ops[w.stuck.unwrap()];
    assert_eq!((stuck.f.as_str(), stuck.output.clone()), ("read", Some(json!(1))));
    let r = to_check_result(&LinearizabilityResult::NotLinearizable(w));
    assert!(!r.ok && r.name == "linearizability");
    assert!(r.detail.contains("stuck at p1 read(null) → 1"), "{}", r.detail);
}

#[test]
fn lost_write_rejected() {
    let k = Some(json!("a"));
    let h = hist(&[
        (0, "invoke", "write", k.clone(), json!("x")),
        (0, "ok", "write", k.clone(), N),
        (1, "invoke", "read", k.clone(), N),
        (1, "ok", "read", k.clone(), N),
    ]);
    assert_bad(ModelKind::Kv, &h);
}

#[test]
fn read_of_never_written_value_rejected() {
    let h = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (1, "invoke", "read", None, N),
        (0, "ok", "write", None, json!(1)),
        (1, "ok", "read", None, json!(5)),
    ]);
    assert_bad(ModelKind::Register, &h);
    assert_bad(ModelKind::CasRegister, &h);
}

#[test]
fn follow_set_missing_completed_follow_rejected() {
    let k = Some(json!(1));
    let h = hist(&[
        (0, "invoke", "follow", k.clone(), json!(2)),
        (0, "ok", "follow", k.clone(), N),
        (1, "invoke", "followers", k.clone(), N),
        (1, "ok", "followers", k.clone(), json!([])),
    ]);
    assert_bad(ModelKind::Follow, &h);
    let h2 = hist(&[
        (0, "invoke", "follow", k.clone(), json!(2)),
        (0, "ok", "follow", k.clone(), N),
        (1, "invoke", "follower_count", k.clone(), N),
        (1, "ok", "follower_count", k.clone(), json!(0)),
    ]);
    assert_bad(ModelKind::Follow, &h2);
}

#[test]
fn cas_success_on_wrong_value_rejected() {
    let h = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
        (1, "invoke", "cas", None, json!([2, 3])),
        (1, "ok", "cas", None, json!([2, 3])),
    ]);
    assert_bad(ModelKind::CasRegister, &h);
}

#[test]
fn concurrent_ops_that_can_be_ordered_pass() {
    // The read overlaps both writes, so it may see either.
    let h = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (1, "invoke", "read", None, N),
        (2, "invoke", "write", None, json!(2)),
        (0, "ok", "write", None, json!(1)),
        (2, "ok", "write", None, json!(2)),
        (1, "ok", "read", None, json!(1)),
    ]);
    assert_good(ModelKind::Register, &h);
    let k = Some(json!(9));
    let f = hist(&[
        (0, "invoke", "follow", k.clone(), json!(1)),
        (1, "invoke", "followers", k.clone(), N),
        (2, "invoke", "follow", k.clone(), json!(2)),
        (1, "ok", "followers", k.clone(), json!([2])),
        (0, "ok", "follow", k.clone(), N),
        (2, "ok", "follow", k.clone(), N),
        (1, "invoke", "is_following", k.clone(), json!(1)),
        (1, "ok", "is_following", k.clone(), json!(true)),
    ]);
    assert_good(ModelKind::Follow, &f);
}

#[test]
fn info_write_observed_late_passes() {
    let h = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "info", "write", None, N),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, N),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, json!(1)),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, json!(1)),
    ]);
    assert_good(ModelKind::Register, &h);
}

#[test]
fn info_write_never_observed_passes() {
    let h = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "info", "write", None, N),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, N),
        (2, "invoke", "cas", None, json!([7, 8])),
    ]);
    assert_good(ModelKind::CasRegister, &h);
}

#[test]
fn failed_write_never_happened() {
    let mut rows = vec![
        (0, "invoke", "write", None, json!(1)),
        (0, "fail", "write", None, json!(1)),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, N),
    ];
    assert_good(ModelKind::Register, &hist(&rows));
    rows[3].4 = json!(1);
    assert_bad(ModelKind::Register, &hist(&rows));
}

#[test]
fn keys_are_checked_independently() {
    let (a, b) = (Some(json!("a")), Some(json!("b")));
    let h = hist(&[
        (0, "invoke", "write", a.clone(), json!(1)),
        (0, "ok", "write", a.clone(), N),
        (1, "invoke", "append", b.clone(), json!("x")),
        (1, "ok", "append", b.clone(), N),
        (1, "invoke", "read", b.clone(), N),
        (1, "ok", "read", b.clone(), json!("x")),
        (0, "invoke", "read", a.clone(), N),
        (0, "ok", "read", a.clone(), json!(1)),
    ]);
    match verdict(ModelKind::Kv, &h) {
        LinearizabilityResult::Linearizable { ops, keys } => assert_eq!((ops, keys), (4, 2)),
        other => panic!("{other:?}"),
    }
    let mut bad = h.clone();
    bad[7].value = json!(2);
    let w = assert_bad(ModelKind::Kv, &bad);
    assert_eq!(w.key, Some(json!("a")));
}

#[test]
fn invalid_inputs_are_reported_not_panicked() {
    let orphan = hist(&[(0, "ok", "read", None, N)]);
    match verdict(ModelKind::Register, &orphan) {
        LinearizabilityResult::InvalidInput(e) => {
            assert_eq!(e.to_string(), "<history>:1: field process: completion for process 0 with no pending invoke")
        }
        other => panic!("{other:?}"),
    }
    let no_key = hist(&[(0, "invoke", "write", None, json!(1)), (0, "ok", "write", None, json!(1))]);
    match verdict(ModelKind::Kv, &no_key) {
        LinearizabilityResult::InvalidInput(e) => assert_eq!((e.line, e.field.as_deref()), (1, Some("key"))),
        other => panic!("{other:?}"),
    }
    let bad_cas = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, N),
        (0, "invoke", "cas", None, json!(3)),
    ]);
    match verdict(ModelKind::CasRegister, &bad_cas) {
        LinearizabilityResult::InvalidInput(e) => assert_eq!((e.line, e.field.as_deref()), (3, Some("value"))),
        other => panic!("{other:?}"),
    }
    let unknown_f = hist(&[(0, "invoke", "frobnicate", None, N)]);
    assert!(matches!(verdict(ModelKind::Register, &unknown_f), LinearizabilityResult::InvalidInput(_)));
    let double = hist(&[(0, "invoke", "read", None, N), (0, "invoke", "read", None, N)]);
    assert!(matches!(verdict(ModelKind::Register, &double), LinearizabilityResult::InvalidInput(_)));
    let r = to_check_result(&verdict(ModelKind::Register, &double));
    assert!(!r.ok && r.detail.starts_with("invalid history: <history>:2: field process"), "{}", r.detail);
}

#[test]
fn budget_exhaustion_is_inconclusive() {
    // Many concurrent unknown-outcome writes and a final impossible read: exponential subsets.
    let mut rows = Vec::new();
    for p in 0..14u64 {
        rows.push((p, "invoke", "write", None, json!(p)));
    }
    for p in 0..14u64 {
        rows.push((p, "info", "write", None, N));
    }
    rows.push((99, "invoke", "read", None, N));
    rows.push((99, "ok", "read", None, json!(1000)));
    let h = hist(&rows);
    match check_history(ModelKind::Register, &h, Budget::steps(200)) {
        LinearizabilityResult::Inconclusive { key, reason } => {
            assert_eq!(key, None);
            assert!(reason.contains("budget of 200 steps"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let r = to_check_result(&check_history(ModelKind::Register, &h, Budget::steps(200)));
    assert!(!r.ok && r.detail.starts_with("inconclusive"));
}

#[test]
fn long_history_shrinks_to_small_window() {
    // 300 sequential write/read pairs, then one stale read: the window must not be the whole key.
    let mut rows = Vec::new();
    for i in 0..300u64 {
        rows.push((0, "invoke", "write", None, json!(i)));
        rows.push((0, "ok", "write", None, json!(i)));
        rows.push((1, "invoke", "read", None, N));
        rows.push((1, "ok", "read", None, json!(i)));
    }
    rows.push((1, "invoke", "read", None, N));
    rows.push((1, "ok", "read", None, json!(17)));
    let h = hist(&rows);
    let w = assert_bad(ModelKind::Register, &h);
    assert_eq!(w.ops.len(), 1, "{:?}", w.ops);
    assert_eq!(w.start_states, vec![json!(299)]);
    assert_eq!(w.ops[w.stuck.unwrap()].output, Some(json!(17)));
    let html = render_timeline_html(&w);
    assert!(html.starts_with("<div class=\"fl-lin\"><style>") && html.ends_with("</div>"));
    assert!(html.contains("fl-lin-stuck"));
}

#[test]
fn failure_in_the_middle_cuts_the_prefix() {
    let mut rows = vec![
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, json!(2)),
    ];
    for i in 0..50u64 {
        rows.push((0, "invoke", "write", None, json!(i)));
        rows.push((0, "ok", "write", None, json!(i)));
    }
    let w = assert_bad(ModelKind::Register, &hist(&rows));
    assert_eq!(w.ops.len(), 1, "{:?}", w.ops);
    assert_eq!(w.start_states, vec![json!(1)]);
    assert_eq!(w.ops[0].output, Some(json!(2)));
}

#[test]
fn timeline_escapes_and_marks_info() {
    let h = hist(&[
        (0, "invoke", "write", None, json!("<b>&\"")),
        (0, "info", "write", None, N),
        (1, "invoke", "write", None, json!(1)),
        (1, "ok", "write", None, N),
        (2, "invoke", "read", None, N),
        (2, "ok", "read", None, json!(5)),
    ]);
    let w = assert_bad(ModelKind::Register, &h);
    let html = render_timeline_html(&w);
    assert!(!html.contains("<b>"), "{html}");
    assert!(html.contains("&lt;b&gt;&amp;"));
    assert!(!html.contains("<script"));
}

#[test]
fn check_file_reads_jepsen_independent_edn_and_jsonl() {
    let dir = std::env::temp_dir().join(format!("faultline-lin-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let edn = dir.join("history.edn");
    std::fs::write(
        &edn,
        "[{:process 0, :type :invoke, :f :write, :value [3 1], :time 1000}\n\
          {:process :nemesis, :type :info, :f :start, :value nil}\n\
          {:process 0, :type :ok, :f :write, :value [3 1], :time 2000}\n\
          {:process 1, :type :invoke, :f :read, :value [3 nil], :time 3000}\n\
          {:process 1, :type :ok, :f :read, :value [3 2], :time 4000}]",
    )
    .unwrap();
    match check_file(&edn, None, ModelKind::Kv, Budget::default()).unwrap() {
        LinearizabilityResult::NotLinearizable(w) => assert_eq!(w.key, Some(json!(3))),
        other => panic!("{other:?}"),
    }
    let hf = load_history(&edn, None, ModelKind::Kv).unwrap();
    assert_eq!(hf.events[0].key, Some(json!(3)));
    assert_eq!(hf.lines, vec![1, 3, 4, 5]);

    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"value\":5}\n").unwrap();
    let e = load_history(&bad, None, ModelKind::CasRegister).unwrap_err();
    assert_eq!(e.to_string(), format!("{}:1: field value: cas expects [old new], got 5", bad.display()));
    let e = check_file(&bad, None, ModelKind::CasRegister, Budget::default()).unwrap_err();
    assert_eq!(e.line, 1);

    // Round trip through both formats keeps the verdict.
    let h = hist(&[
        (0, "invoke", "write", None, json!(1)),
        (0, "ok", "write", None, json!(1)),
        (1, "invoke", "read", None, N),
        (1, "ok", "read", None, json!(1)),
    ]);
    let j = dir.join("h.jsonl");
    std::fs::write(&j, to_jsonl(&h)).unwrap();
    let e2 = dir.join("h.edn");
    std::fs::write(&e2, to_edn(&h)).unwrap();
    for p in [&j, &e2] {
        let r = check_file(p, None, ModelKind::Register, Budget::default()).unwrap();
        assert!(matches!(r, LinearizabilityResult::Linearizable { ops: 2, keys: 1 }), "{r:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
