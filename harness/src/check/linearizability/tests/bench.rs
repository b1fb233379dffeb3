//! Throughput on realistic histories; `cargo test -p faultline --lib bench -- --ignored --nocapture`.
use std::time::Instant;

use super::super::*;

fn spec(model: ModelKind, ops: usize, keys: usize, clients: usize, seed: u64) -> SynthSpec {
    SynthSpec { model, ops, keys, clients, info_permille: 20, seed }
}

#[test]
fn synthetic_histories_are_linearizable() {
    for model in ModelKind::ALL {
        for seed in 0..5 {
            let h = synthetic_history(spec(model, 1000, 5, 4, seed));
            let r = check_history(model, &h, Budget::default());
            assert!(matches!(r, LinearizabilityResult::Linearizable { .. }), "{model} seed {seed}: {r:?}");
        }
    }
}

#[test]
fn corrupted_synthetic_history_is_caught() {
    let mut h = synthetic_history(spec(ModelKind::Kv, 1000, 5, 4, 7));
    // Make one late read return a value nobody wrote.
    let pos = h.iter().rposition(|e| e.kind == EventKind::Ok && e.f == "read").unwrap();
    h[pos].value = serde_json::json!(12345);
    match check_history(ModelKind::Kv, &h, Budget::default()) {
        LinearizabilityResult::NotLinearizable(w) => {
            assert!(w.ops.len() < 20, "window of {} ops", w.ops.len());
            assert_eq!(w.ops[w.stuck.unwrap()].output, Some(serde_json::json!(12345)));
        }
        r => panic!("{r:?}"),
    }
}

#[test]
#[ignore = "benchmark; run with --ignored --nocapture"]
fn bench_ops_per_second() {
    for (model, ops, keys, clients) in [
        (ModelKind::Kv, 1000, 5, 4),
        (ModelKind::Kv, 1000, 5, 8),
        (ModelKind::Follow, 1000, 5, 4),
        (ModelKind::CasRegister, 1000, 1, 4),
        (ModelKind::Register, 1000, 1, 4),
        (ModelKind::Kv, 100_000, 50, 8),
    ] {
        let histories: Vec<History> = (0..20).map(|s| synthetic_history(spec(model, ops, keys, clients, s))).collect();
        let start = Instant::now();
        for h in &histories {
            let r = check_history(model, h, Budget::default());
            assert!(matches!(r, LinearizabilityResult::Linearizable { .. }), "{r:?}");
        }
        let secs = start.elapsed().as_secs_f64();
        let total = (ops * histories.len()) as f64;
        println!("{model:>12} ops={ops:>6} keys={keys:>2} clients={clients}: {:>10.0} ops/s", total / secs);
    }
}

#[test]
#[ignore = "stress; run with --ignored --nocapture"]
fn stress_many_clients_and_timeouts() {
    for (model, ops, keys, clients, info) in [
        (ModelKind::Register, 1000, 1, 16, 50),
        (ModelKind::CasRegister, 1000, 1, 16, 100),
        (ModelKind::Kv, 1000, 5, 32, 100),
        (ModelKind::Follow, 1000, 5, 32, 100),
        (ModelKind::Register, 10_000, 1, 8, 20),
    ] {
        let start = Instant::now();
        let (mut lin, mut inc) = (0, 0);
        for seed in 0..10 {
            let h = synthetic_history(SynthSpec { model, ops, keys, clients, info_permille: info, seed });
            match check_history(model, &h, Budget::default()) {
                LinearizabilityResult::Linearizable { .. } => lin += 1,
                LinearizabilityResult::Inconclusive { .. } => inc += 1,
                r => panic!("{r:?}"),
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{model:>12} ops={ops} keys={keys} clients={clients} info={info}‰: {lin} linearizable, {inc} inconclusive, {:.0} ops/s",
            (ops * 10) as f64 / secs
        );
    }
}

#[test]
#[ignore = "writes a sample timeline to $TMPDIR/faultline-timeline.html for eyeballing"]
fn write_sample_timeline() {
    let mut h = synthetic_history(SynthSpec {
        model: ModelKind::Kv,
        ops: 400,
        keys: 2,
        clients: 6,
        info_permille: 80,
        seed: 3,
    });
    let pos = h.iter().rposition(|e| e.kind == EventKind::Ok && e.f == "read" && !e.value.is_null()).unwrap();
    h[pos].value = serde_json::json!("zz");
    let LinearizabilityResult::NotLinearizable(w) = check_history(ModelKind::Kv, &h, Budget::default()) else {
        panic!("expected a failure");
    };
    let page =
        format!("<!doctype html><meta charset=utf-8><body style=\"margin:16px\">{}</body>", render_timeline_html(&w));
    let out = std::env::temp_dir().join("faultline-timeline.html");
    std::fs::write(&out, page).unwrap();
    println!("{}\n{}", out.display(), w.describe());
}
