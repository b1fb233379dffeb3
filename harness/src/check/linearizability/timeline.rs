//! A self-contained HTML timeline of a failing window, in the spirit of Porcupine's view:
//! one row per process, one bar per op from invoke to completion.
use crate::escape::esc;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{FailingWindow, WindowOp};
use crate::history::EventKind;

const STYLE: &str = "<style>\
.fl-lin{font:12px/1.35 system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2328;border:1px solid #d0d7de;border-radius:6px;padding:10px;background:#fff;max-width:100%;overflow-x:auto}\
.fl-lin-title{font-weight:600;margin-bottom:4px}\
.fl-lin-note{color:#57606a;margin-bottom:8px}\
.fl-lin-legend span{display:inline-block;margin-right:12px}\
.fl-lin-legend i{display:inline-block;width:12px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}\
.fl-lin-chart{margin-top:8px;min-width:600px}\
.fl-lin-row{display:flex;border-top:1px solid #eaeef2}\
.fl-lin-proc{flex:0 0 48px;font-weight:600;padding-top:4px;color:#57606a}\
.fl-lin-lanes{position:relative;flex:1}\
.fl-lin-op{position:absolute;height:18px;box-sizing:border-box;border-radius:3px;padding:0 4px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font-size:11px;line-height:18px;border:1px solid #8c959f;background:#eaeef2;min-width:6px}\
.fl-lin-ok{background:#dafbe1;border-color:#4ac26b}\
.fl-lin-stuck{background:#ffebe9;border-color:#cf222e;border-width:2px;font-weight:600;overflow:visible;z-index:1}\
.fl-lin-stuck span.fl-lin-l{background:#ffebe9;padding-right:4px;border-radius:3px}\
.fl-lin-table{border-collapse:collapse;margin-top:10px;font-size:11px}\
.fl-lin-table th,.fl-lin-table td{border-bottom:1px solid #eaeef2;padding:2px 8px;text-align:left;vertical-align:top}\
.fl-lin-table td.fl-lin-v{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;max-width:420px;overflow-wrap:anywhere}\
.fl-lin-open{background:#fff8c5;border-color:#d4a72c}\
.fl-lin-info{background-image:repeating-linear-gradient(45deg,rgba(0,0,0,.07) 0 4px,transparent 4px 8px);border-style:dashed}\
.fl-lin-cut{border-right-style:dashed}\
.fl-lin-n{display:inline-block;min-width:14px;margin-right:4px;border-radius:7px;background:#1a7f37;color:#fff;text-align:center;font-size:10px;line-height:14px}\
</style>";

const LANE_PX: usize = 22;

/// Render the window as an HTML fragment with inline CSS (no scripts, no external assets).
pub fn render_timeline_html(window: &FailingWindow) -> String {
    let ops = &window.ops;
    // x axis: rank of each event position, so concurrency is exact and bars never collapse.
    let mut points: Vec<usize> = ops.iter().flat_map(|o| std::iter::once(o.invoke_pos).chain(o.complete_pos)).collect();
    points.sort_unstable();
    points.dedup();
    let cols = points.len() as f64 + 1.0;
    let x = |pos: usize| -> f64 {
        let rank = points.partition_point(|&p| p < pos) as f64;
        (rank + 0.5) / cols * 100.0
    };
    let order: BTreeMap<usize, usize> = window.linearized.iter().enumerate().map(|(n, &i)| (i, n + 1)).collect();

    let rows = lanes(ops);

    let mut h = String::new();
    h.push_str("<div class=\"fl-lin\">");
    h.push_str(STYLE);
    header(&mut h, window);
    h.push_str("<div class=\"fl-lin-chart\">");
    for (process, entries) in &rows {
        let lanes = entries.iter().map(|&(_, l)| l + 1).max().unwrap_or(1);
        let _ = write!(
            h,
            "<div class=\"fl-lin-row\" style=\"height:{}px\"><div class=\"fl-lin-proc\">p{}</div><div class=\"fl-lin-lanes\">",
            lanes * LANE_PX + 4,
            process
        );
        for &(i, lane) in entries {
            bar(&mut h, &ops[i], lane, &x, window.stuck == Some(i), order.get(&i).copied());
        }
        h.push_str("</div></div>");
    }
    h.push_str("</div>");
    table(&mut h, window, &order);
    h.push_str("</div>");
    h
}

/// Lanes per process: ops of one process overlap only around info ops; stack them then.
/// Per process, each op (index into `ops`) with its lane.
fn lanes(ops: &[WindowOp]) -> BTreeMap<u64, Vec<(usize, usize)>> {
    let mut rows: BTreeMap<u64, Vec<(usize, usize)>> = BTreeMap::new();
    let mut lane_ends: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut by_call: Vec<usize> = (0..ops.len()).collect();
    by_call.sort_by_key(|&i| ops[i].invoke_pos);
    for i in by_call {
        let o = &ops[i];
        let end = if o.kind == EventKind::Ok { o.complete_pos.unwrap_or(usize::MAX) } else { usize::MAX };
        let ends = lane_ends.entry(o.process).or_default();
        let lane = match ends.iter().position(|&e| e < o.invoke_pos) {
            Some(l) => {
                ends[l] = end;
                l
            }
            None => {
                ends.push(end);
                ends.len() - 1
            }
        };
        rows.entry(o.process).or_default().push((i, lane));
    }

    rows
}

