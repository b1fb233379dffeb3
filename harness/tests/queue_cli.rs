//! `faultline check FILE --model total-queue|kafka`: exit 0 valid, 1 anomalies, 2 bad input
//! naming file and line.
use std::path::PathBuf;
use std::process::{Command, Output};

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn check(file: &str, model: &str) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_faultline")).args(["check", file, "--model", model]).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot start faultline: {e}"),
    }
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn temp_file(name: &str, contents: &str) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if let Err(e) = std::fs::write(&path, contents) {
        panic!("cannot write {}: {e}", path.display());
    }
    path.display().to_string()
}

#[test]
fn total_queue_prints_jepsen_counts_and_exits_0_or_1() {
    let o = check(&data("total-queue-valid.edn"), "total-queue");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    for count in ["attempt-count 3", "acknowledged-count 1", "ok-count 2", "lost-count 0", "recovered-count 1"] {
        assert!(out.contains(count), "missing {count}: {out}");
    }
    assert!(out.contains("verdict: valid"), "{out}");

    let o = check(&data("total-queue-lost.edn"), "total-queue");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("lost-count 1") && out.contains("lost: 7"), "{out}");
}

#[test]
fn kafka_names_each_anomaly_with_its_operations() {
    let o = check(&data("kafka-valid.edn"), "kafka");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("no anomalies"), "{out}");

    let o = check(&data("kafka-lost-write.edn"), "kafka");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("lost-write on key 0") && out.contains("op 1 (line 3"), "{out}");

    let o = check(&data("kafka-g1a.edn"), "kafka");
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("G1a on key :x") && out.contains("op 3 (line 5"), "{out}");
}

#[test]
fn malformed_queue_histories_are_bad_input_naming_file_and_line() {
    let f = temp_file("bad-kafka.edn", "{:type :ok, :f :send, :value [[:send 0 [0 1]]], :process 0}\n{:type :ok, :f :poll, :value [[:poll 7]], :process 1}\n");
    let o = check(&f, "kafka");
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad-kafka.edn:2") && !err.contains("panicked"), "{err}");

    let f = temp_file(
        "crashed-drain.edn",
        "{:type :invoke, :f :drain, :process 0}\n{:type :info, :f :drain, :process 0}\n",
    );
    let o = check(&f, "total-queue");
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("crashed-drain.edn:2"), "{err}");

    let o = check("no-such-queue.edn", "kafka");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no-such-queue.edn"));
}
