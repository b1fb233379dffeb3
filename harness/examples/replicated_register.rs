//! A user's own system under Faultline, through the public library API only: a primary-backup
//! replicated register (3 replicas; the primary replicates each write to both backups and
//! acknowledges once both have it on disk; reads at the primary), run under partitions and
//! crashes and checked for linearizability with the built-in `register` model.
//!
//! `cargo run -p faultline --example replicated_register -- [--seed N] [--bug ack-before-replicate] [--out DIR]`
//! The planted bug acknowledges a write before replicating it, and must be caught.
#[path = "replicated_register/client.rs"]
mod client;
#[path = "replicated_register/node.rs"]
mod node;

use faultline::check::linearizability::{self, Budget, LinearizabilityResult};
use faultline::check::models::Register;
use faultline::engine::EngineKind;
use faultline::report::ReportSection;
use faultline::scenario::{ScenarioError, ScenarioSource};
use faultline::simulation::Simulation;
use faultline::system::{ClientCtx, HostCtx, LocalFuture, PlantedBug, Plugin, RecordedRun, Role, System, Verdict};
use faultline::world::host_future;
use serde::Deserialize;
use std::any::Any;
use std::rc::Rc;
use std::sync::Arc;

/// The system's name (history events, results.json).
pub const NAME: &str = "register";
/// Its one host role; host 0 of it is the primary.
pub const REPLICA: &str = "replica";

/// The planted bug, declared once with the check that must catch it.
pub const ACK_BEFORE_REPLICATE: PlantedBug = PlantedBug {
    name: "ack-before-replicate",
    scenario: "examples/replicated_register",
    description: "the primary acknowledges a write (and shows it to reads) before the backups have it, so a primary crash loses acknowledged writes",
    caught_by: &["linearizability"],
};

/// The scenario: a long isolation of the primary with a crash inside it (so the planted bug
/// is exercised every seed), plus seed-generated partitions and crashes.
const SCENARIO: &str = r#"
name = "replicated-register"
duration_s = 8.0
quiesce_s = 3.0

[register]
replicas = 3
clients = 3

[nemesis]
mode = "generated"
swarm = true
kinds = ["partition-isolate", "partition-halves", "crash"]
start_s = 1.0
interval_ms_min = 500
interval_ms_max = 2000
fault_ms_min = 300
fault_ms_max = 1500
restart_delay_ms_min = 200
restart_delay_ms_max = 800
schedule = [
  { at_s = 2.0, fault = "partition-isolate", duration_s = 2.0, node = 1 },
  { at_s = 3.0, fault = "crash", duration_s = 0.5, node = 1 },
]
"#;

/// `[register]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterConfig {
    replicas: usize,
    clients: usize,
}

#[derive(Deserialize)]
struct Sections {
    register: Option<RegisterConfig>,
}

/// The register as a scenario configures it.
#[derive(Clone, Debug)]
pub struct RegisterSystem {
    config: RegisterConfig,
}

impl System for RegisterSystem {
    fn name(&self) -> &'static str {
        NAME
    }

    fn roles(&self) -> Vec<Role> {
        vec![Role { name: REPLICA, hosts: self.config.replicas }]
    }

    fn clients(&self) -> usize {
        self.config.clients
    }

    fn drain_us(&self) -> u64 {
        (client::OP_TIMEOUT_MS + 100) * 1000
    }

    fn host(&self, ctx: HostCtx) -> LocalFuture {
        host_future(
            ctx,
            Rc::new(|world, index, boot, now| {
                world.with(|w| {
                    let ids: Vec<u64> = w.scenario.topology().hosts(NAME, REPLICA).map(|h| h as u64 + 1).collect();
                    let bug = w.bugs.iter().any(|b| b == ACK_BEFORE_REPLICATE.name);
                    let disk = w.nodes[index].disk.clone();
                    node::RegisterNode::boot(index as u64 + 1, &ids, boot.number, disk, bug, now)
                })
            }),
        )
    }

    fn client(&self, ctx: ClientCtx) -> LocalFuture {
        faultline::workload::client_future(ctx, client::RegisterClient)
    }

    fn check(&self, run: &RecordedRun<'_>) -> Verdict {
        let history: Vec<_> = run.events_of(NAME).cloned().collect();
        let budget = Budget::steps(run.scenario.checks.linearizability_budget);
        let result = linearizability::check_with(&Register, &history, budget);
        let mut verdict = Verdict::default();
        if let LinearizabilityResult::NotLinearizable(window) = &result {
            let html = linearizability::render_timeline_html(window);
            verdict.sections.push(ReportSection::html("Operations that cannot be linearized", html));
        }
        verdict.checks.push(linearizability::to_check_result(&result));
        verdict
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The registry entry for `[register]`.
pub struct RegisterPlugin;

impl Plugin for RegisterPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn sections(&self) -> &'static [&'static str] {
        &["register"]
    }

    fn configure(
        &self,
        source: &ScenarioSource<'_>,
        _before: &[Arc<dyn System>],
    ) -> Result<Option<Arc<dyn System>>, ScenarioError> {
        let Some(config) = source.parse::<Sections>()?.register else { return Ok(None) };
        let valid = faultline::system::require(
            config.replicas == 3,
            "register.replicas",
            "must be 3 (a primary and two backups)",
        )
        .and_then(|()| faultline::system::require(config.clients > 0, "register.clients", "must be > 0"));
        valid.map_err(|e| source.invalid(e))?;
        Ok(Some(Arc::new(RegisterSystem { config })))
    }

    fn bugs(&self) -> Vec<PlantedBug> {
        vec![ACK_BEFORE_REPLICATE]
    }
}

