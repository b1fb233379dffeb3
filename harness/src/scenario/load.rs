//! Reading and validating scenario files, with errors that name the file, line and field.
use super::model::{NemesisMode, Scenario, SystemList};
use super::source::{require, Invalid, ScenarioSource};
use crate::system::{Plugin, System};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A scenario that could not be loaded: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file (or the name the user gave).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted field path, when known (e.g. `relations.nodes`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Where a scenario given by name or path lives: an existing path as is, else
/// `scenarios/NAME.toml` under the workspace (or the current directory).
pub fn resolve_path(name_or_path: &str) -> PathBuf {
    let direct = PathBuf::from(name_or_path);
    if direct.is_file() {
        return direct;
    }
    let file = format!("{name_or_path}.toml");
    let candidates = [
        Path::new("scenarios").join(&file),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("scenarios").join(&file),
    ];
    candidates.iter().find(|p| p.is_file()).cloned().unwrap_or(direct)
}

/// Loads and validates a scenario given by name (`social`) or path.
pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
    let path = resolve_path(name_or_path);
    let source = std::fs::read_to_string(&path).map_err(|e| ScenarioError {
        file: path.display().to_string(),
        line: None,
        field: None,
        message: format!("cannot read scenario: {e} (give a path or a name from scenarios/)"),
    })?;
    load_str(&path.display().to_string(), &source)
}

/// Parses and validates scenario TOML; `file` is used in error messages. Every registered
/// system reads its own sections.
pub fn load_str(file: &str, source: &str) -> Result<Scenario, ScenarioError> {
    load_str_with(file, source, crate::systems::plugins())
}

/// [`load_str`] with a chosen set of systems (a user's own, or ours plus theirs).
pub fn load_str_with(file: &str, source: &str, plugins: &[&dyn Plugin]) -> Result<Scenario, ScenarioError> {
    let src = ScenarioSource { file, text: source };
    let mut scenario: Scenario = src.parse()?;
    check_top_level_keys(&src, plugins)?;
    let mut systems: Vec<Arc<dyn System>> = Vec::new();
    for plugin in plugins {
        if let Some(system) = plugin.configure(&src, &systems)? {
            systems.push(system);
        }
    }
    scenario.systems = SystemList::new(systems);
    scenario.document = src.parse()?;
    if scenario.node_count() == 0 {
        return Err(no_hosts(&src, plugins));
    }
    let bugs: Vec<&'static str> = plugins.iter().flat_map(|p| p.bugs()).map(|b| b.name).collect();
    validate(&scenario, &bugs).map_err(|invalid| src.invalid(invalid))?;
    Ok(scenario)
}

/// The error for a scenario in which no system runs a host, pointing at the first section.
fn no_hosts(src: &ScenarioSource<'_>, plugins: &[&dyn Plugin]) -> ScenarioError {
    let sections: Vec<String> = plugins.iter().flat_map(|p| p.sections().first()).map(|s| format!("[{s}]")).collect();
    let first = plugins.iter().find_map(|p| p.sections().first().copied()).unwrap_or("");
    ScenarioError {
        file: src.file.to_string(),
        line: src.line_of_key(first),
        field: Some(first.to_string()),
        message: format!("no system under test runs a host: give one of {} some hosts", sections.join(", ")),
    }
}

/// Every top-level key must be the core's or a system's section: a typo in a section name
/// would otherwise silently run the defaults.
fn check_top_level_keys(src: &ScenarioSource<'_>, plugins: &[&dyn Plugin]) -> Result<(), ScenarioError> {
    let table: toml::Table = src.parse()?;
    let core = toml::Table::try_from(Scenario::default()).unwrap_or_default();
    let known = |key: &str| core.contains_key(key) || plugins.iter().any(|p| p.sections().contains(&key));
    match table.keys().find(|k| !known(k)) {
        None => Ok(()),
        Some(key) => {
            let mut expected: Vec<&str> = core.keys().map(String::as_str).collect();
            expected.extend(plugins.iter().flat_map(|p| p.sections().iter().copied()));
            Err(ScenarioError {
                file: src.file.to_string(),
                line: src.line_of_key(key),
                field: Some(key.clone()),
                message: format!("unknown field `{key}`, expected one of {}", expected.join(", ")),
            })
        }
    }
}

