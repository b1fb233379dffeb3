//! The `simulation` fuzz target: libFuzzer's bytes choose a small relations run (three Raft
//! voters, one or two clients, under two simulated seconds on the native engine) — its
//! explicit fault schedule, its workload and its engine and Raft timing — and the run's
//! verdict is the property. The bytes are decoded with `arbitrary` into a [`SimCase`], from
//! which the [`Scenario`] is built directly (a TOML round trip cost more than a short run's
//! faults); a finding prints the same case as scenario TOML, which `faultline run` replays.
use crate::engine::EngineKind;
use crate::scenario::{ChecksConfig, FaultKind, NemesisConfig, NemesisMode, NetworkConfig, Scenario, ScheduledFault};
use crate::simulation::Simulation;
use crate::systems::relations::{Relations, RelationsConfig, WorkloadConfig, WorkloadMix};
use arbitrary::Unstructured;
use std::fmt;
use std::sync::Arc;

/// The latest a fault may heal, simulated ms. A run's length follows its schedule: faults
/// stop when the last one heals (at most this), then the quiet time liveness needs, then
/// the drain for the last operations to time out, since a run's cost is its simulated time.
pub const FAULT_PHASE_MS: u64 = 600;
/// Election timeout lower ends a case draws from, ms (the upper end is twice it). Shorter
/// than Raft's 150 ms default, so the quiet time liveness needs is shorter too.
const ELECTION_MS: (u64, u64) = (50, 100);
/// Election timeout at least this many one-way latencies: a vote round trip and a
/// heartbeat must fit well inside it, or healthy clusters hold elections.
const ELECTION_LATENCIES_MIN: u64 = 4;
/// Heartbeats per election timeout (Raft's default ratio, 50 ms to 150 ms): each heartbeat
/// round is four datagrams, the larger part of a short run's traffic.
const HEARTBEATS_PER_ELECTION: u64 = 3;
/// Attempt timeouts a case draws from, ms. (A 100 ms attempt with 20 ms latencies starved
/// clients after partitions: every attempt timed out before its reply came.)
const ATTEMPT_MS: (u64, u64) = (100, 200);
/// An attempt lasts at least this many one-way latencies: a write's four hops, a sync,
/// and a NotLeader redirect.
const ATTEMPT_LATENCIES_MIN: u64 = 8;
/// Attempts per operation (its timeout, and so the drain after the run, is this many).
const OP_ATTEMPTS: u64 = 2;
/// Election rounds the liveness bound allows after the heal: split votes and a node with
/// a higher term rejoining may each cost one.
const ELECTION_ROUNDS: u64 = 3;
/// Longest restart delay after a fail-stop, ms: a node that fail-stopped on a disk error
/// comes back that long after its fault, so the quiet time is the bound plus this.
const RESTART_DELAY_MS_MAX: u64 = 30;
/// Most faults one schedule holds.
pub const FAULTS_MAX: usize = 12;
/// The name a finding's scenario file is given in its repro line.
pub const REPRO_FILE: &str = "fuzz-repro.toml";

/// Fault kinds a schedule draws from. Process faults are listed twice: crashes and leader
/// kills during elections are what Raft's durability rules are about, so they come up more.
/// Left out: clock drift and strobe (their offsets outlive the heal, which a two-second run
/// cannot judge fairly) and partitions that need more than three nodes to differ from
/// `partition-halves`.
const KINDS: [FaultKind; 16] = [
    FaultKind::Crash,
    FaultKind::Crash,
    FaultKind::KillLeader,
    FaultKind::KillLeader,
    FaultKind::PartitionIsolate,
    FaultKind::PartitionLeader,
    FaultKind::PartitionHalves,
    FaultKind::Pause,
    FaultKind::ClockBump,
    FaultKind::Loss,
    FaultKind::Delay,
    FaultKind::Duplicate,
    FaultKind::Reorder,
    FaultKind::DiskEio,
    FaultKind::DiskSlow,
    FaultKind::Corrupt,
];

