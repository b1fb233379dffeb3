//! The ingestion report section: the ledger's counts, every lost or unseen event with the
//! stage it went missing at, the ack-to-sink latency chart and a link to the log history.
use crate::check::queue::counts::Multiset;
use crate::check::queue::ledger::Ledger;
use crate::check::queue::order::LatencySummary;
use crate::escape::esc;
use crate::report::{draw_dots, DotChart, Figure};
use faultline_systems::time::Time;
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
        latency.events, latency.p50_ms, latency.p95_ms, latency.p99_ms, latency.ms_max
    );
    let _ = write!(
        html,
        "<p>The log layer's history in the shape of Jepsen's Kafka workload: <a href=\"{f}\">{f}</a> \
         (<code>faultline check {f} --model kafka</code> judges it as the run did).</p>",
        f = super::LOG_FILE
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

/// File name of the latency chart.
pub const LATENCY_PNG: &str = "ingest-latency.png";

/// The ack-to-sink latency of every counted event against when the sink counted it, one
/// colour per log partition, fault windows shaded (drawn with the report's dot chart).
pub fn latency_figure(samples: &[(u32, Time, f64)], partitions: u32, latency: &LatencySummary) -> Figure {
    let chart = DotChart {
        title: "ack-to-sink latency of every event".into(),
        y_desc: "acknowledgement to sink (ms)",
        heading: "Partitions",
        unit: "events",
        series: (0..partitions).map(|p| format!("partition {p}")).collect(),
        points: samples.iter().map(|&(p, at, ms)| (p as usize, at.as_micros(), ms)).collect(),
        bound: None,
        empty: "no acknowledged event was counted",
    };
    Figure {
        file: LATENCY_PNG,
        alt: "ack-to-sink latency of every event against the time the sink counted it, fault windows shaded",
        caption: format!(
            "Time from a collector's acknowledgement to the sink's count, per event (p50 {:.1} ms, p99 {:.1} ms, \
             max {:.1} ms). Shaded bands are fault windows.",
            latency.p50_ms, latency.p99_ms, latency.ms_max
        ),
        draw: Box::new(move |root, d| draw_dots(root, d, &chart)),
    }
}
