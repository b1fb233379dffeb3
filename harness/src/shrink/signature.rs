//! A failure's signature: the set of checks that failed. Two runs fail "the same way" when
//! exactly the same checks fail, whatever their details say (a shrunk run's counterexample is
//! smaller, so its detail differs) and whatever checks passed.
use crate::run::Results;
use std::collections::BTreeSet;
use std::fmt;

/// The names of the failed checks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Signature(pub BTreeSet<String>);

impl Signature {
    /// The signature of `results` (empty when it passed).
    pub fn of(results: &Results) -> Self {
        Signature(results.failed_checks().into_iter().map(str::to_string).collect())
    }

    /// Whether nothing failed.
    pub fn is_pass(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(String::as_str).collect();
        write!(f, "{}", names.join(", "))
    }
}
