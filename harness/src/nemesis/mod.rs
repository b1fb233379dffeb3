//! The nemesis: fault schedules (explicit or generated from the seed) and their record.
mod record;

pub use record::FaultWindow;
