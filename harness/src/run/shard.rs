//! Splitting a seed range across workers: shard `I/N` (0-based, `0 <= I < N`) runs the seeds
//! `A+I, A+I+N, A+I+2N, ...` below `B`. Strided rather than contiguous so that slow seeds
//! (and a range's cheap tail) spread evenly over the workers; the N shards are disjoint and
//! their union is exactly `A..B`, whatever `A`, `B` and `N`.
//!
//! One image and one command line serve every worker: the shard can come from `--shard I/N`
//! or from the variables the common engines set (see [`Shard::from_env`]).
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// One of N disjoint slices of a seed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based index of this slice.
    pub index: u64,
    /// How many slices the range is cut into.
    pub count: u64,
}

/// Where the shard came from, for the log line (`shard 2/4 from JOB_COMPLETION_INDEX`).
pub type ShardSource = &'static str;

impl Shard {
    /// The whole range: one shard of one.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// A shard, if `index < count`.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err(format!("{index}/{count}: the shard count must be at least 1"));
        }
        if index >= count {
            return Err(format!("{index}/{count}: the shard index is 0-based and must be below the count {count}"));
        }
        Ok(Shard { index, count })
    }

    /// Parses `I/N`, e.g. `0/4`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("{text:?}: expected I/N with whole numbers 0 <= I < N, e.g. 0/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let i: u64 = i.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n).map_err(|e| format!("{text:?}: {e}"))
    }

    /// This shard's seeds of `range`, ascending.
    pub fn seeds(self, range: Range<u64>) -> impl Iterator<Item = u64> {
        let first = range.start.checked_add(self.index).filter(|s| *s < range.end);
        std::iter::successors(first, move |s| s.checked_add(self.count).filter(|n| *n < range.end))
    }

    /// Whether `seed` of `range` belongs to this shard.
    pub fn contains(self, range: &Range<u64>, seed: u64) -> bool {
        range.contains(&seed) && (seed - range.start) % self.count == self.index
    }

    /// The shard from `--shard` (`flag`), else from the environment (`lookup` reads a
    /// variable), in this order:
    /// - `FAULTLINE_SHARD=I/N`;
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` (0-based), with the count from
    ///   `--shards N` (`count_flag`) or `FAULTLINE_SHARDS`;
    /// - GitLab CI `parallel:`: `CI_NODE_INDEX` (1-based) of `CI_NODE_TOTAL`;
    /// - Buildkite `parallelism:`: `BUILDKITE_PARALLEL_JOB` (0-based) of `BUILDKITE_PARALLEL_JOB_COUNT`;
    /// - CircleCI `parallelism:`: `CIRCLE_NODE_INDEX` (0-based) of `CIRCLE_NODE_TOTAL`.
    ///
    /// Nothing set gives the whole range. A count without an index is an error: a worker that
    /// silently ran everything would duplicate every other worker's seeds.
    pub fn resolve(
        flag: Option<&str>,
        count_flag: Option<u64>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(Shard, ShardSource), String> {
        if let Some(text) = flag {
            let shard = Shard::parse(text).map_err(|e| format!("--shard {e}"))?;
            if let Some(n) = count_flag.filter(|n| *n != shard.count) {
                return Err(format!("--shard {text} and --shards {n} disagree on the count"));
            }
            return Ok((shard, "--shard"));
        }
        if let Some(text) = lookup("FAULTLINE_SHARD") {
            return Ok((Shard::parse(&text).map_err(|e| format!("FAULTLINE_SHARD={e}"))?, "FAULTLINE_SHARD"));
        }
        if let Some(index) = lookup("JOB_COMPLETION_INDEX") {
            let index = env_number("JOB_COMPLETION_INDEX", &index)?;
            let count = match (count_flag, lookup("FAULTLINE_SHARDS")) {
                (Some(n), _) => n,
                (None, Some(text)) => env_number("FAULTLINE_SHARDS", &text)?,
                (None, None) => {
                    return Err(format!(
                        "JOB_COMPLETION_INDEX={index} is set but not the shard count: pass --shards N \
                         (the Job's completions) or set FAULTLINE_SHARDS"
                    ))
                }
            };
            let shard = Shard::new(index, count).map_err(|e| format!("JOB_COMPLETION_INDEX / shard count: {e}"))?;
            return Ok((shard, "JOB_COMPLETION_INDEX"));
        }
        for (index_var, count_var, base) in ENGINE_VARIABLES {
            if let Some(found) = engine_shard(&lookup, index_var, count_var, base)? {
                return Ok((found, index_var));
            }
        }
        match count_flag {
            Some(n) => Err(format!(
                "--shards {n} given but no shard index: pass --shard I/{n} or run where JOB_COMPLETION_INDEX is set"
            )),
            None => Ok((Shard::WHOLE, "default")),
        }
    }
}

/// CI engines' (index variable, count variable, index of the first worker).
const ENGINE_VARIABLES: [(&str, &str, u64); 3] = [
    ("CI_NODE_INDEX", "CI_NODE_TOTAL", 1),
    ("BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", 0),
    ("CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", 0),
];

/// The shard an engine's pair of variables describes; `None` if the index is unset.
fn engine_shard(
    lookup: &impl Fn(&str) -> Option<String>,
    index_var: &str,
    count_var: &str,
    base: u64,
) -> Result<Option<Shard>, String> {
    let Some(index_text) = lookup(index_var) else { return Ok(None) };
    let index = env_number(index_var, &index_text)?;
    let count_text = lookup(count_var).ok_or_else(|| format!("{index_var}={index} is set but {count_var} is not"))?;
    let count = env_number(count_var, &count_text)?;
    let zero_based =
        index.checked_sub(base).ok_or_else(|| format!("{index_var}={index}: this index starts at {base}"))?;
    let shard =
        Shard::new(zero_based, count).map_err(|e| format!("{index_var}={index} of {count_var}={count}: {e}"))?;
    Ok(Some(shard))
}

fn env_number(var: &str, text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| format!("{var}={text:?}: expected a whole number"))
}

/// Parses `A..B` (half-open, as in Rust: `0..100` is 100 seeds, `A < B`).
pub fn parse_seed_range(text: &str) -> Result<Range<u64>, String> {
    let bad = || "expected A..B with whole numbers A < B, e.g. 0..100".to_string();
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if a >= b {
        return Err(bad());
    }
    Ok(a..b)
}

impl Default for Shard {
    fn default() -> Self {
        Shard::WHOLE
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_shards_of_a_range_are_disjoint_and_cover_it_exactly() {
        let starts = [0, 1, 7, 100, u64::MAX - 40];
        for start in starts {
            for len in [0u64, 1, 2, 3, 5, 16, 17, 40] {
                let range = start..start.saturating_add(len);
                for count in 1..=12 {
                    let mut seen: Vec<u64> = Vec::new();
                    for index in 0..count {
                        let shard = Shard::new(index, count).expect("valid shard");
                        let seeds: Vec<u64> = shard.seeds(range.clone()).collect();
                        assert!(seeds.windows(2).all(|w| w[0] < w[1]), "{shard} of {range:?} not ascending");
                        for s in &seeds {
                            assert!(shard.contains(&range, *s), "{shard} of {range:?}: {s} not contained");
                        }
                        seen.extend(seeds);
                    }
                    seen.sort_unstable();
                    let expected: Vec<u64> = range.clone().collect();
                    assert_eq!(seen, expected, "{count} shards of {range:?}: not an exact partition");
                }
            }
        }
    }

    #[test]
    fn shard_specs_parse_or_say_why_not() {
        assert_eq!(Shard::parse("0/4"), Ok(Shard { index: 0, count: 4 }));
        assert_eq!(Shard::parse(" 3 / 4 "), Ok(Shard { index: 3, count: 4 }));
        for bad in ["", "4/4", "1/0", "0/0", "a/2", "1", "1/2/3", "-1/2", "1..2"] {
            assert!(Shard::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Shard::parse("4/4").unwrap_err().contains("0-based"));
    }

    #[test]
    fn the_shard_comes_from_the_flag_first_then_each_engine() {
        let none = env(&[]);
        assert_eq!(Shard::resolve(None, None, &none), Ok((Shard::WHOLE, "default")));
        assert_eq!(Shard::resolve(Some("1/3"), None, &none).map(|s| s.0), Ok(Shard { index: 1, count: 3 }));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "2"), ("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "9")]);
        assert_eq!(Shard::resolve(None, Some(4), &k8s), Ok((Shard { index: 2, count: 4 }, "JOB_COMPLETION_INDEX")));
        assert_eq!(Shard::resolve(Some("0/2"), None, &k8s).map(|s| s.0), Ok(Shard { index: 0, count: 2 }));
        let k8s_env_count = env(&[("JOB_COMPLETION_INDEX", "2"), ("FAULTLINE_SHARDS", "3")]);
        assert_eq!(Shard::resolve(None, None, &k8s_env_count).map(|s| s.0), Ok(Shard { index: 2, count: 3 }));
        let gitlab = env(&[("CI_NODE_INDEX", "3"), ("CI_NODE_TOTAL", "3")]);
        assert_eq!(Shard::resolve(None, None, &gitlab), Ok((Shard { index: 2, count: 3 }, "CI_NODE_INDEX")));
        let buildkite = env(&[("BUILDKITE_PARALLEL_JOB", "0"), ("BUILDKITE_PARALLEL_JOB_COUNT", "2")]);
        assert_eq!(Shard::resolve(None, None, &buildkite).map(|s| s.0), Ok(Shard { index: 0, count: 2 }));
        let circle = env(&[("CIRCLE_NODE_INDEX", "1"), ("CIRCLE_NODE_TOTAL", "2")]);
        assert_eq!(Shard::resolve(None, None, &circle).map(|s| s.0), Ok(Shard { index: 1, count: 2 }));
        let generic = env(&[("FAULTLINE_SHARD", "1/5")]);
        assert_eq!(Shard::resolve(None, None, &generic).map(|s| s.0), Ok(Shard { index: 1, count: 5 }));
    }

    #[test]
    fn bad_shard_settings_name_the_flag_or_variable() {
        type Case<'a> = (Option<&'a str>, Option<u64>, Vec<(&'a str, &'a str)>, &'a str);
        let cases: Vec<Case> = vec![
            (Some("5/5"), None, vec![], "--shard"),
            (Some("1/4"), Some(3), vec![], "disagree"),
            (None, None, vec![("JOB_COMPLETION_INDEX", "1")], "--shards"),
            (None, Some(2), vec![("JOB_COMPLETION_INDEX", "2")], "JOB_COMPLETION_INDEX"),
            (None, Some(2), vec![("JOB_COMPLETION_INDEX", "x")], "JOB_COMPLETION_INDEX"),
            (None, None, vec![("JOB_COMPLETION_INDEX", "0"), ("FAULTLINE_SHARDS", "0")], "at least 1"),
            (None, None, vec![("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "2")], "CI_NODE_INDEX"),
            (None, None, vec![("CI_NODE_INDEX", "1")], "CI_NODE_TOTAL"),
            (None, None, vec![("BUILDKITE_PARALLEL_JOB", "2"), ("BUILDKITE_PARALLEL_JOB_COUNT", "2")], "BUILDKITE"),
            (None, None, vec![("FAULTLINE_SHARD", "2")], "FAULTLINE_SHARD"),
            (None, Some(3), vec![], "no shard index"),
        ];
        for (flag, count, vars, mention) in cases {
            let result = Shard::resolve(flag, count, env(&vars));
            let err = result.err().unwrap_or_else(|| panic!("{flag:?} {count:?} {vars:?} accepted"));
            assert!(err.contains(mention), "{err:?} does not mention {mention:?}");
        }
    }
}
