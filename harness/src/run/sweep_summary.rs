//! `sweep.json`: one machine-readable summary per sweep (or per merge of shard sweeps), the
//! input of the sweep report, JUnit output and `faultline merge`.
use super::shard::Shard;
use super::sweep::{SweepOutcome, SweepRequest};
use super::{LatencySummary, Results};
use crate::check::CheckResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// File name of the sweep summary in a sweep's output directory.
pub const SWEEP_FILE: &str = "sweep.json";

/// A half-open seed range, as in `--seeds A..B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    /// First seed.
    pub start: u64,
    /// One past the last seed.
    pub end: u64,
}

impl SeedRange {
    /// Number of seeds in the range.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
    /// Whether the range holds no seed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One seed's line of a sweep summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedSummary {
    /// Run seed.
    pub seed: u64,
    /// "pass" or "fail".
    pub verdict: String,
    /// The checks that failed (name and detail), empty on a pass.
    pub failing_checks: Vec<CheckResult>,
    /// Digest of the run's event trace.
    pub trace_hash: String,
    /// The command that replays this seed.
    pub repro: String,
    /// Simulated seconds.
    pub sim_seconds: f64,
    /// Wall seconds.
    pub wall_seconds: f64,
    /// Client operations.
    pub ops: u64,
    /// Faults injected.
    pub faults: usize,
    /// Seconds from heal to CRDT convergence, where measured.
    pub convergence_seconds: Option<f64>,
    /// 99th percentile of LogSync read staleness, ms, where measured.
    pub staleness_ms_p99: Option<f64>,
    /// Operation latency quantiles.
    pub latency: LatencySummary,
}

impl SeedSummary {
    /// The summary line of one run's results.
    pub fn from_results(r: &Results) -> Self {
        SeedSummary {
            seed: r.seed,
            verdict: r.verdict.clone(),
            failing_checks: r.checks.iter().filter(|c| !c.ok).cloned().collect(),
            trace_hash: r.trace_hash.clone(),
            repro: r.repro.clone(),
            sim_seconds: r.sim_seconds,
            wall_seconds: r.wall_seconds,
            ops: r.ops,
            faults: r.faults,
            convergence_seconds: r.extra_f64("convergence_seconds"),
            staleness_ms_p99: r
                .extras
                .get("staleness")
                .and_then(|s| s.get("ms_p99"))
                .and_then(serde_json::Value::as_f64),
            latency: r.latency.clone(),
        }
    }
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.verdict == "pass"
    }
    /// The failure's signature: the sorted, distinct names of the failing checks.
    pub fn signature(&self) -> String {
        let mut names: Vec<&str> = self.failing_checks.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() && !self.passed() {
            return "(no check named)".to_string();
        }
        names.join(", ")
    }
}

/// The summary of a sweep, one shard of one, or a merge of shards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// Scenario name.
    pub scenario: String,
    /// Engine name.
    pub engine: String,
    /// Planted bugs on (the scenario's and the command line's), sorted.
    pub bugs: Vec<String>,
    /// The whole seed range the shards slice.
    pub seeds: SeedRange,
    /// The shards this summary covers, sorted (one for a shard run, all of them after a merge).
    pub shards: Vec<Shard>,
    /// Seeds run (runs.len()).
    pub seeds_run: usize,
    /// Seeds that passed.
    pub passed: usize,
    /// Seeds that failed.
    pub failed: usize,
    /// Seeds of the range this summary has no result for (other shards' until merged).
    pub seeds_missing: u64,
    /// Simulated seconds over all runs.
    pub sim_seconds: f64,
    /// Wall seconds of the sweep; after a merge, the sum over the shards (worker time).
    pub wall_seconds: f64,
    /// Every seed run, ascending.
    pub runs: Vec<SeedSummary>,
}

impl SweepSummary {
    /// The summary of a finished sweep of `shard`.
    pub fn from_outcome(request: &SweepRequest, shard: Shard, outcome: &SweepOutcome) -> Self {
        let runs: Vec<SeedSummary> = outcome.results.iter().map(SeedSummary::from_results).collect();
        let header = SweepSummary {
            scenario: request.scenario.name.clone(),
            engine: request.engine.name().to_string(),
            bugs: request.run_request(request.seeds.start).all_bugs(),
            seeds: SeedRange { start: request.seeds.start, end: request.seeds.end },
            shards: vec![shard],
            seeds_run: 0,
            passed: 0,
            failed: 0,
            seeds_missing: 0,
            sim_seconds: 0.0,
            wall_seconds: outcome.wall_seconds,
            runs: Vec::new(),
        };
        header.with_runs(runs)
    }

