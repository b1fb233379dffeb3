use super::*;
use crate::history::parse_edn;

fn report(edn: &str) -> (HistoryFile, KafkaReport) {
    let hf = parse_edn("k.edn", edn).unwrap();
    let r = analyze(&hf).unwrap();
    (hf, r)
}

fn names(r: &KafkaReport) -> Vec<&'static str> {
    r.anomalies.iter().map(|a| a.name).collect()
}

/// Process 0 sends 1 and 2 to :x, process 1 polls both in order.
const GOOD: &str = r#"
{:process 0, :type :invoke, :f :send, :value [[:send :x 1]]}
{:process 0, :type :ok, :f :send, :value [[:send :x [0 1]]]}
{:process 0, :type :invoke, :f :send, :value [[:send :x 2]]}
{:process 0, :type :ok, :f :send, :value [[:send :x [1 2]]]}
{:process 1, :type :invoke, :f :assign, :value [:x]}
{:process 1, :type :ok, :f :assign, :value [:x]}
{:process 1, :type :invoke, :f :poll, :value [[:poll]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 1]]}]]}
{:process 1, :type :invoke, :f :poll, :value [[:poll]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[1 2]]}]]}
"#;

#[test]
fn accepts_a_clean_history() {
    let (hf, r) = report(GOOD);
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
    assert!(r.unseen.is_empty());
    let c = to_check_result(KAFKA, &hf, &r);
    assert!(c.ok && c.detail.contains("no anomalies"), "{}", c.detail);
}

#[test]
fn inconsistent_offsets() {
    let h = r#"{:process 0, :type :ok, :f :send, :value [[:send :x [0 1]]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 9]]}]]}"#;
    let (hf, r) = report(h);
    // The acknowledged 1 was displaced by 9, which an ok poll saw: Jepsen calls that lost too.
    assert_eq!(names(&r), ["inconsistent-offsets", "lost-write"]);
    assert_eq!(r.anomalies[0].events, vec![0, 1]);
    let c = to_check_result(KAFKA, &hf, &r);
    assert!(!c.ok && c.detail.contains("offset 0 holds values 1, 9") && c.detail.contains("line 2"), "{}", c.detail);
}

#[test]
fn duplicate() {
    let h = r#"{:process 0, :type :ok, :f :send, :value [[:send :x [0 1]]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 1] [1 1]]}]]}"#;
    let (_, r) = report(h);
    assert!(names(&r).contains(&"duplicate"), "{:?}", r.anomalies);
    assert!(r.anomalies[0].what.contains("offsets 0, 1"));
}

#[test]
fn lost_write_needs_a_later_poll() {
    // 1 at offset 0 acknowledged; a poll saw offset 1 but nobody ever saw 1.
    let h = r#"{:process 0, :type :ok, :f :send, :value [[:send :x [0 1]]]}
{:process 0, :type :ok, :f :send, :value [[:send :x [1 2]]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[1 2]]}]]}"#;
    let (_, r) = report(h);
    assert_eq!(names(&r), ["lost-write"]);
    assert_eq!(r.anomalies[0].events, vec![0, 2]);
    // Without the poll past it, 1 is merely unseen.
    let h = r#"{:process 0, :type :ok, :f :send, :value [[:send :x [0 1]]]}"#;
    let (hf, r) = report(h);
    assert!(r.anomalies.is_empty());
    assert_eq!(r.unseen.get(&Atom::Text("x".into())).map(BTreeSet::len), Some(1));
    assert!(to_check_result(KAFKA, &hf, &r).ok);
}

#[test]
fn an_info_send_never_polled_is_not_lost() {
    let h = r#"{:process 0, :type :info, :f :send, :value [[:send :x 1]]}
{:process 0, :type :ok, :f :send, :value [[:send :x [1 2]]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[1 2]]}]]}"#;
    assert!(report(h).1.anomalies.is_empty());
}

