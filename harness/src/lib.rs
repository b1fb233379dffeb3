//! Faultline: run the social-network backend in a deterministic simulated network,
//! inject faults, record the history and check it. See ARCHITECTURE.md for the map.
#![forbid(unsafe_code)]

pub mod atomic_file;
pub mod bugs;
pub mod check;
pub mod cli;
pub mod engine;
pub mod escape;
pub mod fuzzing;
pub mod history;
pub mod log;
pub mod nemesis;
pub mod report;
pub mod run;
pub mod scenario;
pub mod shrink;
pub mod simulation;
pub mod system;
pub mod systems;
pub mod testing;
pub mod workload;
pub mod world;
