//! Scenario files: what to run, for how long, under which faults. TOML in, validated structs out.
mod load;
mod model;

pub use load::{load, load_str, resolve_path, ScenarioError};
pub use model::{
    secs_to_us, ChecksConfig, ClockConfig, CrdtConfig, FaultKind, HostKind, LogSyncConfig, NemesisConfig, NemesisMode,
    NetworkConfig, RelationsConfig, Scenario, ScheduledFault, WorkloadConfig, WorkloadMix,
};
