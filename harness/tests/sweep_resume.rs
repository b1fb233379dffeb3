//! A sweep killed midway (as a preempted worker would be) leaves only complete files, and
//! `--resume` finishes it with the same per-seed verdicts and traces as an uninterrupted sweep.
mod sweep_common;
use std::time::Duration;
use sweep_common::{arg, command, faultline, scratch, stored_seeds, summary, text, verdicts};

/// raft-crash with a planted bug: seeds both pass and fail, about half a second each.
const SWEEP: [&str; 8] =
    ["sweep", "raft-crash", "--seeds", "0..12", "--jobs", "1", "--bug", "raft-read-index-before-own-term-commit"];

#[test]
fn a_killed_sweep_resumes_to_the_outcome_of_an_uninterrupted_one() {
    let killed = scratch("sweep-resume-killed");
    let mut args: Vec<&str> = SWEEP.to_vec();
    args.extend(["--out", arg(&killed)]);
    let mut child = command(&args, &[]).stdout(std::process::Stdio::null()).spawn().expect("spawn faultline sweep");
    while stored_seeds(&killed).len() < 3 {
        assert!(child.try_wait().ok().flatten().is_none(), "the sweep ended before it could be killed");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("kill the sweep");
    let _ = child.wait();
    let stored = stored_seeds(&killed);
    assert!(stored.len() < 12, "all {} seeds were written before the kill", stored.len());
    assert!(!killed.join("sweep.json").exists(), "a killed sweep wrote its summary");
    for path in &stored {
        let parsed: Result<faultline::run::Results, _> =
            serde_json::from_slice(&std::fs::read(path).unwrap_or_default());
        assert!(parsed.is_ok(), "{} is not a complete results file after the kill", path.display());
    }
    // A truncated file (as a non-atomic writer would leave) must be run again, not trusted.
    let first = &stored[0];
    let bytes = std::fs::read(first).unwrap_or_default();
    std::fs::write(first, &bytes[..bytes.len() / 2]).expect("truncate");

    args.push("--resume");
    let resumed = faultline(&args, &[]);
    let resumed_out = String::from_utf8_lossy(&resumed.stdout).into_owned();
    assert!(resumed_out.contains(&format!("{} resumed", stored.len() - 1)), "{}", text(&resumed));

    let fresh = scratch("sweep-resume-fresh");
    let mut fresh_args: Vec<&str> = SWEEP.to_vec();
    fresh_args.extend(["--out", arg(&fresh)]);
    let uninterrupted = faultline(&fresh_args, &[]);
    assert_eq!(resumed.status.code(), uninterrupted.status.code(), "{}", text(&resumed));
    assert_eq!(uninterrupted.status.code(), Some(1), "the planted bug must fail some seed: {}", text(&uninterrupted));
    let (a, b) = (verdicts(&summary(&killed)), verdicts(&summary(&fresh)));
    assert_eq!(a.len(), 12);
    assert_eq!(a, b, "resumed and uninterrupted sweeps differ");
    assert!(a.iter().any(|v| v.1 == "fail") && a.iter().any(|v| v.1 == "pass"), "{a:?}");
    assert!(killed.join("index.html").is_file());
}
