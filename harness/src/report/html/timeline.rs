//! The fault schedule as an inline SVG: one row per fault kind, a bar per window.
use std::fmt::Write;

use crate::escape::{esc, secs};
use crate::report::palette::{css, fault_colour};
use crate::report::spans::Span;

const WIDTH: f64 = 1100.0;
const LABEL_W: f64 = 150.0;
const ROW_H: f64 = 26.0;
const AXIS_H: f64 = 28.0;

/// SVG markup for `spans` over `0..run_end_us`, rows in `kinds` order; empty if no faults.
pub(crate) fn timeline_svg(spans: &[Span<'_>], kinds: &[&str], run_end_us: u64) -> String {
    if spans.is_empty() {
        return String::new();
    }
    let run = run_end_us.max(1) as f64;
    let plot_w = WIDTH - LABEL_W - 20.0;
    let x = |us: u64| LABEL_W + (us as f64 / run).min(1.0) * plot_w;
    let height = kinds.len() as f64 * ROW_H + AXIS_H + 8.0;
    let mut s = String::new();
    // `write!` to a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        s,
        r#"<svg class="timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="fault timeline" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, k) in kinds.iter().enumerate() {
        let y = i as f64 * ROW_H;
        let shade = if i % 2 == 0 { "#f6f7f9" } else { "#ffffff" };
        let _ = write!(
            s,
            r#"<rect x="0" y="{y}" width="{WIDTH}" height="{ROW_H}" fill="{shade}"/><text x="8" y="{ty}" class="lane">{k}</text>"#,
            ty = y + ROW_H / 2.0 + 5.0,
            k = esc(k)
        );
    }
    for sp in spans {
        let y = sp.kind_index as f64 * ROW_H + 5.0;
        let (x0, x1) = (x(sp.start_us), x(sp.end_us));
        let w = (x1 - x0).max(2.0);
        let colour = css(fault_colour(sp.kind_index));
        // An unhealed fault gets a dashed outline: it runs off the end of the run.
        let extra = if sp.healed { String::new() } else { r#" stroke-dasharray="4 3""#.to_string() };
        let end = if sp.healed { format!("{} s", secs(sp.end_us)) } else { "never healed".to_string() };
        let _ = write!(
            s,
            r#"<rect x="{x0:.1}" y="{y}" width="{w:.1}" height="{h}" rx="3" fill="{colour}" fill-opacity="0.55" stroke="{colour}"{extra}><title>{desc} [{nodes}] {st} s → {end}</title></rect>"#,
            h = ROW_H - 10.0,
            desc = esc(&sp.window.description),
            nodes = esc(&sp.window.nodes.join(", ")),
            st = secs(sp.start_us),
        );
    }
    let axis_y = kinds.len() as f64 * ROW_H;
    let _ = write!(
        s,
        r##"<line x1="{LABEL_W}" y1="{axis_y}" x2="{x2}" y2="{axis_y}" stroke="#888"/>"##,
        x2 = LABEL_W + plot_w
    );
    let _ = write!(s, r#"<text x="8" y="{ty}" class="tick axis">simulated time (s)</text>"#, ty = axis_y + 18.0);
    let step = tick_step(run_end_us.max(1));
    let mut t = 0u64;
    while t <= run_end_us {
        let tx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{tx:.1}" y1="{axis_y}" x2="{tx:.1}" y2="{y2}" stroke="#888"/><text x="{tx:.1}" y="{ty}" class="tick">{label}</text>"##,
            y2 = axis_y + 4.0,
            ty = axis_y + 18.0,
            label = trim_secs(t),
        );
        t = match t.checked_add(step) {
            Some(n) => n,
            None => break,
        };
    }
    s.push_str("</svg>");
    s
}

/// A 1-2-5 tick spacing (µs) giving at most about 12 ticks over `run_us`.
fn tick_step(run_us: u64) -> u64 {
    let target = run_us.div_ceil(12).max(1);
    let mut decade = 1u64;
    loop {
        for m in [1, 2, 5] {
            if decade.saturating_mul(m) >= target {
                return decade.saturating_mul(m);
            }
        }
        match decade.checked_mul(10) {
            Some(d) => decade = d,
            None => return target,
        }
    }
}

/// Tick label in seconds without trailing zeros, e.g. "12", "2.5", "0".
fn trim_secs(us: u64) -> String {
    let s = secs(us);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks() {
        assert_eq!(tick_step(30_000_000), 5_000_000);
        assert_eq!(tick_step(1), 1);
        assert!(tick_step(u64::MAX) > 0);
        assert_eq!(trim_secs(2_500_000), "2.5");
        assert_eq!(trim_secs(10_000_000), "10");
        assert_eq!(trim_secs(0), "0");
    }
}
