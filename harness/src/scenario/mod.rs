//! Scenario files: what to run, for how long, under which faults. TOML in, validated structs
//! out. The core reads its own keys; each system under test reads its own sections.
mod load;
mod model;
mod source;

pub use load::{load, load_str, load_str_with, require_ms, resolve_path, ScenarioError, MS_MAX};
pub use model::{
    secs_to_us, ChecksConfig, ClockConfig, FaultKind, NemesisConfig, NemesisMode, NetworkConfig, Scenario,
    ScheduledFault, SystemList,
};
pub use source::{require, Invalid, ScenarioSource};
