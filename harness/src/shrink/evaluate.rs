//! Running candidates: each is a scenario document run at the original seed and engine; a
//! batch runs on up to `jobs` threads and the first candidate *in order* that fails with the
//! signature wins, so the outcome never depends on which thread finished first.
use super::explicit::document_text;
use super::signature::Signature;
use crate::engine::EngineKind;
use crate::run::{run, Results, RunRequest};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much searching is allowed.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Wall time for the whole shrink.
    pub time: Duration,
    /// Candidate runs at most.
    pub candidates_max: usize,
}

/// The smallest failing run found so far.
#[derive(Clone, Debug)]
pub struct Current {
    /// Its scenario document.
    pub document: toml::Table,
    /// Its results.
    pub results: Results,
}

/// Runs candidates against a signature within a budget.
pub struct Evaluator {
    seed: u64,
    engine: EngineKind,
    jobs: usize,
    signature: Signature,
    budget: Budget,
    started: Instant,
    /// Candidate runs so far.
    pub tried: usize,
    /// Which budget ran out, if one did.
    pub exhausted: Option<&'static str>,
}

impl Evaluator {
    /// An evaluator for runs of `seed` on `engine` that must fail with `signature`.
    pub fn new(seed: u64, engine: EngineKind, jobs: usize, signature: Signature, budget: Budget) -> Self {
        let jobs = jobs.max(1);
        Evaluator { seed, engine, jobs, signature, budget, started: Instant::now(), tried: 0, exhausted: None }
    }

    /// Runs `document` once (no budget, no signature): the run the search starts from.
    pub fn run_document(&self, document: &toml::Table) -> Result<Results, String> {
        run_one(document, self.seed, self.engine)
    }

    /// Tries `candidates` in order; the first that fails the same way replaces `current`.
    pub fn improve(&mut self, current: &mut Current, candidates: Vec<toml::Table>) -> bool {
        match self.first_failing(&candidates) {
            Some((i, results)) => {
                current.document = candidates.into_iter().nth(i).unwrap_or_default();
                current.results = results;
                true
            }
            None => false,
        }
    }

    /// The index and results of the first candidate that fails with the signature.
    pub fn first_failing(&mut self, candidates: &[toml::Table]) -> Option<(usize, Results)> {
        let mut offset = 0;
        for batch in candidates.chunks(self.jobs) {
            let batch = &batch[..batch.len().min(self.remaining()?)];
            let outcomes = self.run_batch(batch);
            let hit = outcomes
                .into_iter()
                .enumerate()
                .find_map(|(i, r)| r.ok().filter(|r| self.signature.accepts(&Signature::of(r))).map(|r| (i, r)));
            // Count what a one-job search would have run (up to the hit), so neither the
            // result nor the candidate budget depends on `jobs`.
            self.tried += hit.as_ref().map_or(batch.len(), |(i, _)| i + 1);
            if let Some((i, results)) = hit {
                return Some((offset + i, results));
            }
            offset += batch.len();
        }
        None
    }

    /// Candidate runs still allowed (None, noting why, when a budget is spent).
    fn remaining(&mut self) -> Option<usize> {
        if self.started.elapsed() >= self.budget.time {
            self.exhausted = Some("time budget");
        } else if self.tried >= self.budget.candidates_max {
            self.exhausted = Some("candidate budget");
        }
        if self.exhausted.is_some() {
            return None;
        }
        Some(self.budget.candidates_max.saturating_sub(self.tried))
    }

    fn run_batch(&self, batch: &[toml::Table]) -> Vec<Result<Results, String>> {
        let (seed, engine) = (self.seed, self.engine);
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch.iter().map(|doc| scope.spawn(move || run_one(doc, seed, engine))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("the candidate's run panicked outside the simulation".into())))
                .collect()
        })
    }
}

/// Loads and runs one document; an invalid candidate (a knob pushed out of range) is an error.
fn run_one(document: &toml::Table, seed: u64, engine: EngineKind) -> Result<Results, String> {
    let text = document_text(document)?;
    let scenario = crate::scenario::load_str("shrink candidate", &text).map_err(|e| e.to_string())?;
    let request = RunRequest {
        scenario_arg: "shrink-candidate".into(),
        scenario: Arc::new(scenario),
        seed,
        engine,
        bugs: Vec::new(),
    };
    Ok(run(&request).results)
}