#[test]
fn poll_skip_and_nonmonotonic_poll() {
    let sends = r#"{:process 0, :type :ok, :f :send, :value [[:send :x [0 1]] [:send :x [1 2]] [:send :x [2 3]]]}
"#;
    let skip = format!(
        "{sends}{}",
        r#"{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 1]]}]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[2 3]]}]]}
{:process 2, :type :ok, :f :poll, :value [[:poll {:x [[0 1] [1 2] [2 3]]}]]}"#
    );
    let (_, r) = report(&skip);
    assert_eq!(names(&r), ["poll-skip"]);
    assert_eq!(r.anomalies[0].events, vec![1, 2]);
    assert!(r.anomalies[0].what.contains("skipping 2"), "{}", r.anomalies[0].what);
    let rewind = format!(
        "{sends}{}",
        r#"{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 1] [1 2]]}]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[1 2] [2 3]]}]]}"#
    );
    assert_eq!(names(&report(&rewind).1), ["nonmonotonic-poll"]);
    // An assign that drops the key in between resets the process's position.
    let reassigned = format!(
        "{sends}{}",
        r#"{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 1] [1 2]]}]]}
{:process 1, :type :ok, :f :assign, :value [:y]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 1] [1 2] [2 3]]}]]}"#
    );
    assert!(report(&reassigned).1.anomalies.is_empty());
}

#[test]
fn subscribe_allows_poll_skips_like_jepsen() {
    let h = r#"{:process 0, :type :ok, :f :send, :value [[:send 0 [0 1]] [:send 0 [1 2]] [:send 0 [2 3]]]}
{:process 1, :type :ok, :f :subscribe, :value [0]}
{:process 1, :type :ok, :f :poll, :value [[:poll {0 [[0 1]]}]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {0 [[2 3]]}]]}
{:process 2, :type :ok, :f :poll, :value [[:poll {0 [[1 2]]}]]}"#;
    let (hf, r) = report(h);
    assert_eq!(names(&r), ["poll-skip"]);
    assert!(r.valid());
    assert!(anomaly_lines(&hf, &r)[0].contains("allowed"));
}

#[test]
fn nonmonotonic_send() {
    let h = r#"{:process 0, :type :ok, :f :send, :value [[:send :x [1 1]]]}
{:process 0, :type :ok, :f :send, :value [[:send :x [0 2]]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 2] [1 1]]}]]}"#;
    assert_eq!(names(&report(h).1), ["nonmonotonic-send"]);
}

#[test]
fn g1a_aborted_read() {
    let h = r#"{:process 0, :type :invoke, :f :send, :value [[:send :x 1]]}
{:process 0, :type :fail, :f :send, :value [[:send :x 1]]}
{:process 1, :type :ok, :f :poll, :value [[:poll {:x [[0 1]]}]]}"#;
    let (_, r) = report(h);
    assert_eq!(names(&r), ["G1a"]);
    assert_eq!(r.anomalies[0].events, vec![1, 2]);
}

#[test]
fn malformed_micro_ops_name_the_line() {
    for bad in [
        "{:process 0, :type :ok, :f :send, :value 3}",
        "{:process 0, :type :ok, :f :send, :value [[:send :x [-1 1]]]}",
        "{:process 0, :type :ok, :f :poll, :value [[:poll [1 2]]]}",
        "{:process 0, :type :ok, :f :poll, :value [[:poll {:x [1]}]]}",
        "{:process 0, :type :ok, :f :assign, :value 3}",
        "{:process 0, :type :ok, :f :txn, :value [[:read :x]]}",
    ] {
        let hf = parse_edn("k.edn", &format!("\n{bad}")).unwrap();
        let e = analyze(&hf).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (2, Some("value")), "{bad}: {e}");
    }
}

#[test]
fn an_empty_history_says_so() {
    let (hf, r) = report("[]");
    let c = to_check_result(KAFKA, &hf, &r);
    assert!(c.ok && c.detail.contains("nothing to judge"));
}
