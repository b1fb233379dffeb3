//! The ingestion report section: the ledger's counts and every lost or unseen event with the
//! stage it went missing at.
use crate::check::queue::counts::Multiset;
use crate::check::queue::ledger::Ledger;
use crate::check::queue::order::LatencySummary;
use crate::escape::esc;
use std::fmt::Write;

/// Events listed per table (the rest are counted).
const LISTED_MAX: usize = 50;

fn total(m: &Multiset<String>) -> u64 {
    m.values().sum()
}

/// An HTML table of the ledger counts and the missing events.
pub fn ledger_html(ledger: &Ledger, latency: &LatencySummary) -> String {
    let c = &ledger.counts;
    let rows = [
        ("sent", c.attempt_count),
        ("acknowledged", c.acknowledged_count),
        ("counted (ok)", c.ok_count),
        ("lost", total(&c.lost)),
        ("duplicated", total(&c.duplicated)),
        ("unexpected", total(&c.unexpected)),
        ("recovered (counted, never acked)", total(&c.recovered)),
        ("unseen at the deadline", total(&ledger.unseen)),
    ];
    let mut html = String::from("<table><tr><th>ledger</th><th>events</th></tr>");
    for (name, n) in rows {
        let _ = write!(html, "<tr><td>{name}</td><td>{n}</td></tr>");
    }
    html.push_str("</table>");
    let _ = write!(
        html,
        "<p>ack-to-sink latency over {} events: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms</p>",
        latency.events, latency.p50_ms, latency.p95_ms, latency.p99_ms, latency.max_ms
    );
    let missing: Vec<(&String, &str)> = c
        .lost
        .keys()
        .chain(ledger.unseen.keys())
        .map(|id| (id, ledger.missing_at.get(id).map(|m| m.describe()).unwrap_or("not counted")))
        .collect();
    if missing.is_empty() {
        return html;
    }
    html.push_str("<table><tr><th>missing event</th><th>stage</th></tr>");
    for (id, stage) in missing.iter().take(LISTED_MAX) {
        let _ = write!(html, "<tr><td>{}</td><td>{}</td></tr>", esc(id), esc(stage));
    }
    html.push_str("</table>");
    if missing.len() > LISTED_MAX {
        let _ = write!(html, "<p>and {} more</p>", missing.len() - LISTED_MAX);
    }
    html
}
