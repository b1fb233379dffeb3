//! The nemesis: fault schedules (explicit or generated from the seed), how each fault is
//! applied and healed, and the record of what happened.
mod apply;
mod fault_rng;
mod plan;
mod shapes;

pub use apply::{Nemesis, NemesisRun};
pub use fault_rng::fault_rng;
pub use plan::{plan, PlannedFault};
pub use shapes::{bridge_cuts, halves_cuts, isolate_cuts, ring_cuts};
