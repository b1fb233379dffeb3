//! The import boundaries ARCHITECTURE.md states, held by a test so they cannot drift:
//! data flows one way (scenario → world → recorded run → checks → report), and the harness
//! core never names a particular system under test.
use std::fs;
use std::path::{Path, PathBuf};

/// Core modules (`harness/src/<module>`) and the modules each must never import.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("engine", &["check", "report", "world", "workload", "nemesis", "systems", "scenario"]),
    ("world", &["check", "report", "systems"]),
    ("workload", &["check", "report", "systems"]),
    ("nemesis", &["check", "report", "systems"]),
    ("check", &["report", "world", "workload", "nemesis", "engine", "systems", "run"]),
    ("history", &["check", "report", "world", "workload", "nemesis", "engine", "systems", "run"]),
    // report/ reads what a run produced (results, sweep summaries), never the world.
    ("report", &["world", "workload", "nemesis", "engine", "systems"]),
    ("run", &["systems"]),
    ("scenario", &["check", "report", "world", "workload", "nemesis", "run"]),
    ("system", &["systems", "run", "nemesis", "workload"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::<module>` a file names, with the line.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + 7..];
            let name: String = tail.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            found.push((i + 1, name));
            rest = &tail[..];
        }
    }
    found
}

#[test]
fn modules_import_only_along_the_flow() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (module, forbidden) in FORBIDDEN {
        let mut files = Vec::new();
        rust_files(&src.join(module), &mut files);
        assert!(!files.is_empty(), "no files under src/{module}: update this test with ARCHITECTURE.md");
        for file in files {
            let text = fs::read_to_string(&file).unwrap_or_default();
            for (line, name) in crate_paths(&text) {
                if forbidden.contains(&name.as_str()) {
                    violations.push(format!("{}:{line}: {module}/ imports crate::{name}", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "imports against the flow:\n{}", violations.join("\n"));
}

#[test]
fn the_core_reaches_systems_only_through_the_registry() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(src.join("systems"))) {
        let text = fs::read_to_string(file).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if let Some(at) = line.find("crate::systems::") {
                let next: String =
                    line[at + 16..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                // The registry is the one line that lists the systems; everything else is theirs.
                // Known exceptions: the bench's checker figure times the relations history, and
                // the simulation fuzz target builds a relations run (its case is one by design).
                let exempt = file.ends_with("cli/bench_cmd.rs") || file.ends_with("fuzzing/simulation.rs");
                if next != "plugins" && !exempt {
                    violations.push(format!("{}:{}: names crate::systems::{next}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(violations.is_empty(), "the core names a system:\n{}", violations.join("\n"));
}