/// One fault of a fuzzed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFault {
    /// What.
    pub kind: FaultKind,
    /// Start, simulated milliseconds.
    pub at_ms: u64,
    /// Length, milliseconds (the plan clamps it to the heal point).
    pub duration_ms: u64,
    /// Target voter (1-based); None lets the seed choose.
    pub node: Option<usize>,
}

/// A small scenario chosen by fuzzer bytes: plain data, run as [`SimCase::scenario`] and
/// printed as [`SimCase::to_toml`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimCase {
    /// The run seed: the engine's RNG, latencies, the clients' choices, the nemesis' victims.
    pub seed: u64,
    /// Healthy one-way latency range, milliseconds.
    pub latency_ms: (u64, u64),
    /// Relations clients.
    pub clients: usize,
    /// Users in the follow graph (fewer: more contention per key).
    pub users: u64,
    /// Pause between a client's operations, milliseconds.
    pub think_ms: u64,
    /// Operation weights: follow, unfollow, is_following, followers, counts.
    pub mix: [u32; 5],
    /// Raft PreVote on.
    pub pre_vote: bool,
    /// Election timeout lower end, ms (the upper end is twice it, heartbeats a third of it).
    pub election_ms: u64,
    /// One attempt's timeout, ms (an operation gets [`OP_ATTEMPTS`] of them).
    pub attempt_ms: u64,
    /// Packet loss probability while `loss` is active, percent.
    pub loss_percent: u64,
    /// Extra latency ceiling while `delay` is active, milliseconds.
    pub delay_ms_max: u64,
    /// The explicit schedule.
    pub faults: Vec<CaseFault>,
}

impl SimCase {
    /// Decodes any bytes (too few bytes decode as the ranges' lower ends, so every input is a case).
    pub fn decode(bytes: &[u8]) -> arbitrary::Result<SimCase> {
        let mut u = Unstructured::new(bytes);
        let seed = u.arbitrary::<u64>()?;
        let latency_min = u.int_in_range(1..=5)?;
        let latency_max = latency_min + u.int_in_range(0..=15)?;
        let clients = u.int_in_range(1..=2)?;
        let users = u.int_in_range(2..=4)?;
        let think_ms = u.int_in_range(0..=20)?;
        let mix = decode_mix(&mut u)?;
        let pre_vote = u.arbitrary::<bool>()?;
        let election_ms = u.int_in_range(ELECTION_MS.0..=ELECTION_MS.1)?.max(ELECTION_LATENCIES_MIN * latency_max);
        let attempt_ms = u.int_in_range(ATTEMPT_MS.0..=ATTEMPT_MS.1)?.max(ATTEMPT_LATENCIES_MIN * latency_max);
        let loss_percent = u.int_in_range(5..=90)?;
        let delay_ms_max = u.int_in_range(5..=200)?;
        let count = u.int_in_range(0..=FAULTS_MAX)?;
        let mut faults = Vec::with_capacity(count);
        for _ in 0..count {
            faults.push(CaseFault {
                kind: *u.choose(&KINDS)?,
                at_ms: u.int_in_range(0..=FAULT_PHASE_MS - 1)?,
                duration_ms: u.int_in_range(1..=300)?,
                node: Some(u.int_in_range(0..=3)?).filter(|&n| n > 0),
            });
        }
        let latency_ms = (latency_min, latency_max);
        Ok(SimCase {
            seed,
            latency_ms,
            clients,
            users,
            think_ms,
            mix,
            pre_vote,
            election_ms,
            attempt_ms,
            loss_percent,
            delay_ms_max,
            faults,
        })
    }

    /// When the last fault heals, ms: the scenario's `duration_s` (at least 1 ms, which it
    /// must be; a case without faults is judged from the start).
    pub fn heal_ms(&self) -> u64 {
        let ends = self.faults.iter().map(|f| (f.at_ms + f.duration_ms).min(FAULT_PHASE_MS));
        ends.max().unwrap_or(0).max(1)
    }