    /// This header with `runs` (sorted by seed) and the totals recomputed from them.
    fn with_runs(mut self, mut runs: Vec<SeedSummary>) -> Self {
        runs.sort_by_key(|r| r.seed);
        self.seeds_run = runs.len();
        self.passed = runs.iter().filter(|r| r.passed()).count();
        self.failed = self.seeds_run - self.passed;
        self.seeds_missing = self.seeds.len().saturating_sub(runs.len() as u64);
        self.sim_seconds = runs.iter().map(|r| r.sim_seconds).sum();
        self.runs = runs;
        self
    }

    /// The failing seeds grouped by signature, largest group first (ties by signature).
    pub fn failure_groups(&self) -> Vec<(String, Vec<&SeedSummary>)> {
        let mut groups: BTreeMap<String, Vec<&SeedSummary>> = BTreeMap::new();
        for r in self.runs.iter().filter(|r| !r.passed()) {
            groups.entry(r.signature()).or_default().push(r);
        }
        let mut groups: Vec<(String, Vec<&SeedSummary>)> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        groups
    }

    /// One line: "social on madsim, seeds 0..100 (shard 1/4): 25 run, 24 passed, 1 failed".
    pub fn headline(&self) -> String {
        let shards: Vec<String> = self.shards.iter().map(|s| s.to_string()).collect();
        let bugs = if self.bugs.is_empty() { String::new() } else { format!(", bugs {}", self.bugs.join(" ")) };
        let missing = if self.seeds_missing == 0 { String::new() } else { format!(", {} not run", self.seeds_missing) };
        format!(
            "{} on {}{bugs}, seeds {}..{} (shards {}): {} run, {} passed, {} failed{missing}",
            self.scenario,
            self.engine,
            self.seeds.start,
            self.seeds.end,
            shards.join(" "),
            self.seeds_run,
            self.passed,
            self.failed
        )
    }

    /// Reads `DIR/sweep.json` (or the file itself when `path` is one).
    pub fn load(path: &Path) -> Result<SweepSummary, String> {
        let file = if path.is_dir() { path.join(SWEEP_FILE) } else { path.to_path_buf() };
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: not a sweep summary: {e}", file.display()))
    }

    /// Combines shard summaries of one sweep. Refuses summaries of different scenarios,
    /// engines, bugs or seed ranges, and shards that overlap (the same shard twice, or any
    /// seed in two parts). Each part is named by its origin (e.g. its directory) in messages.
    pub fn merge(parts: &[(String, SweepSummary)]) -> Result<SweepSummary, String> {
        let Some((first_origin, first)) = parts.first() else {
            return Err("nothing to merge: name at least one sweep directory".to_string());
        };
        let mut runs: BTreeMap<u64, (&str, SeedSummary)> = BTreeMap::new();
        let mut shards: BTreeMap<Shard, &str> = BTreeMap::new();
        let mut wall_seconds = 0.0;
        for (origin, part) in parts {
            same_sweep(first_origin, first, origin, part)?;
            for shard in &part.shards {
                if let Some(other) = shards.insert(*shard, origin) {
                    return Err(format!("{other} and {origin} both ran shard {shard}: overlapping shards"));
                }
            }
            for run in &part.runs {
                if let Some((other, _)) = runs.insert(run.seed, (origin, run.clone())) {
                    return Err(format!("{other} and {origin} both ran seed {}: overlapping shards", run.seed));
                }
            }
            wall_seconds += part.wall_seconds;
        }
        let header =
            SweepSummary { shards: shards.into_keys().collect(), wall_seconds, runs: Vec::new(), ..first.clone() };
        Ok(header.with_runs(runs.into_values().map(|(_, r)| r).collect()))
    }
}

