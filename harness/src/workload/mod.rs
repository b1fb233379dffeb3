//! What every system's clients share: a program generic over the engine's I/O, waiting for
//! one reply, and recording each operation as invoke then ok / fail / info with simulated times
//! and its system's name (so checks pick out their own operations by system, never by name).
mod program;
mod receive;
mod record;

pub use program::{client_future, ClientProgram};
pub use receive::{receive_reply, receive_until};
pub use record::OpRecorder;
