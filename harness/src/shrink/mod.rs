//! Shrinking a failing run to a smaller one that fails the same checks (`faultline shrink`).
//! The run is first written in its explicit form (every fault scheduled at its exact time, the
//! systems' sections as given); candidates are smaller explicit forms run at the same seed and
//! engine. External events go first (faults, then the workload), the run's length last.
mod ddmin;
mod document;
mod evaluate;
mod explicit;
mod knobs;
mod passes;
mod signature;
mod write;

pub use evaluate::{Budget, Current};
pub use explicit::{document_text, explicit_document, scenario_document, us_to_secs};
pub use signature::Signature;
pub use write::{write_shrunk, Written, SCENARIO_FILE};

use crate::run::{Results, RunRequest};
use evaluate::Evaluator;

/// What to shrink and how hard to try.
#[derive(Clone, Debug)]
pub struct ShrinkRequest {
    /// The failing run.
    pub run: RunRequest,
    /// Parallel candidate runs.
    pub jobs: usize,
    /// When to stop searching.
    pub budget: Budget,
}

/// What shrinking found.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The original run's results.
    pub original: Results,
    /// The smallest failing run found: its document (with `shrunk_from` set) and results.
    pub shrunk: Current,
    /// Faults scheduled before and after.
    pub faults: (usize, usize),
    /// Candidate runs tried.
    pub candidates: usize,
    /// Wall seconds the shrink took.
    pub wall_seconds: f64,
    /// Which budget ran out, if one did (the result is the best found until then).
    pub exhausted: Option<&'static str>,
}

/// Why a run cannot be shrunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// The run passes: there is nothing to shrink.
    Passes(String),
    /// The explicit form could not be written or did not fail the same way (a harness bug).
    Explicit(String),
}

impl std::fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShrinkError::Passes(m) | ShrinkError::Explicit(m) => write!(f, "{m}"),
        }
    }
}

/// Runs the original, checks its explicit form fails the same way, then shrinks it.
pub fn shrink(request: &ShrinkRequest) -> Result<Shrunk, ShrinkError> {
    let started = std::time::Instant::now();
    let run = &request.run;
    let original = crate::run::run(run).results;
    let signature = Signature::of(&original);
    if signature.is_pass() {
        return Err(ShrinkError::Passes(format!(
            "{} seed {} on {} passes every check: there is no failure to shrink",
            original.scenario, run.seed, run.engine
        )));
    }
    let mut document =
        explicit_document(&run.scenario, run.seed, run.engine, &run.all_bugs()).map_err(ShrinkError::Explicit)?;
    document.insert("shrunk_from".into(), toml::Value::String(original.repro.clone()));
    let mut ev = Evaluator::new(run.seed, run.engine, request.jobs, signature.clone(), request.budget);
    let results = ev.run_document(&document).map_err(ShrinkError::Explicit)?;
    if !signature.accepts(&Signature::of(&results)) {
        return Err(ShrinkError::Explicit(format!(
            "the explicit form of {} failed [{}], not [{signature}]: please report this harness bug",
            original.repro,
            Signature::of(&results)
        )));
    }
    let faults_before = document::schedule(&document).len();
    let mut current = Current { document, results };
    passes::run_all(&mut ev, &mut current, &core_keys());
    Ok(Shrunk {
        original,
        faults: (faults_before, document::schedule(&current.document).len()),
        shrunk: current,
        candidates: ev.tried,
        wall_seconds: started.elapsed().as_secs_f64(),
        exhausted: ev.exhausted,
    })
}

/// The core's top-level keys: everything else in a document is a system's section.
fn core_keys() -> Vec<String> {
    toml::Table::try_from(crate::scenario::Scenario::default()).unwrap_or_default().keys().cloned().collect()
}

/// `faultline shrink`'s defaults: what fits a laptop.
pub const TIME_BUDGET_S_DEFAULT: u64 = 60;
/// Default candidate budget.
pub const CANDIDATES_MAX_DEFAULT: usize = 400;
