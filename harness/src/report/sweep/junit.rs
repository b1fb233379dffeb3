//! JUnit XML for CI dashboards: one testcase per seed, a failure carrying the failing checks
//! and the repro line. Written by hand: the format needs a dozen lines and correct escaping,
//! and the JUnit crates (quick-junit) bring uuid, chrono and an XML writer along.
use crate::run::SweepSummary;
use std::fmt::Write;

/// The summary as a JUnit XML document.
pub fn junit_xml(s: &SweepSummary) -> String {
    let suite = format!("faultline {} {}", s.scenario, s.engine);
    let class = format!("faultline.{}.{}", s.scenario, s.engine);
    let time = format!("{:.3}", s.runs.iter().map(|r| r.wall_seconds).sum::<f64>());
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"faultline\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{time}\">",
        s.seeds_run, s.failed
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{time}\">",
        attr(&suite),
        s.seeds_run,
        s.failed
    );
    let _ = writeln!(
        xml,
        "    <properties><property name=\"seeds\" value=\"{}..{}\"/><property name=\"bugs\" value=\"{}\"/></properties>",
        s.seeds.start,
        s.seeds.end,
        attr(&s.bugs.join(" "))
    );
    for r in &s.runs {
        let _ = write!(
            xml,
            "    <testcase name=\"seed {}\" classname=\"{}\" time=\"{:.3}\"",
            r.seed,
            attr(&class),
            r.wall_seconds
        );
        if r.passed() {
            xml.push_str("/>\n");
            continue;
        }
        let details: Vec<String> = r.failing_checks.iter().map(|c| format!("{}: {}", c.name, c.detail)).collect();
        let _ = writeln!(
            xml,
            ">\n      <failure type=\"check\" message=\"{}\">{}\nrepro: {}</failure>\n      \
             <system-out>repro: {}</system-out>\n    </testcase>",
            attr(&format!("failing checks: {}", r.signature())),
            text(&details.join("\n")),
            text(&r.repro),
            text(&r.repro)
        );
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// Escaped for a double-quoted attribute (newlines and tabs as references, so they survive).
fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escaped for element content.
fn text(s: &str) -> String {
    escape(s, false)
}

/// XML 1.0 escaping; characters XML cannot carry at all (most C0 controls) become U+FFFD
/// rather than making the whole file unreadable.
fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_no_forbidden_characters() {
        let nasty = "a<b>&\"c\"'d'\u{1}\u{7}\r\ne\tf";
        let a = attr(nasty);
        assert_eq!(a, "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\u{FFFD}\u{FFFD}&#13;&#10;e&#9;f");
        let t = text(nasty);
        assert_eq!(t, "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;\u{FFFD}\u{FFFD}&#13;\ne\tf");
        assert_eq!(text("plain text"), "plain text");
    }
}
