//! Jepsen's total-queue arithmetic over multisets, shared by the `total-queue` model and the
//! ingestion ledger (which is stricter about duplicates).
use std::collections::BTreeMap;
use std::fmt::Display;

/// A multiset: element to multiplicity (never 0).
pub type Multiset<K> = BTreeMap<K, u64>;

/// Add one occurrence of `k`.
pub fn add<K: Ord>(m: &mut Multiset<K>, k: K) {
    let n = m.entry(k).or_insert(0);
    *n = n.saturating_add(1);
}

/// Total multiplicity.
pub fn size<K>(m: &Multiset<K>) -> u64 {
    m.values().fold(0u64, |a, n| a.saturating_add(*n))
}

/// `a - b` as multisets (counts subtract, floor 0).
fn minus<K: Ord + Clone>(a: &Multiset<K>, b: &Multiset<K>) -> Multiset<K> {
    a.iter()
        .filter_map(|(k, n)| {
            let left = n.saturating_sub(b.get(k).copied().unwrap_or(0));
            (left > 0).then(|| (k.clone(), left))
        })
        .collect()
}

/// `a ∩ b` as multisets (minimum counts).
fn intersect<K: Ord + Clone>(a: &Multiset<K>, b: &Multiset<K>) -> Multiset<K> {
    a.iter()
        .filter_map(|(k, n)| {
            let both = (*n).min(b.get(k).copied().unwrap_or(0));
            (both > 0).then(|| (k.clone(), both))
        })
        .collect()
}

/// The counts `jepsen.checker/total-queue` reports.
///
/// Definitions as in jepsen-io/jepsen `jepsen/src/jepsen/checker.clj`, `total-queue`
/// (attempts = invoked enqueues, enqueues = ok enqueues, dequeues = ok dequeues):
/// ok = dequeues ∩ attempts; unexpected = dequeues of values never attempted;
/// duplicated = dequeues − attempts − unexpected; lost = enqueues − dequeues;
/// recovered = ok − enqueues. Valid iff lost and unexpected are empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueCounts<K: Ord> {
    /// Invoked enqueues.
    pub attempt_count: u64,
    /// Acknowledged (ok) enqueues.
    pub acknowledged_count: u64,
    /// Dequeues of attempted values (up to their attempt multiplicity).
    pub ok_count: u64,
    /// Dequeued but never attempted.
    pub unexpected: Multiset<K>,
    /// Dequeued more often than attempted.
    pub duplicated: Multiset<K>,
    /// Acknowledged but never dequeued.
    pub lost: Multiset<K>,
    /// Dequeued although the enqueue was not acknowledged.
    pub recovered: Multiset<K>,
}

impl<K: Ord + Clone + Display> QueueCounts<K> {
    /// Compute the counts from the three multisets.
    pub fn compute(attempts: &Multiset<K>, enqueues: &Multiset<K>, dequeues: &Multiset<K>) -> Self {
        let ok = intersect(dequeues, attempts);
        let unexpected: Multiset<K> =
            dequeues.iter().filter(|(k, _)| !attempts.contains_key(*k)).map(|(k, n)| (k.clone(), *n)).collect();
        let duplicated = minus(&minus(dequeues, attempts), &unexpected);
        Self {
            attempt_count: size(attempts),
            acknowledged_count: size(enqueues),
            ok_count: size(&ok),
            lost: minus(enqueues, dequeues),
            recovered: minus(&ok, enqueues),
            unexpected,
            duplicated,
        }
    }

    /// Jepsen's validity: nothing lost, nothing unexpected (duplicates are allowed).
    pub fn jepsen_valid(&self) -> bool {
        self.lost.is_empty() && self.unexpected.is_empty()
    }

    /// One line with every count, in Jepsen's names.
    pub fn summary(&self) -> String {
        format!(
            "attempt-count {}, acknowledged-count {}, ok-count {}, unexpected-count {}, duplicated-count {}, \
             lost-count {}, recovered-count {}",
            self.attempt_count,
            self.acknowledged_count,
            self.ok_count,
            size(&self.unexpected),
            size(&self.duplicated),
            size(&self.lost),
            size(&self.recovered)
        )
    }
}

/// The first `max` elements of a multiset as `v` or `v×n`, and how many more.
pub fn list<K: Display>(m: &Multiset<K>, max: usize) -> String {
    let mut parts: Vec<String> =
        m.iter().take(max).map(|(k, n)| if *n == 1 { k.to_string() } else { format!("{k}×{n}") }).collect();
    let more = m.len().saturating_sub(max);
    if more > 0 {
        parts.push(format!("and {more} more"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(xs: &[u32]) -> Multiset<u32> {
        let mut m = Multiset::new();
        xs.iter().for_each(|x| add(&mut m, *x));
        m
    }

    #[test]
    fn jepsen_definitions() {
        // 1 ok and dequeued, 2 ok and lost, 3 attempted only and recovered, 4 dequeued twice,
        // 9 never attempted.
        let c = QueueCounts::compute(&ms(&[1, 2, 3, 4]), &ms(&[1, 2, 4]), &ms(&[1, 3, 4, 4, 9]));
        assert_eq!((c.attempt_count, c.acknowledged_count, c.ok_count), (4, 3, 3));
        assert_eq!(c.lost, ms(&[2]));
        assert_eq!(c.recovered, ms(&[3]));
        assert_eq!(c.duplicated, ms(&[4]));
        assert_eq!(c.unexpected, ms(&[9]));
        assert!(!c.jepsen_valid());
        let fine = QueueCounts::compute(&ms(&[1, 2]), &ms(&[1, 2]), &ms(&[1, 2, 2]));
        assert!(fine.jepsen_valid(), "Jepsen allows duplicates");
        assert_eq!(list(&fine.duplicated, 3), "2");
    }
}
