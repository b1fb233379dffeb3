//! Writing a report directory: history.jsonl, faults.json, two PNG charts and index.html.
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::charts::{draw_quantiles, draw_raw, render_png, ChartData, FULL_SIZE};
use super::html::{render_page, PageData};
use super::input::{ReportFiles, ReportInput};
use super::latency::latencies;
use super::quantiles::{latency_quantiles, quantile_window_us};
use super::spans::{fault_kinds, fault_spans, run_end_us};
use crate::history::Event;

/// File name of the history, one JSON event per line.
pub const HISTORY_FILE: &str = "history.jsonl";
/// File name of the fault timeline (pretty JSON list of `FaultWindow`).
pub const FAULTS_FILE: &str = "faults.json";
/// File name of the raw latency scatter chart.
pub const RAW_PNG: &str = "latency-raw.png";
/// File name of the latency quantile chart.
pub const QUANTILES_PNG: &str = "latency-quantiles.png";
/// File name of the HTML page.
pub const INDEX_FILE: &str = "index.html";

/// Writes the full report into `dir` (created if missing) with 1200×600 charts.
///
/// Output depends only on `input`: the same input gives byte-identical files.
pub fn write_report(dir: &Path, input: &ReportInput<'_>) -> io::Result<ReportFiles> {
    write_report_sized(dir, input, FULL_SIZE)
}

/// `write_report` with a chosen chart size (tests use small charts: PNG encoding is slow).
pub(crate) fn write_report_sized(dir: &Path, input: &ReportInput<'_>, size: (u32, u32)) -> io::Result<ReportFiles> {
    fs::create_dir_all(dir)?;
    let mut paths: Vec<PathBuf> = Vec::with_capacity(5);

    let p = dir.join(HISTORY_FILE);
    write_history(&p, input.history)?;
    paths.push(p);

    let p = dir.join(FAULTS_FILE);
    let mut json = serde_json::to_string_pretty(input.faults).map_err(io::Error::other)?;
    json.push('\n');
    crate::atomic_file::write(&p, json.as_bytes())?;
    paths.push(p);

    let ops = latencies(input.history);
    let run_end = run_end_us(input.sim_end_us, &ops, input.faults);
    let spans = fault_spans(input.faults, run_end);
    let kinds = fault_kinds(input.faults);
    let window_us = quantile_window_us(run_end);
    let rows = latency_quantiles(&ops, window_us);
    let data = ChartData {
        title: input.title,
        ops: &ops,
        rows: &rows,
        window_us,
        spans: &spans,
        kinds: &kinds,
        run_end_us: run_end,
    };

    let p = dir.join(RAW_PNG);
    render_png(&p, size, |root| draw_raw(root, &data))?;
    paths.push(p);
    let p = dir.join(QUANTILES_PNG);
    render_png(&p, size, |root| draw_quantiles(root, &data))?;
    paths.push(p);
    for figure in input.sections.iter().filter_map(|s| s.figure.as_ref()) {
        let p = dir.join(figure.file);
        render_png(&p, size, |root| (figure.draw)(root, &data))?;
        paths.push(p);
    }
    for file in input.sections.iter().flat_map(|s| &s.files) {
        let p = dir.join(file.file);
        crate::atomic_file::write_with(&p, |w| {
            let w: &mut dyn Write = w;
            (file.write)(w)
        })?;
        paths.push(p);
    }

    let page = PageData {
        ops: &ops,
        spans: &spans,
        kinds: &kinds,
        run_end_us: run_end,
        window_label: super::charts::window_label(window_us),
        raw_png: RAW_PNG,
        quantiles_png: QUANTILES_PNG,
    };
    let p = dir.join(INDEX_FILE);
    crate::atomic_file::write(&p, render_page(input, &page).as_bytes())?;
    paths.push(p);
    Ok(ReportFiles { paths })
}

/// One serde_json `Event` per line, buffered (histories can hold millions of events).
fn write_history(path: &Path, history: &[Event]) -> io::Result<()> {
    crate::atomic_file::write_with(path, |w| {
        for ev in history {
            serde_json::to_writer(&mut *w, ev).map_err(io::Error::other)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}
