//! Sweep reports: `sweep.json` and an `index.html` across the seeds of a sweep or of merged
//! shards, JUnit XML and the CI step-summary markdown.
mod html;
mod junit;
mod markdown;
mod svg;

pub use junit::junit_xml;
pub use markdown::step_summary_markdown;

use crate::run::{SweepSummary, SWEEP_FILE};
use std::collections::BTreeSet;
use std::io;
use std::path::Path;

/// Writes `DIR/sweep.json` and `DIR/index.html` (each atomically; `dir` is created).
/// Failing seeds whose own report exists at `DIR/seed-N/` are linked from the page.
pub fn write_sweep_files(dir: &Path, summary: &SweepSummary) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut json = serde_json::to_string_pretty(summary).map_err(io::Error::other)?;
    json.push('\n');
    crate::atomic_file::write(&dir.join(SWEEP_FILE), json.as_bytes())?;
    let linked: BTreeSet<u64> = summary
        .runs
        .iter()
        .filter(|r| dir.join(format!("seed-{}", r.seed)).join(crate::report::INDEX_FILE).is_file())
        .map(|r| r.seed)
        .collect();
    crate::atomic_file::write(&dir.join(crate::report::INDEX_FILE), html::render_page(summary, &linked).as_bytes())
}

#[cfg(test)]
mod tests {
    use crate::check::CheckResult;
    use crate::run::{LatencySummary, SeedRange, SeedSummary, Shard, SweepSummary};

    fn summary() -> SweepSummary {
        let run = |seed: u64, failing: &[&str]| SeedSummary {
            seed,
            verdict: if failing.is_empty() { "pass" } else { "fail" }.into(),
            failing_checks: failing
                .iter()
                .map(|n| CheckResult { name: n.to_string(), ok: false, detail: "lost <write> & \"more\"".into() })
                .collect(),
            trace_hash: "ab".repeat(32),
            repro: format!("cargo run --release -- run social --seed {seed} --engine madsim"),
            sim_seconds: 20.0,
            wall_seconds: 0.3,
            ops: 100 * seed,
            faults: 3,
            convergence_seconds: Some(0.2),
            staleness_ms_p99: None,
            latency: LatencySummary { p50_ms: 4.0, p95_ms: 9.0, p99_ms: 20.0, ms_max: 30.0 },
        };
        let runs = vec![
            run(0, &[]),
            run(1, &["liveness", "acked-writes"]),
            run(2, &[]),
            run(3, &["acked-writes", "liveness"]),
        ];
        SweepSummary {
            scenario: "social".into(),
            engine: "madsim".into(),
            bugs: vec![],
            seeds: SeedRange { start: 0, end: 4 },
            shards: vec![Shard::WHOLE],
            seeds_run: 4,
            passed: 2,
            failed: 2,
            seeds_missing: 0,
            sim_seconds: 80.0,
            wall_seconds: 1.2,
            runs,
        }
    }

    #[test]
    fn the_page_groups_failures_and_lists_their_repro_lines() {
        let s = summary();
        let page = super::html::render_page(&s, &[3].into_iter().collect());
        assert!(page.contains("acked-writes, liveness &mdash; 2 seed(s)"), "failures not grouped by signature");
        assert!(page.contains("run social --seed 1 --engine madsim\ncargo run --release -- run social --seed 3"));
        assert!(page.contains("href=\"seed-3/index.html\"") && !page.contains("href=\"seed-1/index.html\""));
        assert!(page.contains("lost &lt;write&gt; &amp; &quot;more&quot;") && !page.contains("<write>"));
        assert!(page.contains("staleness") && page.contains("not measured in any seed"));
        assert_eq!(page.matches("<svg").count(), 5, "ops, faults, convergence, latency, wall");
    }

    #[test]
    fn junit_has_one_testcase_per_seed_and_a_failure_per_failing_seed() {
        let xml = super::junit_xml(&summary());
        assert_eq!(xml.matches("<testcase ").count(), 4);
        assert_eq!(xml.matches("<failure ").count(), 2);
        assert!(xml.contains("tests=\"4\" failures=\"2\""));
        assert!(xml.contains("message=\"failing checks: acked-writes, liveness\""));
        assert!(xml.contains("repro: cargo run --release -- run social --seed 3 --engine madsim</failure>"));
        assert!(xml.contains("lost &lt;write&gt; &amp; &quot;more&quot;") && !xml.contains("<write>"));
        let md = super::step_summary_markdown(&summary());
        assert!(
            md.contains("FAILED")
                && md.contains("--seed 1 --engine madsim\ncargo run --release -- run social --seed 3")
        );
    }
}
