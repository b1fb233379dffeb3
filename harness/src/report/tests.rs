//! End-to-end tests of `write_report` on empty, synthetic and pathological runs.
use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use super::write::write_report_sized;
use super::*;
use crate::check::CheckResult;
use crate::history::FaultWindow;
use crate::history::{Event, EventKind};

/// Small charts keep debug-mode PNG encoding cheap; layout is exercised all the same.
const SMALL: (u32, u32) = (480, 240);
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A fresh, empty scratch directory unique to this test and process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-report-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn ev(index: u64, time_us: u64, process: u64, kind: EventKind, f: &str) -> Event {
    Event {
        index,
        time_us,
        process,
        kind,
        f: f.to_string(),
        key: Some(serde_json::json!(process % 3)),
        value: serde_json::json!(index),
        node: Some(format!("n{}", process % 5 + 1)),
        system: None,
    }
}

fn fw(kind: &str, desc: &str, start_s: f64, end_s: Option<f64>) -> FaultWindow {
    FaultWindow {
        kind: kind.into(),
        description: desc.into(),
        nodes: vec!["n1".into(), "n3".into()],
        start_us: (start_s * 1e6) as u64,
        end_us: end_s.map(|e| (e * 1e6) as u64),
    }
}

/// Five fault windows over 30 s: partitions, a crash, an instant clock bump and a pause that
/// never heals.
fn faults() -> Vec<FaultWindow> {
    vec![
        fw("partition", "isolate n3", 4.0, Some(9.0)),
        fw("crash", "crash n1", 11.0, Some(13.5)),
        fw("clock-bump", "n2 +5s", 15.0, Some(15.0)),
        fw("partition", "majority {n1,n2,n3} | {n4,n5}", 17.0, Some(21.0)),
        fw("pause", "pause n4", 26.0, None),
    ]
}

/// `n_ops` operations spread over `span_us` by `procs` clients: mostly fast oks, slow and
/// failing during faults, some timeouts (info, after which the process is retired), and one
/// invoke left pending at the end. A fixed xorshift keeps it deterministic without a crate.
fn synthetic(n_ops: usize, span_us: u64, procs: u64) -> Vec<Event> {
    let faults = faults();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let fs = ["read", "write", "cas"];
    let mut h = Vec::new();
    // (process, busy until): a client issues only once its previous op completed, and a
    // client whose op ended in info is retired (Jepsen's rule), replaced by a new process.
    let mut clients: Vec<(u64, u64)> = (0..procs).map(|p| (p, 0)).collect();
    let mut next_process = procs;
    for i in 0..n_ops {
        let t = i as u64 * span_us / n_ops as u64 + rnd() % 1000;
        let first = (rnd() % clients.len() as u64) as usize;
        let free = (0..clients.len()).map(|k| (first + k) % clients.len()).find(|&k| clients[k].1 <= t);
        let slot = free.unwrap_or_else(|| {
            clients.push((next_process, 0));
            next_process += 1;
            clients.len() - 1
        });
        let p = clients[slot].0;
        let f = fs[(rnd() % 3) as usize];
        let faulty = faults.iter().any(|w| w.start_us <= t && t < w.end_us.unwrap_or(u64::MAX));
        let r = rnd() % 100;
        let (kind, lat) = match (faulty, r) {
            (_, 0..=2) | (true, 3..=12) => (EventKind::Info, 1_000_000),
            (true, 13..=30) => (EventKind::Fail, 50_000 + rnd() % 400_000),
            (true, _) => (EventKind::Ok, 20_000 + rnd() % 600_000),
            (false, 3..=5) => (EventKind::Fail, 500 + rnd() % 5_000),
            (false, _) => (EventKind::Ok, 800 + rnd() % 15_000),
        };
        h.push(ev(0, t, p, EventKind::Invoke, f));
        h.push(ev(0, t + lat, p, kind, f));
        clients[slot].1 = t + lat + 1;
        if kind == EventKind::Info {
            clients[slot] = (next_process, 0);
            next_process += 1;
        }
    }
    h.push(ev(0, span_us - 10, next_process + 1, EventKind::Invoke, "read"));
    h.sort_by_key(|e| e.time_us);
    for (i, e) in h.iter_mut().enumerate() {
        e.index = i as u64;
    }
    h
}