/// Title, start states, how to read the chart, and the legend.
fn header(h: &mut String, window: &FailingWindow) {
    let ops = &window.ops;
    let key = window.key.as_ref().map(|k| format!(", key {k}")).unwrap_or_default();
    let _ = write!(
        h,
        "<div class=\"fl-lin-title\">Not linearizable ({} model{}): {} ops that cannot be ordered</div>",
        esc(&window.model),
        esc(&key),
        ops.len()
    );
    if !window.start_states.is_empty() {
        let st: Vec<String> = window.start_states.iter().map(|v| esc(&v.to_string())).collect();
        let _ = write!(
            h,
            "<div class=\"fl-lin-note\">Starts from state <code>{}</code>: every state the earlier ops on this key \
(all returned before the first op shown) can end in.</div>",
            st.join("</code> or <code>")
        );
    }
    h.push_str(
        "<div class=\"fl-lin-note\">Each bar runs from invoke to completion (time flows right; spacing is event order). \
Numbered ops form the longest order the search could justify; the red op could not be placed after them.</div>",
    );
    h.push_str(
        "<div class=\"fl-lin-legend\"><span><i class=\"fl-lin-ok\" style=\"border:1px solid #4ac26b\"></i>ordered</span>\
<span><i style=\"background:#ffebe9;border:2px solid #cf222e\"></i>stuck</span>\
<span><i style=\"background:#fff8c5;border:1px solid #d4a72c\"></i>not placed</span>\
<span><i class=\"fl-lin-info\" style=\"border:1px dashed #8c959f\"></i>info / pending (may happen any time after invoke, or never)</span></div>",
    );
}

/// The window's ops as a table, so long values stay readable however narrow their bars are.
fn table(h: &mut String, window: &FailingWindow, order: &BTreeMap<usize, usize>) {
    h.push_str(
        "<table class=\"fl-lin-table\"><tr><th>op</th><th>process</th><th>call</th><th>result</th>\
<th>invoke (#index, µs)</th><th>completion (#index, µs)</th><th>status</th></tr>",
    );
    for (i, o) in window.ops.iter().enumerate() {
        let result = match (&o.output, o.complete_pos) {
            (Some(v), _) => v.to_string(),
            (None, Some(_)) => "info (unknown)".to_string(),
            (None, None) => "pending".to_string(),
        };
        let done = match (o.complete_index, o.complete_time_us) {
            (Some(c), Some(t)) => format!("#{c}, {t}"),
            _ => "—".to_string(),
        };
        let status = if window.stuck == Some(i) {
            "stuck: cannot be placed".to_string()
        } else if let Some(n) = order.get(&i) {
            format!("ordered {n}")
        } else {
            "not placed".to_string()
        };
        let cut = if o.after_cut { " (returned after the failure point)" } else { "" };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>p{}</td><td class=\"fl-lin-v\">{}({})</td><td class=\"fl-lin-v\">{}</td><td>#{}, {}</td><td>{}{}</td><td>{}</td></tr>",
            i + 1,
            o.process,
            esc(&o.f),
            esc(&o.input.to_string()),
            esc(&result),
            o.invoke_index,
            o.invoke_time_us,
            esc(&done),
            cut,
            status
        );
    }
    h.push_str("</table>");
}

fn bar(h: &mut String, o: &WindowOp, lane: usize, x: &dyn Fn(usize) -> f64, stuck: bool, n: Option<usize>) {
    let left = x(o.invoke_pos);
    let open_ended = o.kind != EventKind::Ok || o.after_cut;
    let right = match o.complete_pos {
        Some(c) if !open_ended => x(c),
        _ => 100.0,
    };
    let mut class = String::from("fl-lin-op");
    class.push_str(if stuck {
        " fl-lin-stuck"
    } else if n.is_some() {
        " fl-lin-ok"
    } else {
        " fl-lin-open"
    });
    if o.kind != EventKind::Ok {
        class.push_str(" fl-lin-info");
    }
    if o.after_cut {
        class.push_str(" fl-lin-cut");
    }
    let label = match (&o.output, o.kind) {
        (Some(v), _) => format!("{}({}) → {}", o.f, o.input, v),
        (None, _) => format!("{}({}) → ?", o.f, o.input),
    };
    let mut title = o.describe();
    let _ = write!(title, "\ninvoke t={}µs", o.invoke_time_us);
    if let Some(t) = o.complete_time_us {
        let _ = write!(title, ", completion t={t}µs");
    }
    if o.after_cut {
        title.push_str("\ncompleted after the failure point: treated as still running");
    }
    if let Some(node) = &o.node {
        let _ = write!(title, "\nnode {node}");
    }
    let _ = write!(
        h,
        "<div class=\"{}\" style=\"left:{:.3}%;width:{:.3}%;top:{}px\" title=\"{}\">",
        class,
        left,
        (right - left).max(0.5),
        lane * LANE_PX + 3,
        esc(&title)
    );
    if let Some(n) = n {
        let _ = write!(h, "<span class=\"fl-lin-n\">{n}</span>");
    }
    let _ = write!(h, "<span class=\"fl-lin-l\">{}</span></div>", esc(&label));
}
