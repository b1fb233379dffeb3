//! Seed selection for `cargo test`, the way madsim's `MADSIM_TEST_SEED` works: a scenario test
//! names its default seeds and engines, and the environment can narrow or widen them without
//! editing the test:
//!
//! - `FAULTLINE_SEED=N`: run exactly seed N (replaying a failure);
//! - `FAULTLINE_SEEDS=A..B`: run the half-open range A..B instead of the default (a wider sweep);
//! - `FAULTLINE_ENGINE=madsim|turmoil`: run only this engine.
//!
//! Users' own tests call the same functions. A failing test prints [`cargo_test_repro`] and the
//! results' CLI repro line, so either way of replaying is one paste away.
use crate::engine::EngineKind;
use crate::run::{parse_seed_range, Results};
use std::ops::Range;

/// Variable naming the one seed to run.
pub const SEED_VAR: &str = "FAULTLINE_SEED";
/// Variable naming a seed range to run instead of the default.
pub const SEEDS_VAR: &str = "FAULTLINE_SEEDS";
/// Variable naming the one engine to run.
pub const ENGINE_VAR: &str = "FAULTLINE_ENGINE";

/// The seeds to run instead of `default`, read through `lookup` (testable without touching
/// the process environment). `Err` names the variable and what is wrong with it.
pub fn seed_range_from(lookup: impl Fn(&str) -> Option<String>, default: Range<u64>) -> Result<Range<u64>, String> {
    match (lookup(SEED_VAR), lookup(SEEDS_VAR)) {
        (Some(_), Some(_)) => Err(format!("{SEED_VAR} and {SEEDS_VAR} are both set: set one")),
        (Some(text), None) => {
            let seed: u64 = text.trim().parse().map_err(|_| format!("{SEED_VAR}={text:?}: expected a whole number"))?;
            let end = seed.checked_add(1).ok_or_else(|| format!("{SEED_VAR}={seed}: too large"))?;
            Ok(seed..end)
        }
        (None, Some(text)) => parse_seed_range(&text).map_err(|e| format!("{SEEDS_VAR}={text:?}: {e}")),
        (None, None) => Ok(default),
    }
}

/// The engines to run instead of `default`, read through `lookup`.
pub fn engines_from(
    lookup: impl Fn(&str) -> Option<String>,
    default: &[EngineKind],
) -> Result<Vec<EngineKind>, String> {
    let Some(text) = lookup(ENGINE_VAR) else { return Ok(default.to_vec()) };
    let engine = EngineKind::parse(text.trim()).map_err(|e| format!("{ENGINE_VAR}={text:?}: {e}"))?;
    if !engine.available() {
        return Err(format!("{ENGINE_VAR}={engine}: this build lacks `--cfg madsim` (see .cargo/config.toml)"));
    }
    Ok(vec![engine])
}

/// [`seed_range_from`] on the process environment; a bad variable fails the test with its message.
pub fn seed_range(default: Range<u64>) -> Range<u64> {
    seed_range_from(env_var, default).unwrap_or_else(|e| panic!("{e}"))
}

/// `default` seeds unless `FAULTLINE_SEED`/`FAULTLINE_SEEDS` say otherwise (for tests that pick
/// a few particular seeds rather than a range).
pub fn seed_list(default: &[u64]) -> Vec<u64> {
    match (env_var(SEED_VAR), env_var(SEEDS_VAR)) {
        (None, None) => default.to_vec(),
        _ => seed_range(0..1).collect(),
    }
}

/// [`engines_from`] on the process environment; a bad variable fails the test with its message.
pub fn engines(default: &[EngineKind]) -> Vec<EngineKind> {
    engines_from(env_var, default).unwrap_or_else(|e| panic!("{e}"))
}

/// The engine to run when a test has one default engine.
pub fn engine(default: EngineKind) -> EngineKind {
    engines(&[default]).first().copied().unwrap_or(default)
}

/// The `cargo test` command that reruns `test_target` (an integration test's name, e.g.
/// `env!("CARGO_CRATE_NAME")`) on exactly this seed and engine.
pub fn cargo_test_repro(test_target: &str, seed: u64, engine: &str) -> String {
    format!("{SEED_VAR}={seed} {ENGINE_VAR}={engine} cargo test -p faultline --test {test_target}")
}

/// A failed run explained for an assertion message: the failing checks and both repro lines.
pub fn explain_failure(r: &Results, test_target: &str) -> String {
    let failed: Vec<String> = r.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
    format!(
        "seed {} failed: {}\n  repro (cargo test): {}\n  repro (CLI): {}",
        r.seed,
        failed.join("; "),
        cargo_test_repro(test_target, r.seed, &r.engine),
        r.repro
    )
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_environment_narrows_or_widens_the_default_seeds() {
        assert_eq!(seed_range_from(env(&[]), 0..20), Ok(0..20));
        assert_eq!(seed_range_from(env(&[("FAULTLINE_SEED", "7")]), 0..20), Ok(7..8));
        assert_eq!(seed_range_from(env(&[("FAULTLINE_SEEDS", "100..400")]), 0..20), Ok(100..400));
        for bad in [
            &[("FAULTLINE_SEED", "x")][..],
            &[("FAULTLINE_SEEDS", "5..5")],
            &[("FAULTLINE_SEEDS", "7")],
            &[("FAULTLINE_SEED", "18446744073709551615")],
            &[("FAULTLINE_SEED", "1"), ("FAULTLINE_SEEDS", "0..2")],
        ] {
            let err = seed_range_from(env(bad), 0..20).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(err.contains("FAULTLINE_SEED"), "{err}");
        }
    }

    #[test]
    fn the_environment_picks_the_engine() {
        let both = [EngineKind::Turmoil, EngineKind::Madsim];
        assert_eq!(engines_from(env(&[]), &both), Ok(both.to_vec()));
        assert_eq!(engines_from(env(&[("FAULTLINE_ENGINE", "turmoil")]), &both), Ok(vec![EngineKind::Turmoil]));
        let err = engines_from(env(&[("FAULTLINE_ENGINE", "qemu")]), &both).err().unwrap_or_default();
        assert!(err.contains("FAULTLINE_ENGINE"), "{err}");
    }

    #[test]
    fn the_cargo_repro_names_seed_engine_and_target() {
        assert_eq!(
            cargo_test_repro("default_scenario", 7, "madsim"),
            "FAULTLINE_SEED=7 FAULTLINE_ENGINE=madsim cargo test -p faultline --test default_scenario"
        );
    }
}
