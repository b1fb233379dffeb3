//! Fault windows resolved against the end of the run, shared by the charts and the HTML.
use crate::history::FaultWindow;

use super::latency::OpLatency;
use super::palette::sorted_names;

/// A fault window with a definite end, plus its colour index.
#[derive(Clone, Debug)]
pub(crate) struct Span<'a> {
    /// The recorded window.
    pub window: &'a FaultWindow,
    /// Index of its kind among the sorted distinct kinds (its colour).
    pub kind_index: usize,
    /// Start, simulated µs.
    pub start_us: u64,
    /// Heal time, or the end of the run if it never healed; never before `start_us`.
    pub end_us: u64,
    /// False when the fault was still active when the run ended.
    pub healed: bool,
}

/// The last simulated instant anything happened: the run end, an op, or a fault edge.
///
/// Charts and the timeline span `0..run_end`, so nothing recorded falls off the right edge even
/// when `sim_end_us` is stale or zero.
pub(crate) fn run_end_us(sim_end_us: u64, ops: &[OpLatency], faults: &[FaultWindow]) -> u64 {
    let ops_end = ops.iter().map(|o| o.complete_us.max(o.invoke_us));
    let fault_end = faults.iter().map(|f| f.end_us.unwrap_or(0).max(f.start_us));
    ops_end.chain(fault_end).fold(sim_end_us, u64::max)
}

/// Distinct fault kinds, sorted; position = colour index.
pub(crate) fn fault_kinds(faults: &[FaultWindow]) -> Vec<&str> {
    sorted_names(faults.iter().map(|f| f.kind.as_str()))
}

/// Every fault window with unended ones extended to `run_end_us`, sorted by start then kind.
pub(crate) fn fault_spans(faults: &[FaultWindow], run_end_us: u64) -> Vec<Span<'_>> {
    let kinds = fault_kinds(faults);
    let mut spans: Vec<Span<'_>> = faults
        .iter()
        .map(|w| Span {
            window: w,
            kind_index: kinds.binary_search(&w.kind.as_str()).unwrap_or(0),
            start_us: w.start_us,
            end_us: w.end_us.unwrap_or(run_end_us).max(w.start_us),
            healed: w.end_us.is_some(),
        })
        .collect();
    // Sort for a stable page and legend order whatever order the nemesis recorded them in.
    spans.sort_by(|a, b| {
        (a.start_us, &a.window.kind, a.end_us, &a.window.description).cmp(&(
            b.start_us,
            &b.window.kind,
            b.end_us,
            &b.window.description,
        ))
    });
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw(kind: &str, start_us: u64, end_us: Option<u64>) -> FaultWindow {
        FaultWindow { kind: kind.into(), description: String::new(), nodes: vec![], start_us, end_us }
    }

    #[test]
    fn unended_windows_extend_to_run_end() {
        let faults = [fw("pause", 50, None), fw("crash", 10, Some(20)), fw("crash", 30, Some(5))];
        let end = run_end_us(40, &[], &faults);
        assert_eq!(end, 50);
        let spans = fault_spans(&faults, end);
        let got: Vec<_> = spans.iter().map(|s| (s.start_us, s.end_us, s.healed, s.kind_index)).collect();
        assert_eq!(got, vec![(10, 20, true, 0), (30, 30, true, 0), (50, 50, false, 1)]);
    }
}
