//! Reading and validating scenario files, with errors that name the file, line and field.
use super::model::{NemesisMode, Scenario};
use std::fmt;
use std::path::{Path, PathBuf};

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

/// Parses and validates scenario TOML; `file` is used in error messages.
pub fn load_str(file: &str, source: &str) -> Result<Scenario, ScenarioError> {
    let scenario: Scenario = toml::from_str(source).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(source, s.start));
        let field = line.and_then(|l| key_on_line(source, l));
        ScenarioError { file: file.to_string(), line, field, message: first_line(e.message()) }
    })?;
    validate(&scenario).map_err(|(field, message)| ScenarioError {
        file: file.to_string(),
        line: line_of_field(source, &field),
        field: Some(field),
        message,
    })?;
    Ok(scenario)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

fn line_of_offset(source: &str, offset: usize) -> usize {
    source.get(..offset).map_or(1, |prefix| prefix.matches('\n').count() + 1)
}

fn key_on_line(source: &str, line: usize) -> Option<String> {
    let text = source.lines().nth(line.checked_sub(1)?)?;
    let key = text.split('=').next()?.trim();
    (!key.is_empty() && !key.starts_with('[') && text.contains('=')).then(|| key.to_string())
}

/// Finds the line of `a.b.c`: the `[a.b]` section header then the `c =` key after it.
fn line_of_field(source: &str, field: &str) -> Option<usize> {
    let (section, key) = match field.rsplit_once('.') {
        Some((s, k)) => (Some(s), k),
        None => (None, field),
    };
    let mut in_section = section.is_none();
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            let name = line.trim_matches(|c| c == '[' || c == ']').trim();
            in_section = section.is_some_and(|s| s == name);
            continue;
        }
        let k = line.split('=').next().map(str::trim);
        if in_section && line.contains('=') && k == Some(key) {
            return Some(i + 1);
        }
    }
    None
}

type Invalid = (String, String);

fn check(ok: bool, field: &str, message: impl Into<String>) -> Result<(), Invalid> {
    if ok {
        Ok(())
    } else {
        Err((field.to_string(), message.into()))
    }
}

