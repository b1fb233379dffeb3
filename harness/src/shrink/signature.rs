//! A failure's signature: the checks that failed, and the first of them in report order (the
//! headline: for a Raft run, e.g., `election-safety` before `durability`). A smaller run fails
//! "the same way" when it fails the headline check and no check the original passed: it may
//! shed secondary failures (a run with fewer faults shows two leaders in a term without also
//! corrupting a log), never gain new ones, and details (which key, which index) may differ,
//! since a smaller run has a smaller counterexample.
use crate::run::Results;
use std::collections::BTreeSet;
use std::fmt;

/// The names of the failed checks and the headline among them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Signature {
    /// The first failed check in report order (empty when the run passed).
    pub headline: String,
    /// Every failed check.
    pub failed: BTreeSet<String>,
}

impl Signature {
    /// The signature of `results` (empty when it passed).
    pub fn of(results: &Results) -> Self {
        let names = results.failed_checks();
        Signature {
            headline: names.first().map_or_else(String::new, |n| n.to_string()),
            failed: names.into_iter().map(str::to_string).collect(),
        }
    }

    /// Whether nothing failed.
    pub fn is_pass(&self) -> bool {
        self.failed.is_empty()
    }

    /// Whether a run with signature `other` fails the same way as this one: it fails this
    /// headline check and nothing this run passed.
    pub fn accepts(&self, other: &Signature) -> bool {
        !self.is_pass() && other.failed.contains(&self.headline) && other.failed.is_subset(&self.failed)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.failed.iter().map(String::as_str).collect();
        write!(f, "{}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(headline: &str, failed: &[&str]) -> Signature {
        Signature { headline: headline.into(), failed: failed.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn the_same_headline_with_fewer_secondary_failures_is_the_same_way() {
        let original = sig("election-safety", &["election-safety", "log-matching", "durability"]);
        assert!(original.accepts(&original));
        assert!(original.accepts(&sig("election-safety", &["election-safety"])));
        assert!(original.accepts(&sig("election-safety", &["election-safety", "durability"])));
    }

    #[test]
    fn losing_the_headline_or_gaining_a_new_failure_is_not() {
        let original = sig("election-safety", &["election-safety", "durability"]);
        assert!(!original.accepts(&sig("durability", &["durability"])), "headline lost");
        assert!(!original.accepts(&sig("election-safety", &["election-safety", "liveness"])), "new failure");
        assert!(!original.accepts(&sig("", &[])), "a pass");
        assert!(!sig("", &[]).accepts(&sig("", &[])), "a passing original accepts nothing");
    }
}