    /// The liveness bound, ms: a few election rounds for a leader, then an operation's
    /// attempts, since a client may be waiting out an attempt at a node that is no leader.
    pub fn liveness_ms(&self) -> u64 {
        ELECTION_ROUNDS * 2 * self.election_ms + OP_ATTEMPTS * self.attempt_ms
    }

    /// The quiet time after the heal: the liveness bound and the longest restart delay.
    pub fn quiet_ms(&self) -> u64 {
        self.liveness_ms() + RESTART_DELAY_MS_MAX
    }

    /// The scenario this case runs, built directly; [`SimCase::to_toml`] loads to the same
    /// value (the target's tests hold that). Err only if a section fails to serialise.
    pub fn scenario(&self) -> Result<Scenario, String> {
        let [follow, unfollow, is_following, followers, counts] = self.mix;
        let config = RelationsConfig {
            nodes: 3,
            election_timeout_ms_min: self.election_ms,
            election_timeout_ms_max: 2 * self.election_ms,
            heartbeat_ms: self.heartbeat_ms(),
            pre_vote: self.pre_vote,
            check_quorum: false,
            ..RelationsConfig::default()
        };
        let workload = WorkloadConfig {
            clients: self.clients,
            users: self.users,
            think_ms: self.think_ms,
            attempt_timeout_ms: self.attempt_ms,
            op_timeout_ms: OP_ATTEMPTS * self.attempt_ms,
            mix: WorkloadMix { follow, unfollow, is_following, followers, counts },
            ..WorkloadConfig::default()
        };
        let scenario = Scenario {
            name: "fuzz-simulation".into(),
            description: "a case of the simulation fuzz target".into(),
            duration_s: self.heal_ms() as f64 / 1000.0,
            quiesce_s: self.quiet_ms() as f64 / 1000.0,
            engine: "native".into(),
            network: NetworkConfig { latency_ms_min: self.latency_ms.0, latency_ms_max: self.latency_ms.1 },
            nemesis: self.nemesis(),
            checks: self.checks(),
            ..Scenario::default()
        };
        // The sections a scenario file would hold, so the case writes out as one (`to_toml`).
        let mut sections = toml::Table::new();
        sections.insert("relations".into(), section(&config)?);
        sections.insert("workload".into(), section(&workload)?);
        Ok(Scenario { document: sections, ..scenario.with_systems(vec![Arc::new(Relations { config, workload })]) })
    }

    fn heartbeat_ms(&self) -> u64 {
        (self.election_ms / HEARTBEATS_PER_ELECTION).max(1)
    }

    fn nemesis(&self) -> NemesisConfig {
        let schedule = self.faults.iter().map(|f| ScheduledFault {
            at_s: f.at_ms as f64 / 1000.0,
            fault: f.kind,
            duration_s: f.duration_ms as f64 / 1000.0,
            node: f.node,
        });
        NemesisConfig {
            mode: NemesisMode::Explicit,
            loss_rate: self.loss_percent as f64 / 100.0,
            delay_ms_max: self.delay_ms_max,
            restart_delay_ms_min: 1,
            restart_delay_ms_max: RESTART_DELAY_MS_MAX,
            schedule: schedule.collect(),
            ..NemesisConfig::default()
        }
    }

    /// The workload check may accept a run with no faults in effect (a kill-leader while no
    /// leader is known) or no read (a mix without reads, or reads starved by faults): the
    /// fuzzer judges the run's safety, and liveness still asks for an acknowledged write.
    fn checks(&self) -> ChecksConfig {
        ChecksConfig {
            liveness_bound_s: self.liveness_ms() as f64 / 1000.0,
            expect_no_faults: true,
            expect_no_reads: true,
            ..ChecksConfig::default()
        }
    }