/// The simulation of `seed`, with the planted bug on or off.
fn simulation(seed: u64, bug: bool) -> Result<Simulation, ScenarioError> {
    let sim = Simulation::from_toml("replicated_register.toml", SCENARIO, &[&RegisterPlugin])?;
    let sim = sim.seed(seed).engine(EngineKind::Madsim);
    Ok(if bug { sim.bug(ACK_BEFORE_REPLICATE.name) } else { sim })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seed = 1;
    let mut bug = false;
    let mut out = std::path::PathBuf::from("reports/replicated-register");
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seed" => seed = it.next().ok_or("--seed needs a number")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--bug" if it.next().map(String::as_str) == Some(ACK_BEFORE_REPLICATE.name) => bug = true,
            "--out" => out = it.next().ok_or("--out needs a directory")?.into(),
            other => {
                return Err(
                    format!("unknown argument {other:?} (--seed N, --bug ack-before-replicate, --out DIR)").into()
                )
            }
        }
    }
    let outcome = simulation(seed, bug)?.run()?;
    for c in &outcome.results.checks {
        println!("{} {:<16} {}", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail);
    }
    outcome.report_to(&out)?;
    println!(
        "verdict: {} ({} ops, {} faults); report: {}",
        outcome.results.verdict,
        outcome.results.ops,
        outcome.results.faults,
        out.join("index.html").display()
    );
    if !outcome.results.passed() {
        std::process::exit(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, bug: bool) -> faultline::run::RunOutcome {
        match simulation(seed, bug).map(|s| s.run()) {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => panic!("simulation refused: {e}"),
            Err(e) => panic!("scenario: {e}"),
        }
    }

    #[test]
    fn correct_register_passes_under_partitions_and_crashes() {
        for seed in 0..3 {
            let outcome = run(seed, false);
            let r = &outcome.results;
            assert!(r.passed(), "seed {seed}: {:?}", r.checks);
            assert!(r.faults >= 2, "seed {seed}: the scheduled isolation and crash must happen");
            let oks = outcome.history.iter().filter(|e| e.kind == faultline::history::EventKind::Ok).count();
            assert!(oks > 20, "seed {seed}: only {oks} ops completed: the checker had little to judge");
        }
    }

    #[test]
    fn ack_before_replicate_is_caught() {
        let caught = (0..5).find(|&seed| {
            let r = run(seed, true).results;
            r.failed_checks().iter().any(|c| ACK_BEFORE_REPLICATE.caught_by.contains(c))
        });
        assert!(caught.is_some(), "no seed in 0..5 caught {}", ACK_BEFORE_REPLICATE.name);
    }

    #[test]
    fn same_seed_same_trace() {
        assert_eq!(run(7, false).results.trace_hash, run(7, false).results.trace_hash);
    }

    #[test]
    fn unknown_bug_is_refused() {
        let sim = simulation(0, false).map(|s| s.bug("no-such-bug"));
        assert!(matches!(
            sim.map(|s| s.run().err()),
            Ok(Some(faultline::simulation::SimulationError::UnknownBug { .. }))
        ));
    }
}