fn checks() -> Vec<CheckResult> {
    vec![
        CheckResult::pass("raft-safety", "5 invariants held over 812 samples"),
        CheckResult::fail("linearizability", "key 2: read <script>alert(1)</script> & \"x\" not linearizable"),
        CheckResult::pass("exactly-once", "acked 120, lost 0, duplicated 0"),
    ]
}

const REPRO: &str = "faultline run social --seed 42 --engine madsim";

fn input<'a>(
    history: &'a [Event],
    faults: &'a [FaultWindow],
    checks: &'a [CheckResult],
    sections: &'a [ReportSection],
) -> ReportInput<'a> {
    ReportInput {
        title: "social seed 42 (madsim)",
        verdict_ok: false,
        checks,
        history,
        faults,
        sim_end_us: 30_000_000,
        repro: REPRO,
        results_json: "{\n  \"verdict\": \"fail\",\n  \"note\": \"<b>\"\n}",
        sections,
    }
}

fn assert_png(path: &std::path::Path, min_len: usize) {
    let bytes = fs::read(path).unwrap();
    assert!(bytes.starts_with(PNG_MAGIC), "{} is not a PNG", path.display());
    assert!(bytes.len() > min_len, "{} is only {} bytes", path.display(), bytes.len());
}

#[test]
fn empty_history_and_no_faults() {
    let dir = scratch("empty");
    let inp = ReportInput {
        title: "empty",
        verdict_ok: true,
        checks: &[],
        history: &[],
        faults: &[],
        sim_end_us: 0,
        repro: "faultline run empty",
        results_json: "{}",
        sections: &[],
    };
    let files = write_report_sized(&dir, &inp, SMALL).unwrap();
    assert_eq!(files.paths.len(), 5);
    for p in &files.paths {
        assert!(p.is_file(), "{} missing", p.display());
    }
    assert_eq!(fs::read_to_string(dir.join(HISTORY_FILE)).unwrap(), "");
    assert_eq!(fs::read_to_string(dir.join(FAULTS_FILE)).unwrap(), "[]\n");
    assert_png(&dir.join(RAW_PNG), 1000);
    assert!(fs::read_to_string(dir.join(INDEX_FILE)).unwrap().contains("PASS"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn synthetic_run_writes_everything() {
    let dir = scratch("synthetic");
    let history = synthetic(300, 30_000_000, 6);
    let faults = faults();
    let checks = checks();
    let extra = vec![ReportSection::html("Linearizability <failure>", "<div id=\"lin\">timeline</div>".to_string())];
    let files = write_report_sized(&dir, &input(&history, &faults, &checks, &extra), SMALL).unwrap();
    let names: Vec<_> = files.paths.iter().map(|p| p.file_name().unwrap().to_str().unwrap().to_string()).collect();
    assert_eq!(names, [HISTORY_FILE, FAULTS_FILE, RAW_PNG, QUANTILES_PNG, INDEX_FILE]);

    let jsonl = fs::read_to_string(dir.join(HISTORY_FILE)).unwrap();
    let back: Vec<Event> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(back, history);
    let back: Vec<FaultWindow> = serde_json::from_str(&fs::read_to_string(dir.join(FAULTS_FILE)).unwrap()).unwrap();
    assert_eq!(back, faults);

    assert_png(&dir.join(RAW_PNG), 5000);
    assert_png(&dir.join(QUANTILES_PNG), 5000);

    let html = fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
    assert!(html.contains("class=\"verdict fail\">FAIL<"));
    for c in &checks {
        assert!(html.contains(&format!("<td class=\"name\">{}</td>", c.name)), "{}", c.name);
    }
    assert!(html.contains("read &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"));
    assert!(!html.contains("<script"), "unescaped script tag in page");
    assert!(html.contains(&format!("<pre class=\"repro\">{REPRO}</pre>")));
    assert!(html.contains("<h2>Linearizability &lt;failure&gt;</h2><div id=\"lin\">timeline</div>"));
    assert!(html.contains("&quot;note&quot;: &quot;&lt;b&gt;&quot;"));
    assert!(html.contains("src=\"latency-raw.png\"") && html.contains("src=\"latency-quantiles.png\""));
    assert!(html.contains("<svg class=\"timeline\""));
    assert!(html.contains("not healed"), "unended fault not shown as such");
    assert!(html.contains("1 never completed"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn same_input_gives_identical_files() {
    let history = synthetic(120, 10_000_000, 4);
    let faults = faults();
    let checks = checks();
    let (a, b) = (scratch("det-a"), scratch("det-b"));
    let inp = input(&history, &faults, &checks, &[]);
    let fa = write_report_sized(&a, &inp, SMALL).unwrap();
    let fb = write_report_sized(&b, &inp, SMALL).unwrap();
    for (pa, pb) in fa.paths.iter().zip(&fb.paths) {
        assert_eq!(fs::read(pa).unwrap(), fs::read(pb).unwrap(), "{} differs", pa.display());
    }
    fs::remove_dir_all(&a).unwrap();
    fs::remove_dir_all(&b).unwrap();
}

#[test]
fn pathological_inputs_do_not_panic() {
    use EventKind::*;
    let huge = u64::MAX / 2;
    let history = vec![
        ev(0, 0, 1, Invoke, "read"),
        ev(1, huge, 1, Fail, "read"), // enormous latency
        ev(2, 10, 2, Invoke, "write"),
        ev(3, 5, 2, Fail, "write"), // completes before it invokes
        ev(4, 7, 9, Ok, "write"),   // completion without invoke
        ev(5, 20, 3, Invoke, "👻 <b>"),
        ev(6, 20, 3, Fail, "👻 <b>"), // zero latency, odd name
    ];
    let faults = vec![
        fw("crash", "<i>", 0.0, None),
        fw("loss", "", 5.0, Some(1.0)), // ends before it starts
        FaultWindow { start_us: u64::MAX, ..fw("bump", "late", 0.0, None) },
    ];
    let dir = scratch("patho");
    let inp = ReportInput {
        title: "all failed & <weird>",
        verdict_ok: false,
        checks: &[],
        history: &history,
        faults: &faults,
        sim_end_us: 0,
        repro: "",
        results_json: "",
        sections: &[],
    };
    write_report_sized(&dir, &inp, SMALL).unwrap();
    // Degenerate chart sizes must not panic either.
    write_report_sized(&dir, &inp, (1, 1)).unwrap();
    fs::remove_dir_all(&dir).unwrap();
}

/// Writes a full-size report of 5000 events to target/report-demo for eyeballing, and times
/// it. Run with `cargo test --release -p faultline --lib report::tests::demo -- --ignored
/// --nocapture`.
#[test]
#[ignore = "demo: writes a full-size report for eyeballing and prints its timing"]
fn demo_full_size_and_timing() {
    let history = synthetic(2500, 30_000_000, 8);
    assert_eq!(history.len(), 5001);
    let faults = faults();
    let checks = checks();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/report-demo");
    let start = Instant::now();
    write_report(&dir, &input(&history, &faults, &checks, &[])).unwrap();
    println!("5001-event report written to {} in {:?}", dir.display(), start.elapsed());
    let empty = ReportInput { history: &[], faults: &[], sim_end_us: 0, ..input(&[], &[], &checks, &[]) };
    write_report(&dir.with_file_name("report-demo-empty"), &empty).unwrap();
}

#[test]
fn a_crdt_run_adds_the_convergence_chart_and_section() {
    let dir = scratch("convergence");
    let history = synthetic(60, 30_000_000, 3);
    let faults = faults();
    let checks = checks();
    let divergence = Divergence {
        points: vec![(0, 0), (1_000_000, 3), (2_000_000, 2), (20_000_000, 3), (20_400_000, 0)],
        pairs: 3,
        heal_us: 20_000_000,
        converged_after_heal_s: Some(0.4),
    };
    let sections = [convergence_section(divergence.clone())];
    let inp = input(&history, &faults, &checks, &sections);
    let files = write_report_sized(&dir, &inp, SMALL).unwrap();
    let names: Vec<_> = files.paths.iter().map(|p| p.file_name().unwrap().to_str().unwrap().to_string()).collect();
    assert_eq!(names, [HISTORY_FILE, FAULTS_FILE, RAW_PNG, QUANTILES_PNG, "convergence.png", INDEX_FILE]);
    assert_png(&dir.join("convergence.png"), 2000);
    let html = fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
    assert!(html.contains("<h2>CRDT convergence</h2>") && html.contains("convergence.png"));
    // A replica that never reported: an empty chart says so rather than failing.
    let empty = Divergence { points: Vec::new(), converged_after_heal_s: None, ..divergence };
    let sections = [convergence_section(empty)];
    let inp = ReportInput { sections: &sections, ..inp };
    write_report_sized(&dir, &inp, SMALL).unwrap();
    assert_png(&dir.join("convergence.png"), 1000);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_logsync_run_adds_the_staleness_chart_and_section() {
    let dir = scratch("staleness");
    let history = synthetic(60, 30_000_000, 3);
    let faults = faults();
    let checks = checks();
    let stale = StalenessPoints {
        reads: vec![(5, 1_000_000, 0.0), (6, 2_000_000, 12.5), (7, 9_000_000, 300.0), (5, 20_000_000, 3.0)],
        replicas: vec![5, 6, 7],
        bound_ms: 250,
    };
    let sections = [staleness_section(stale.clone())];
    let inp = input(&history, &faults, &checks, &sections);
    let files = write_report_sized(&dir, &inp, SMALL).unwrap();
    let names: Vec<_> = files.paths.iter().map(|p| p.file_name().unwrap().to_str().unwrap().to_string()).collect();
    assert_eq!(names, [HISTORY_FILE, FAULTS_FILE, RAW_PNG, QUANTILES_PNG, "staleness.png", INDEX_FILE]);
    assert_png(&dir.join("staleness.png"), 2000);
    let html = fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
    assert!(html.contains("<h2>LogSync staleness</h2>") && html.contains("staleness.png"));
    let empty = StalenessPoints { reads: Vec::new(), ..stale.clone() };
    let sections = [staleness_section(empty)];
    write_report_sized(&dir, &ReportInput { sections: &sections, ..inp }, SMALL).unwrap();
    assert_png(&dir.join("staleness.png"), 1000);
    fs::remove_dir_all(&dir).unwrap();
}

/// A CRDT-style convergence section, as the CRDT system builds it.
fn convergence_section(div: Divergence) -> ReportSection {
    let figure = Figure {
        file: "convergence.png",
        alt: "divergence",
        caption: "differing pairs".into(),
        draw: Box::new(move |root, d| draw_convergence(root, d, &div)),
    };
    ReportSection::figure("CRDT convergence", figure)
}

/// A LogSync-style staleness section.
fn staleness_section(points: StalenessPoints) -> ReportSection {
    let figure = Figure {
        file: "staleness.png",
        alt: "staleness",
        caption: "reads behind".into(),
        draw: Box::new(move |root, d| draw_staleness(root, d, &points)),
    };
    ReportSection::figure("LogSync staleness", figure)
}