fn validate(s: &Scenario) -> Result<(), Invalid> {
    check(s.duration_s.is_finite() && s.duration_s > 0.0, "duration_s", "must be > 0")?;
    check(s.duration_s <= 86_400.0, "duration_s", "must be at most one simulated day")?;
    check(s.quiesce_s.is_finite() && s.quiesce_s >= 0.0, "quiesce_s", "must be >= 0")?;
    check(s.quiesce_s <= 86_400.0, "quiesce_s", "must be at most one simulated day")?;
    check(
        crate::engine::EngineKind::parse(&s.engine).is_ok(),
        "engine",
        format!("unknown engine {:?}: expected \"turmoil\" or \"madsim\"", s.engine),
    )?;
    check((1..=1000).contains(&s.turmoil_tick_ms), "turmoil_tick_ms", "must be 1..=1000")?;
    for bug in &s.bugs {
        check(crate::bugs::find(bug).is_some(), "bugs", format!("unknown bug {bug:?} (see `faultline bugs`)"))?;
    }
    let n = &s.network;
    check(n.latency_max_ms >= n.latency_min_ms, "network.latency_max_ms", "must be >= latency_min_ms")?;
    check(n.latency_max_ms <= 10_000, "network.latency_max_ms", "must be <= 10000")?;
    let r = &s.relations;
    let cr = &s.crdt;
    check(r.nodes <= 9, "relations.nodes", "must be 0..=9")?;
    check(cr.replicas <= 9, "crdt.replicas", "must be 0..=9")?;
    check(r.nodes > 0 || cr.replicas > 0, "relations.nodes", "a scenario needs Raft nodes or CRDT replicas")?;
    check(cr.replicas != 1, "crdt.replicas", "must be 0 (no CRDT part) or at least 2")?;
    check(
        cr.replicas == 0 || (1..=16).contains(&cr.clients_per_replica),
        "crdt.clients_per_replica",
        "must be 1..=16",
    )?;
    check(cr.gossip_interval_ms > 0, "crdt.gossip_interval_ms", "must be > 0")?;
    check((2..=40).contains(&cr.users), "crdt.users", "must be 2..=40 (states must fit a datagram)")?;
    check(cr.attempt_timeout_ms > 0, "crdt.attempt_timeout_ms", "must be > 0")?;
    check(cr.op_timeout_ms >= cr.attempt_timeout_ms, "crdt.op_timeout_ms", "must be >= attempt_timeout_ms")?;
    check(cr.mix_add + cr.mix_remove + cr.mix_contains > 0, "crdt.mix_add", "at least one weight must be > 0")?;
    let ls = &s.logsync;
    check(ls.replicas <= 9, "logsync.replicas", "must be 0..=9")?;
    check(
        ls.replicas == 0 || r.nodes > 0,
        "logsync.replicas",
        "LogSync replicas follow a Raft cluster: relations.nodes must be > 0",
    )?;
    check(ls.replicas == 0 || (1..=32).contains(&ls.clients), "logsync.clients", "must be 1..=32")?;
    check(ls.ship_interval_ms > 0, "logsync.ship_interval_ms", "must be > 0")?;
    check((1..=1024).contains(&ls.batch_max), "logsync.batch_max", "must be 1..=1024")?;
    check(ls.ack_interval_ms > 0, "logsync.ack_interval_ms", "must be > 0")?;
    check(ls.read_percent <= 100, "logsync.read_percent", "must be 0..=100")?;
    check(ls.staleness_bound_ms > 0, "logsync.staleness_bound_ms", "must be > 0")?;
    check(r.election_timeout_min_ms > 0, "relations.election_timeout_min_ms", "must be > 0")?;
    check(
        r.election_timeout_max_ms > r.election_timeout_min_ms,
        "relations.election_timeout_max_ms",
        "must be > election_timeout_min_ms",
    )?;
    check(
        r.heartbeat_ms > 0 && r.heartbeat_ms < r.election_timeout_min_ms,
        "relations.heartbeat_ms",
        "must be > 0 and < election_timeout_min_ms",
    )?;
    check(r.max_clock_drift_ppm < 500_000, "relations.max_clock_drift_ppm", "must be < 500000")?;
    check(r.snapshot_threshold > 0, "relations.snapshot_threshold", "must be > 0")?;
    check(r.max_entries_per_append > 0, "relations.max_entries_per_append", "must be > 0")?;
    check(
        r.restart_delay_max_ms >= r.restart_delay_min_ms,
        "relations.restart_delay_max_ms",
        "must be >= restart_delay_min_ms",
    )?;
    let w = &s.workload;
    check((1..=64).contains(&w.clients), "workload.clients", "must be 1..=64")?;
    check((2..=1000).contains(&w.users), "workload.users", "must be 2..=1000")?;
    check(w.attempt_timeout_ms > 0, "workload.attempt_timeout_ms", "must be > 0")?;
    check(w.op_timeout_ms >= w.attempt_timeout_ms, "workload.op_timeout_ms", "must be >= attempt_timeout_ms")?;
    let m = &w.mix;
    check(
        m.follow + m.unfollow + m.is_following + m.followers + m.counts > 0,
        "workload.mix",
        "at least one weight must be > 0",
    )?;
    let ne = &s.nemesis;
    check(ne.start_s >= 0.0 && ne.start_s.is_finite(), "nemesis.start_s", "must be >= 0")?;
    check(ne.interval_min_ms > 0, "nemesis.interval_min_ms", "must be > 0")?;
    check(ne.interval_max_ms >= ne.interval_min_ms, "nemesis.interval_max_ms", "must be >= interval_min_ms")?;
    check(ne.fault_min_ms > 0, "nemesis.fault_min_ms", "must be > 0")?;
    check(ne.fault_max_ms >= ne.fault_min_ms, "nemesis.fault_max_ms", "must be >= fault_min_ms")?;
    for (field, p) in [
        ("nemesis.loss_rate", ne.loss_rate),
        ("nemesis.duplicate_rate", ne.duplicate_rate),
        ("nemesis.reorder_rate", ne.reorder_rate),
    ] {
        check((0.0..=1.0).contains(&p), field, "must be a probability in [0, 1]")?;
    }
    check(ne.clock.strobe_period_ms > 0, "nemesis.clock.strobe_period_ms", "must be > 0")?;
    check(
        ne.mode != NemesisMode::Generated || !ne.kinds.is_empty(),
        "nemesis.kinds",
        "a generated schedule needs at least one fault kind",
    )?;
    for f in &ne.schedule {
        check(f.at_s.is_finite() && f.at_s >= 0.0, "nemesis.schedule.at_s", "must be >= 0")?;
        check(f.duration_s.is_finite() && f.duration_s > 0.0, "nemesis.schedule.duration_s", "must be > 0")?;
        if let Some(node) = f.node {
            let n = s.node_count();
            check(
                (1..=n).contains(&node),
                "nemesis.schedule.node",
                format!("node {node} does not exist (nodes are 1..={n})"),
            )?;
        }
    }
    let c = &s.checks;
    check(c.liveness_bound_s > 0.0, "checks.liveness_bound_s", "must be > 0")?;
    check(c.linearizability_budget > 0, "checks.linearizability_budget", "must be > 0")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let s = load_str("empty.toml", "").expect("empty scenario uses defaults");
        assert_eq!(s.relations.nodes, 5);
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
    fn missing_file_is_an_error_not_a_panic() {
        let e = load("/nonexistent/dir/x.toml").unwrap_err();
        assert!(e.message.contains("cannot read"));
    }
}
