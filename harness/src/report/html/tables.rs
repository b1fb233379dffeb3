//! The checks table and the fault schedule table.
use std::fmt::Write;

use crate::check::CheckResult;
use crate::escape::{esc, secs};
use crate::report::palette::{css, fault_colour};
use crate::report::spans::Span;

/// One row per check, in the order the checkers ran; every string escaped.
pub(crate) fn checks_table(checks: &[CheckResult]) -> String {
    if checks.is_empty() {
        return r#"<p class="muted">No checks ran.</p>"#.to_string();
    }
    let mut s = String::from(
        "<table class=\"checks\"><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>",
    );
    for c in checks {
        let (class, label) = if c.ok { ("ok", "✔ pass") } else { ("bad", "✘ fail") };
        // `write!` to a String cannot fail.
        let _ = write!(
            s,
            r#"<tr class="{class}"><td class="name">{}</td><td class="res">{label}</td><td class="detail">{}</td></tr>"#,
            esc(&c.name),
            esc(&c.detail)
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// One row per fault window, sorted by start; unhealed windows say so.
pub(crate) fn faults_table(spans: &[Span<'_>]) -> String {
    if spans.is_empty() {
        return r#"<p class="muted">No faults were injected.</p>"#.to_string();
    }
    let mut s = String::from(
        "<table class=\"faults\"><thead><tr><th>#</th><th>kind</th><th>description</th><th>nodes</th>\
         <th class=\"num\">start (s)</th><th class=\"num\">end (s)</th><th class=\"num\">duration (s)</th></tr></thead><tbody>",
    );
    for (i, sp) in spans.iter().enumerate() {
        let end = if sp.healed { secs(sp.end_us) } else { "not healed".to_string() };
        let dur = secs(sp.end_us - sp.start_us);
        let dur = if sp.healed { dur } else { format!("≥ {dur}") };
        let _ = write!(
            s,
            r#"<tr><td class="num">{n}</td><td><span class="swatch" style="background:{c}"></span>{kind}</td><td>{desc}</td><td>{nodes}</td><td class="num">{st}</td><td class="num">{end}</td><td class="num">{dur}</td></tr>"#,
            n = i + 1,
            c = css(fault_colour(sp.kind_index)),
            kind = esc(&sp.window.kind),
            desc = esc(&sp.window.description),
            nodes = esc(&sp.window.nodes.join(", ")),
            st = secs(sp.start_us),
        );
    }
    s.push_str("</tbody></table>");
    s
}
