//! The sweep report page: counts, failures grouped by signature with their repro lines, charts
//! across seeds and a table of every seed. Self-contained (inline CSS and SVG).
use super::svg::{render, Chart, Series};
use crate::report::esc;
use crate::run::{SeedSummary, SweepSummary};
use std::collections::BTreeSet;
use std::fmt::Write;

const CSS: &str = include_str!("../html/style.css");

/// The page for `summary`; `linked` holds the seeds whose own report sits at `seed-N/index.html`.
pub(super) fn render_page(summary: &SweepSummary, linked: &BTreeSet<u64>) -> String {
    let ok = summary.failed == 0;
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sweep {} ({})</title>\
         <style>{CSS}</style></head><body><main><header><h1>Sweep: {} on {}</h1>\
         <div class=\"verdict {}\">{}</div><p class=\"summary\">{}</p></header>",
        esc(&summary.scenario),
        esc(&summary.engine),
        esc(&summary.scenario),
        esc(&summary.engine),
        if ok { "pass" } else { "fail" },
        if ok { "PASS" } else { "FAIL" },
        esc(&summary.headline()),
    );
    counts(&mut page, summary);
    failures(&mut page, summary, linked);
    charts(&mut page, summary);
    seed_table(&mut page, summary, linked);
    page.push_str(
        "<footer>Written by faultline sweep / merge. Every repro line replays its seed bit for bit.</footer>",
    );
    page.push_str("</main></body></html>\n");
    page
}

fn counts(page: &mut String, s: &SweepSummary) {
    let per_s = if s.wall_seconds > 0.0 { s.seeds_run as f64 / s.wall_seconds } else { 0.0 };
    let rows = [
        ("seeds in range", format!("{}..{} ({})", s.seeds.start, s.seeds.end, s.seeds.len())),
        ("seeds run", s.seeds_run.to_string()),
        ("passed", s.passed.to_string()),
        ("failed", s.failed.to_string()),
        ("not run", s.seeds_missing.to_string()),
        ("shards", s.shards.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ")),
        ("bugs", if s.bugs.is_empty() { "none".to_string() } else { s.bugs.join(", ") }),
        ("simulated s", format!("{:.1}", s.sim_seconds)),
        ("worker wall s", format!("{:.1} ({per_s:.2} seeds per worker-second)", s.wall_seconds)),
    ];
    page.push_str("<h2>Counts</h2><table>");
    for (name, value) in rows {
        let _ = write!(page, "<tr><td class=\"name\">{}</td><td>{}</td></tr>", esc(name), esc(&value));
    }
    page.push_str("</table>");
}

fn failures(page: &mut String, s: &SweepSummary, linked: &BTreeSet<u64>) {
    page.push_str("<h2>Failures by signature</h2>");
    let groups = s.failure_groups();
    if groups.is_empty() {
        let _ = write!(page, "<p>None: all {} seeds run passed.</p>", s.seeds_run);
        return;
    }
    for (signature, runs) in groups {
        let _ = write!(page, "<h3>{} &mdash; {} seed(s)</h3>", esc(&signature), runs.len());
        if let Some(first) = runs.first() {
            let details: Vec<String> =
                first.failing_checks.iter().map(|c| esc(&format!("{}: {}", c.name, c.detail))).collect();
            let _ = write!(page, "<pre>seed {}: {}</pre>", first.seed, details.join("\n"));
        }
        // Escaped line by line: `esc` turns newlines into references, which copy badly.
        let lines: Vec<String> = runs.iter().map(|r| esc(&r.repro)).collect();
        let _ = write!(page, "<pre class=\"repro\">{}</pre>", lines.join("\n"));
        let links: Vec<String> = runs.iter().filter(|r| linked.contains(&r.seed)).map(|r| seed_link(r.seed)).collect();
        if !links.is_empty() {
            let _ = write!(page, "<p>reports: {}</p>", links.join(" "));
        }
    }
}

fn charts(page: &mut String, s: &SweepSummary) {
    let failed: BTreeSet<u64> = s.runs.iter().filter(|r| !r.passed()).map(|r| r.seed).collect();
    let is_failed = |seed: u64| failed.contains(&seed);
    let one = |name, f: fn(&SeedSummary) -> Option<f64>| Series { name, points: points(s, f) };
    let charts = [
        Chart { title: "operations per seed", unit: "", series: vec![one("ops", |r| Some(r.ops as f64))] },
        Chart { title: "faults per seed", unit: "", series: vec![one("faults", |r| Some(r.faults as f64))] },
        Chart {
            title: "CRDT convergence after the heal",
            unit: " s",
            series: vec![one("convergence", |r| r.convergence_seconds)],
        },
        Chart {
            title: "LogSync read staleness, 99th percentile",
            unit: " ms",
            series: vec![one("staleness p99", |r| r.staleness_ms_p99)],
        },
        Chart {
            title: "operation latency quantiles",
            unit: " ms",
            series: vec![
                one("p50", |r| Some(r.latency.p50_ms)),
                one("p95", |r| Some(r.latency.p95_ms)),
                one("p99", |r| Some(r.latency.p99_ms)),
            ],
        },
        Chart { title: "wall seconds per seed", unit: " s", series: vec![one("wall", |r| Some(r.wall_seconds))] },
    ];
    page.push_str("<h2>Across seeds</h2><p class=\"muted\">One point per seed; red rings mark failing seeds; dashed lines are medians. Hover a point for its seed.</p>");
    for chart in &charts {
        let _ = write!(page, "<figure>{}</figure>", render(chart, &is_failed));
    }
}

fn points(s: &SweepSummary, f: fn(&SeedSummary) -> Option<f64>) -> Vec<(u64, Option<f64>)> {
    s.runs.iter().map(|r| (r.seed, f(r))).collect()
}

fn seed_table(page: &mut String, s: &SweepSummary, linked: &BTreeSet<u64>) {
    let _ = write!(page, "<h2>Every seed</h2><details><summary>{} seeds</summary><table>", s.runs.len());
    page.push_str(
        "<tr><th class=\"num\">seed</th><th>verdict</th><th>failing checks</th><th class=\"num\">ops</th>\
         <th class=\"num\">faults</th><th class=\"num\">p99 ms</th><th class=\"num\">sim s</th><th>trace_hash</th></tr>",
    );
    for r in &s.runs {
        let seed = if linked.contains(&r.seed) { seed_link(r.seed) } else { r.seed.to_string() };
        let _ = write!(
            page,
            "<tr class=\"{}\"><td class=\"num\">{seed}</td><td class=\"res\">{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"detail\">{}</td></tr>",
            if r.passed() { "ok" } else { "bad" },
            esc(&r.verdict),
            esc(&r.signature()),
            r.ops,
            r.faults,
            r.latency.p99_ms,
            r.sim_seconds,
            esc(r.trace_hash.get(..16).unwrap_or(&r.trace_hash)),
        );
    }
    page.push_str("</table></details>");
}

fn seed_link(seed: u64) -> String {
    format!("<a href=\"seed-{seed}/index.html\">{seed}</a>")
}
