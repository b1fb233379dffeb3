//! The markdown a failing sweep appends to `$GITHUB_STEP_SUMMARY`: counts, failures by
//! signature and every repro line, so the job page says how to replay without downloads.
use crate::run::SweepSummary;
use std::fmt::Write;

/// Markdown for a CI step summary.
pub fn step_summary_markdown(s: &SweepSummary) -> String {
    let mut md = String::new();
    let mark = if s.failed == 0 { "passed" } else { "FAILED" };
    let _ = writeln!(md, "### faultline sweep {mark}: {}\n", s.headline());
    for (signature, runs) in s.failure_groups() {
        let _ = writeln!(md, "**{}** ({} seed(s))\n", signature.replace('*', "\\*"), runs.len());
        md.push_str("```sh\n");
        for r in runs {
            let _ = writeln!(md, "{}", r.repro);
        }
        md.push_str("```\n\n");
    }
    md
}