/// The longest time any scenario field may say, ms: one simulated day. Larger values would
/// overflow microsecond arithmetic (or mean a run that never ends).
pub const MS_MAX: u64 = 86_400_000;

/// A millisecond field within [`MS_MAX`].
pub fn require_ms(ms: u64, field: &str) -> Result<(), Invalid> {
    require(ms <= MS_MAX, field, format!("must be at most {MS_MAX} (one simulated day)"))
}

fn validate(s: &Scenario, bugs: &[&str]) -> Result<(), Invalid> {
    require(s.duration_s.is_finite() && s.duration_s > 0.0, "duration_s", "must be > 0")?;
    require(s.duration_s <= 86_400.0, "duration_s", "must be at most one simulated day")?;
    require(s.quiesce_s.is_finite() && s.quiesce_s >= 0.0, "quiesce_s", "must be >= 0")?;
    require(s.quiesce_s <= 86_400.0, "quiesce_s", "must be at most one simulated day")?;
    require(
        crate::engine::EngineKind::parse(&s.engine).is_ok(),
        "engine",
        format!("unknown engine {:?}: expected \"turmoil\", \"madsim\" or \"native\"", s.engine),
    )?;
    require((1..=1000).contains(&s.turmoil_tick_ms), "turmoil_tick_ms", "must be 1..=1000")?;
    for bug in &s.bugs {
        require(bugs.contains(&bug.as_str()), "bugs", format!("unknown bug {bug:?} (see `faultline bugs`)"))?;
    }
    let n = &s.network;
    require(n.latency_ms_max >= n.latency_ms_min, "network.latency_ms_max", "must be >= latency_ms_min")?;
    require(n.latency_ms_max <= 10_000, "network.latency_ms_max", "must be <= 10000")?;
    validate_nemesis(s)?;
    let c = &s.checks;
    require(c.liveness_bound_s.is_finite() && c.liveness_bound_s > 0.0, "checks.liveness_bound_s", "must be > 0")?;
    require(c.liveness_bound_s <= 86_400.0, "checks.liveness_bound_s", "must be at most one simulated day")?;
    require(c.linearizability_budget > 0, "checks.linearizability_budget", "must be > 0")?;
    Ok(())
}

fn validate_nemesis(s: &Scenario) -> Result<(), Invalid> {
    let ne = &s.nemesis;
    require(ne.start_s.is_finite() && (0.0..=86_400.0).contains(&ne.start_s), "nemesis.start_s", "must be 0..=86400")?;
    for (field, ms) in [
        ("nemesis.interval_ms_min", ne.interval_ms_min),
        ("nemesis.interval_ms_max", ne.interval_ms_max),
        ("nemesis.fault_ms_min", ne.fault_ms_min),
        ("nemesis.fault_ms_max", ne.fault_ms_max),
        ("nemesis.delay_ms_max", ne.delay_ms_max),
        ("nemesis.reorder_ms_max", ne.reorder_ms_max),
        ("nemesis.slow_fsync_ms", ne.slow_fsync_ms),
        ("nemesis.restart_delay_ms_min", ne.restart_delay_ms_min),
        ("nemesis.restart_delay_ms_max", ne.restart_delay_ms_max),
        ("nemesis.clock.bump_ms_max", ne.clock.bump_ms_max),
        ("nemesis.clock.strobe_amplitude_ms", ne.clock.strobe_amplitude_ms),
        ("nemesis.clock.strobe_period_ms", ne.clock.strobe_period_ms),
    ] {
        require_ms(ms, field)?;
    }
    require(ne.interval_ms_min > 0, "nemesis.interval_ms_min", "must be > 0")?;
    require(ne.interval_ms_max >= ne.interval_ms_min, "nemesis.interval_ms_max", "must be >= interval_ms_min")?;
    require(ne.fault_ms_min > 0, "nemesis.fault_ms_min", "must be > 0")?;
    require(ne.fault_ms_max >= ne.fault_ms_min, "nemesis.fault_ms_max", "must be >= fault_ms_min")?;
    require(
        ne.restart_delay_ms_max >= ne.restart_delay_ms_min,
        "nemesis.restart_delay_ms_max",
        "must be >= restart_delay_ms_min",
    )?;
    require(ne.clock.drift_ppm_max < 1_000_000, "nemesis.clock.drift_ppm_max", "must be < 1000000")?;
    for (field, p) in [
        ("nemesis.loss_rate", ne.loss_rate),
        ("nemesis.duplicate_rate", ne.duplicate_rate),
        ("nemesis.corrupt_rate", ne.corrupt_rate),
        ("nemesis.reorder_rate", ne.reorder_rate),
    ] {
        require((0.0..=1.0).contains(&p), field, "must be a probability in [0, 1]")?;
    }
    require(ne.clock.strobe_period_ms > 0, "nemesis.clock.strobe_period_ms", "must be > 0")?;
    require(
        ne.mode != NemesisMode::Generated || !ne.kinds.is_empty(),
        "nemesis.kinds",
        "a generated schedule needs at least one fault kind",
    )?;
    validate_schedule(s)
}

