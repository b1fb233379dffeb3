//! index.html: a self-contained page (inline CSS, no scripts) linking the two chart PNGs.
mod tables;
mod timeline;

use std::fmt::Write;

use self::tables::{checks_table, faults_table};
use self::timeline::timeline_svg;
use super::latency::OpLatency;
use super::spans::Span;
use super::ReportInput;
pub(crate) use crate::escape::esc;
use crate::escape::secs;
use crate::history::EventKind;

/// Stylesheet inlined into the page so it is one file that works offline.
const CSS: &str = include_str!("style.css");

/// What the page shows beyond the raw input, computed once by the report writer.
pub(crate) struct PageData<'a> {
    /// Completed operations.
    pub ops: &'a [OpLatency],
    /// Fault windows with definite ends, sorted by start.
    pub spans: &'a [Span<'a>],
    /// Sorted distinct fault kinds.
    pub kinds: &'a [&'a str],
    /// Right edge of the run, µs.
    pub run_end_us: u64,
    /// Quantile window, for the caption.
    pub window_label: String,
    /// File name of the raw-latency chart.
    pub raw_png: &'a str,
    /// File name of the quantile chart.
    pub quantiles_png: &'a str,
}

/// Renders the whole page. Deterministic: nothing here reads clocks or hash-ordered maps.
pub(crate) fn render_page(input: &ReportInput<'_>, d: &PageData<'_>) -> String {
    let mut s = String::with_capacity(16 * 1024 + input.results_json.len());
    let title = esc(input.title);
    let (vclass, vtext) = if input.verdict_ok { ("pass", "PASS") } else { ("fail", "FAIL") };
    // `write!` to a String cannot fail; results are ignored on purpose throughout.
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{vtext} · {title} · Faultline</title><style>{CSS}</style></head><body><main>\n\
         <header><h1>{title}</h1><div class=\"verdict {vclass}\">{vtext}</div>\
         <p class=\"summary\">{summary}</p></header>\n",
        summary = summary(input, d),
    );
    let _ = writeln!(s, "<section><h2>Reproduce</h2><pre class=\"repro\">{}</pre></section>", esc(input.repro));
    let failed = input.checks.iter().filter(|c| !c.ok).count();
    let _ = writeln!(
        s,
        "<section><h2>Checks ({} of {} passed)</h2>{}</section>",
        input.checks.len() - failed,
        input.checks.len(),
        checks_table(input.checks)
    );
    let _ = writeln!(
        s,
        "<section><h2>Fault schedule ({} windows)</h2>{}{}</section>",
        d.spans.len(),
        timeline_svg(d.spans, d.kinds, d.run_end_us),
        faults_table(d.spans)
    );
    let _ = writeln!(
        s,
        "<section><h2>Latency</h2>\
         <figure><img src=\"{raw}\" width=\"1200\" height=\"600\" alt=\"latency of every operation against invocation time, fault windows shaded\">\
         <figcaption>Every completed operation: colour is the operation, shape the outcome \
         (dot ok, cross fail, ring info). Shaded bands are fault windows.</figcaption></figure>\
         <figure><img src=\"{q}\" width=\"1200\" height=\"600\" alt=\"latency quantiles per time window, fault windows shaded\">\
         <figcaption>p50 / p95 / p99 / max latency of the operations invoked in each {w} window (all outcomes).</figcaption></figure>\
         </section>",
        raw = esc(d.raw_png),
        q = esc(d.quantiles_png),
        w = esc(&d.window_label),
    );
    for section in input.sections {
        let _ = write!(s, "<section><h2>{}</h2>", esc(&section.title));
        if let Some(f) = &section.figure {
            let _ = write!(
                s,
                "<figure><img src=\"{}\" width=\"1200\" height=\"600\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
                esc(f.file),
                esc(f.alt),
                esc(&f.caption)
            );
        }
        // The fragment is trusted HTML from our own checkers (e.g. a linearizability timeline).
        let _ = writeln!(s, "{}</section>", section.html);
    }
    let _ = write!(
        s,
        "<section><h2>Results</h2><details><summary>results.json</summary><pre>{}</pre></details></section>\n\
         <footer>Also in this directory: <a href=\"history.jsonl\">history.jsonl</a> (one event per line), \
         <a href=\"faults.json\">faults.json</a> (fault timeline).</footer>\n</main></body></html>\n",
        esc(input.results_json)
    );
    s
}

/// One line of counts under the title.
fn summary(input: &ReportInput<'_>, d: &PageData<'_>) -> String {
    let count = |k: EventKind| d.ops.iter().filter(|o| o.kind == k).count();
    let invokes = input.history.iter().filter(|e| e.kind == EventKind::Invoke).count();
    // Every completed op consumed exactly one invoke; the rest never completed.
    let pending = invokes.saturating_sub(d.ops.len());
    format!(
        "{} simulated s · {} ops completed ({} ok, {} fail, {} info) · {} never completed · {} fault windows",
        secs(d.run_end_us),
        d.ops.len(),
        count(EventKind::Ok),
        count(EventKind::Fail),
        count(EventKind::Info),
        pending,
        d.spans.len(),
    )
}