    /// The case as a scenario file: what a finding prints, written from [`SimCase::scenario`]
    /// the way `faultline shrink` writes its explicit form (so it loads back to that value).
    pub fn to_toml(&self) -> Result<String, String> {
        crate::shrink::document_text(&crate::shrink::scenario_document(&self.scenario()?)?)
    }
}

/// Operation weights, at least half of them writes: liveness asks for a write acknowledged
/// within the bound after the heal, and a client that mostly reads (an operation every ~20
/// ms) might otherwise go the whole bound without writing, which is no finding.
fn decode_mix(u: &mut Unstructured<'_>) -> arbitrary::Result<[u32; 5]> {
    let follow = u.int_in_range(1..=4)?;
    let unfollow = u.int_in_range(0..=4)?;
    let writes = follow + unfollow;
    let is_following = u.int_in_range(0..=writes)?;
    let followers = u.int_in_range(0..=writes - is_following)?;
    let counts = u.int_in_range(0..=writes - is_following - followers)?;
    Ok([follow, unfollow, is_following, followers, counts])
}

/// A failing run: which checks failed, and how to replay it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Every failed check, (name, detail), in report order (the first is the headline).
    pub failed: Vec<(String, String)>,
    /// The scenario file to save as [`REPRO_FILE`].
    pub scenario_toml: String,
    /// The command that replays it from that file.
    pub repro: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "simulation fuzz finding:")?;
        for (name, detail) in &self.failed {
            writeln!(f, "  FAIL {name}: {detail}")?;
        }
        writeln!(f, "save this as {REPRO_FILE}:\n--- 8< ---\n{}--- 8< ---", self.scenario_toml)?;
        write!(f, "then replay it with: {}", self.repro)
    }
}

/// Runs the case `bytes` decode to, with `bug` switched on if given: None when every check
/// passed, the finding otherwise. Err when the run could not start (an unknown bug name).
/// The finding's TOML is written only then: the run itself uses the scenario built directly.
pub fn run_case(bug: Option<&str>, bytes: &[u8]) -> Result<Option<Finding>, String> {
    let Ok(case) = SimCase::decode(bytes) else { return Ok(None) };
    let sim = Simulation::new(case.scenario()?).label(REPRO_FILE).seed(case.seed).engine(EngineKind::Native);
    let outcome = bug.into_iter().fold(sim, Simulation::bug).run().map_err(|e| e.to_string())?;
    let r = outcome.results;
    if r.passed() {
        return Ok(None);
    }
    let failed = r.checks.into_iter().filter(|c| !c.ok).map(|c| (c.name, c.detail)).collect();
    Ok(Some(Finding { failed, scenario_toml: case.to_toml()?, repro: r.repro }))
}

/// The fuzz target: panics (with the repro) only when the run fails a check. The planted bug
/// named by `FAULTLINE_FUZZ_BUG`, if set, is switched on, to show the target finding one.
pub fn simulation(bytes: &[u8]) {
    static BUG: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let bug = BUG.get_or_init(|| std::env::var("FAULTLINE_FUZZ_BUG").ok().filter(|b| !b.is_empty()));
    check_case(bug.as_deref(), bytes);
}

/// [`simulation`] with the planted bug `bug` switched on.
pub fn simulation_with_bug(bug: &str, bytes: &[u8]) {
    check_case(Some(bug), bytes);
}

fn check_case(bug: Option<&str>, bytes: &[u8]) {
    match run_case(bug, bytes) {
        Ok(None) => {}
        Ok(Some(finding)) => panic!("{finding}"),
        // Not a finding about the system: a bad bug name (or a decoder bug) must be loud.
        Err(e) => panic!("the simulation fuzz target cannot run: {e}"),
    }
}

/// A system's config as its scenario-file section.
fn section(config: &impl serde::Serialize) -> Result<toml::Value, String> {
    toml::Value::try_from(config).map_err(|e| format!("cannot write a case's section: {e}"))
}