fn validate_schedule(s: &Scenario) -> Result<(), Invalid> {
    for f in &s.nemesis.schedule {
        let at_ok = f.at_s.is_finite() && (0.0..=86_400.0).contains(&f.at_s);
        require(at_ok, "nemesis.schedule.at_s", "must be 0..=86400")?;
        require(
            f.duration_s.is_finite() && f.duration_s > 0.0 && f.duration_s <= 86_400.0,
            "nemesis.schedule.duration_s",
            "must be > 0 and at most 86400",
        )?;
        if let Some(node) = f.node {
            let n = s.node_count();
            require(
                (1..=n).contains(&node),
                "nemesis.schedule.node",
                format!("node {node} does not exist (nodes are 1..={n})"),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let s = load_str("empty.toml", "").expect("empty scenario uses defaults");
        assert_eq!(s.node_count(), 5, "five relations voters by default");
    }

    #[test]
    fn type_error_names_line_and_field() {
        let src = "name = \"x\"\n[relations]\nnodes = \"five\"\n";
        let e = load_str("bad.toml", src).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.field.as_deref(), Some("nodes"));
        assert!(e.to_string().starts_with("bad.toml:3: field `nodes`"), "{e}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let e = load_str("bad.toml", "[workload]\nclientz = 3\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("clientz"), "{e}");
    }

    #[test]
    fn semantic_error_names_section_field_and_line() {
        let src = "[relations]\nnodes = 3\n\n[workload]\nclients = 0\n";
        let e = load_str("bad.toml", src).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("workload.clients"));
        assert_eq!(e.line, Some(5));
    }

    #[test]
    fn unknown_fault_kind_is_rejected() {
        let e = load_str("bad.toml", "[nemesis]\nkinds = [\"meteor\"]\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("meteor"), "{e}");
    }

    #[test]
    fn unknown_section_is_rejected_with_its_line() {
        let e = load_str("bad.toml", "name = \"x\"\n\n[relashuns]\nnodes = 3\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("relashuns"), "{e}");
    }

    #[test]
    fn times_that_would_overflow_are_rejected() {
        let e = load_str("bad.toml", "[workload]\nthink_ms = 18446744073709551615\n").unwrap_err();
        assert_eq!((e.field.as_deref(), e.line), (Some("think_ms"), Some(2)), "{e}");
        let e = load_str("bad.toml", "[workload]\nthink_ms = 100000000000000\n").unwrap_err();
        assert_eq!((e.field.as_deref(), e.line), (Some("workload.think_ms"), Some(2)), "{e}");
        let e = load_str("bad.toml", "[nemesis]\nfault_ms_max = 100000000000\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nemesis.fault_ms_max"), "{e}");
    }

    #[test]
    fn missing_file_is_an_error_not_a_panic() {
        let e = load("/nonexistent/dir/x.toml").unwrap_err();
        assert!(e.message.contains("cannot read"));
    }
}