/// Err naming both parts and the field when `b` is not a shard of the same sweep as `a`.
fn same_sweep(a_origin: &str, a: &SweepSummary, b_origin: &str, b: &SweepSummary) -> Result<(), String> {
    let differ = |field: &str, x: String, y: String| {
        Err(format!("{a_origin} and {b_origin} are not shards of one sweep: {field} {x} vs {y}"))
    };
    if a.scenario != b.scenario {
        return differ("scenario", a.scenario.clone(), b.scenario.clone());
    }
    if a.engine != b.engine {
        return differ("engine", a.engine.clone(), b.engine.clone());
    }
    if a.bugs != b.bugs {
        return differ("bugs", format!("{:?}", a.bugs), format!("{:?}", b.bugs));
    }
    if a.seeds != b.seeds {
        let show = |r: &SeedRange| format!("{}..{}", r.start, r.end);
        return differ("seeds", show(&a.seeds), show(&b.seeds));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(seed: u64, failing: &[&str]) -> SeedSummary {
        SeedSummary {
            seed,
            verdict: if failing.is_empty() { "pass" } else { "fail" }.to_string(),
            failing_checks: failing
                .iter()
                .map(|n| CheckResult { name: n.to_string(), ok: false, detail: "x".into() })
                .collect(),
            trace_hash: format!("{seed:064x}"),
            repro: format!("cargo run --release -- run social --seed {seed} --engine madsim"),
            sim_seconds: 1.0,
            wall_seconds: 0.5,
            ops: 10 + seed,
            faults: 1,
            convergence_seconds: None,
            staleness_ms_p99: None,
            latency: LatencySummary::default(),
        }
    }

    fn shard_summary(index: u64, count: u64, runs: Vec<SeedSummary>) -> SweepSummary {
        let header = SweepSummary {
            scenario: "social".into(),
            engine: "madsim".into(),
            bugs: vec![],
            seeds: SeedRange { start: 0, end: 6 },
            shards: vec![Shard { index, count }],
            seeds_run: 0,
            passed: 0,
            failed: 0,
            seeds_missing: 0,
            sim_seconds: 0.0,
            wall_seconds: 2.0,
            runs: vec![],
        };
        header.with_runs(runs)
    }

    fn two_shards() -> Vec<(String, SweepSummary)> {
        vec![
            ("a".into(), shard_summary(0, 2, vec![seed(0, &[]), seed(2, &["liveness", "acked-writes"]), seed(4, &[])])),
            (
                "b".into(),
                shard_summary(1, 2, vec![seed(1, &[]), seed(3, &["acked-writes", "liveness"]), seed(5, &["x"])]),
            ),
        ]
    }

    #[test]
    fn merging_shards_gives_the_whole_sweep() {
        let merged = SweepSummary::merge(&two_shards()).expect("merge");
        assert_eq!(merged.runs.iter().map(|r| r.seed).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!((merged.seeds_run, merged.passed, merged.failed, merged.seeds_missing), (6, 3, 3, 0));
        assert_eq!(merged.shards, vec![Shard { index: 0, count: 2 }, Shard { index: 1, count: 2 }]);
        assert_eq!(merged.wall_seconds, 4.0);
        let groups = merged.failure_groups();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "acked-writes, liveness");
        assert_eq!(groups[0].1.iter().map(|r| r.seed).collect::<Vec<_>>(), vec![2, 3]);
        // A lone shard knows what it lacks.
        assert_eq!(two_shards()[0].1.seeds_missing, 3);
    }

    #[test]
    fn merging_refuses_parts_of_different_sweeps_or_overlapping_shards() {
        type Mutation = (&'static str, fn(&mut SweepSummary));
        let mutations: Vec<Mutation> = vec![
            ("scenario", |s| s.scenario = "crdt".into()),
            ("engine", |s| s.engine = "turmoil".into()),
            ("bugs", |s| s.bugs = vec!["raft-vote-before-persist".into()]),
            ("seeds", |s| s.seeds.end = 7),
            ("shard 0/2", |s| s.shards = vec![Shard { index: 0, count: 2 }]),
            ("seed 1", |s| s.shards = vec![Shard { index: 1, count: 3 }]),
        ];
        for (mention, mutate) in mutations {
            let mut parts = two_shards();
            if mention == "seed 1" {
                parts[1].1.shards = vec![Shard { index: 0, count: 3 }];
                parts.push(("c".into(), shard_summary(1, 3, vec![seed(1, &[])])));
                mutate(&mut parts[2].1);
            } else {
                mutate(&mut parts[1].1);
            }
            let err = SweepSummary::merge(&parts).err().unwrap_or_else(|| panic!("{mention}: merged"));
            assert!(err.contains(mention), "{err:?} does not mention {mention}");
        }
        assert!(SweepSummary::merge(&[]).is_err());
    }

    #[test]
    fn a_summary_round_trips_through_json() {
        let merged = SweepSummary::merge(&two_shards()).expect("merge");
        let text = serde_json::to_string_pretty(&merged).expect("serialize");
        let back: SweepSummary = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, merged);
    }
}
