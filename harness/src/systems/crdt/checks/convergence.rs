//! Strong eventual consistency: once faults heal and writes stop, every replica must reach
//! the same state. Measured as the time from the heal until the digests are equal for good.
use super::observer::DigestSample;
use crate::check::CheckResult;
use crate::history::node_name;
use faultline_systems::crdt::replica::Digest32;
use std::collections::BTreeMap;

/// What the digest samples say about convergence.
#[derive(Clone, Debug, PartialEq)]
pub struct Convergence {
    /// Whether all replicas held equal digests at the end.
    pub converged: bool,
    /// Seconds from the heal until the digests became equal for good (0 if they never
    /// differed after the heal); `None` if they never did.
    pub seconds_after_heal: Option<f64>,
    /// The replicas whose final digest differs from the most common one.
    pub outliers: Vec<usize>,
    /// Differing replica pairs after each sample time (`divergence_series`).
    pub series: Vec<(u64, usize)>,
}

/// Number of replica pairs with differing digests after each sample time (replicas that
/// have not reported yet count as differing from everyone).
pub fn divergence_series(samples: &[DigestSample], replicas: &[usize]) -> Vec<(u64, usize)> {
    let mut current: BTreeMap<usize, Digest32> = BTreeMap::new();
    let mut series: Vec<(u64, usize)> = Vec::new();
    for s in samples {
        current.insert(s.node, s.digest);
        let differing = differing_pairs(&current, replicas);
        match series.last_mut() {
            Some(last) if last.0 == s.time_us => last.1 = differing,
            _ => series.push((s.time_us, differing)),
        }
    }
    series
}

fn differing_pairs(current: &BTreeMap<usize, Digest32>, replicas: &[usize]) -> usize {
    let mut n = 0;
    for (i, a) in replicas.iter().enumerate() {
        for b in &replicas[i + 1..] {
            match (current.get(a), current.get(b)) {
                (Some(x), Some(y)) if x == y => {}
                _ => n += 1,
            }
        }
    }
    n
}

/// Judges convergence at the end of the run; `heal_us` is when faults and writes stopped.
pub fn check_convergence(samples: &[DigestSample], replicas: &[usize], heal_us: u64) -> (CheckResult, Convergence) {
    let series = divergence_series(samples, replicas);
    let converged = series.last().is_some_and(|&(_, d)| d == 0);
    let seconds_after_heal = converged.then(|| {
        // The last time divergence dropped to zero.
        let settled_us = series.iter().rev().take_while(|&&(_, d)| d == 0).last().map_or(0, |&(t, _)| t);
        settled_us.saturating_sub(heal_us) as f64 / 1e6
    });
    let mut finals: BTreeMap<usize, Digest32> = BTreeMap::new();
    for s in samples {
        finals.insert(s.node, s.digest);
    }
    let mut counts: BTreeMap<Digest32, usize> = BTreeMap::new();
    for d in finals.values() {
        *counts.entry(*d).or_default() += 1;
    }
    let majority = counts.iter().max_by_key(|&(d, n)| (*n, std::cmp::Reverse(*d))).map(|(d, _)| *d);
    let outliers: Vec<usize> = replicas.iter().copied().filter(|r| finals.get(r) != majority.as_ref()).collect();
    let names = |v: &[usize]| v.iter().map(|&i| node_name(i)).collect::<Vec<_>>().join(", ");
    let result = match seconds_after_heal {
        Some(s) => CheckResult::pass(
            "crdt-convergence",
            format!("all {} replicas hold equal state, {s:.3} s after the heal", replicas.len()),
        ),
        None => CheckResult::fail(
            "crdt-convergence",
            format!(
                "replicas still differ at the end of the quiescent period: {} differ from the rest",
                names(&outliers)
            ),
        ),
    };
    (result, Convergence { converged, seconds_after_heal, outliers, series })
}
