//! `faultline check` over many files: a line per file, a summary, and the exit code of the
//! worst file (2 bad input, naming file and line; else 1 if any is not linearizable).
use std::path::PathBuf;
use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot start faultline: {e}"),
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh directory under cargo's per-test temp dir holding `files`.
fn temp_dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    for (file, contents) in files {
        if let Err(e) = std::fs::write(dir.join(file), contents) {
            panic!("cannot write {file}: {e}");
        }
    }
    dir
}

const GOOD: &str = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n\
                    INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 1\t:ok\t:cas\t[1 2]\n\
                    INFO  jepsen.util - 2\t:invoke\t:read\tnil\nINFO  jepsen.util - 2\t:ok\t:read\t2\n";
/// The cas from 1 to 2 succeeded and returned before the read began, yet the read saw 1.
const BAD: &str = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n\
                   INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\nINFO  jepsen.util - 1\t:ok\t:cas\t[1 2]\n\
                   INFO  jepsen.util - 2\t:invoke\t:read\tnil\nINFO  jepsen.util - 2\t:ok\t:read\t1\n";

#[test]
fn a_directory_expands_to_its_files_in_order_and_one_invalid_file_gives_exit_1() {
    let dir = temp_dir("check-two", &[("b_bad.log", BAD), ("a_good.log", GOOD)]);
    let o = faultline(&["check", dir.to_str().unwrap_or_default(), "--model", "cas-register"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}{}", text(&o.stderr));
    let rows: Vec<&str> = out.lines().filter(|l| l.contains('\t')).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].contains("a_good.log\tlinearizable\t3 ops\t"), "{out}");
    assert!(rows[1].contains("b_bad.log\tNOT linearizable\t3 ops\t"), "{out}");
    assert!(out.contains("summary: 2 file(s), 1 valid, 1 invalid, 0 inconclusive, 0 bad input; 6 ops"), "{out}");

    let good = dir.join("a_good.log");
    let o = faultline(&[
        "check",
        good.to_str().unwrap_or_default(),
        good.to_str().unwrap_or_default(),
        "--model",
        "cas-register",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[test]
fn a_malformed_file_among_good_ones_gives_exit_2_naming_file_and_line() {
    let broken = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:okay\t:write\t1\n";
    let dir = temp_dir("check-broken", &[("a_good.log", GOOD), ("b_broken.log", broken), ("c_bad.log", BAD)]);
    let o = faultline(&["check", dir.to_str().unwrap_or_default(), "--model", "cas-register"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}{err}", text(&o.stdout));
    assert!(err.contains("b_broken.log:2: field type"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        text(&o.stdout).contains("3 file(s), 1 valid, 1 invalid, 0 inconclusive, 1 bad input"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn porcupine_style_kv_histories_are_read_as_edn() {
    let ok = "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n\
              {:process 0, :type :ok, :f :put, :key \"k\", :value \"a\"}\n\
              {:process 1, :type :invoke, :f :append, :key \"k\", :value \"b\"}\n\
              {:process 1, :type :ok, :f :append, :key \"k\", :value \"b\"}\n\
              {:process 2, :type :invoke, :f :get, :key \"k\", :value nil}\n\
              {:process 2, :type :ok, :f :get, :key \"k\", :value \"ab\"}\n\
              {:process 2, :type :invoke, :f :get, :key \"j\", :value nil}\n\
              {:process 2, :type :ok, :f :get, :key \"j\", :value \"\"}\n";
    let bad = ok.replace(":value \"ab\"", ":value \"ba\"");
    let dir = temp_dir("check-kv", &[("ok.txt", ok), ("bad.txt", &bad)]);
    let o = faultline(&["check", dir.join("ok.txt").to_str().unwrap_or_default(), "--model", "kv", "--format", "edn"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let o = faultline(&["check", dir.to_str().unwrap_or_default(), "--model", "kv", "--format", "edn"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).contains("on key \"k\""), "{}", text(&o.stdout));
}
