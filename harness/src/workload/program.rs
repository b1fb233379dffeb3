//! A client as a system writes it: async code generic over the engine's `Io`, which the core
//! instantiates for the engine running it.
use crate::engine::{EngineKind, Io, LocalFuture};
use crate::system::ClientCtx;
use std::future::Future;

/// A client's whole life, generic over the engine's I/O.
pub trait ClientProgram: 'static {
    /// Runs the client until the end of the run.
    fn run<I: Io>(self, ctx: ClientCtx) -> impl Future<Output = ()> + 'static;
}

/// The client future of `ctx` on its engine.
pub fn client_future<P: ClientProgram>(ctx: ClientCtx, program: P) -> LocalFuture {
    match ctx.engine {
        EngineKind::Turmoil => Box::pin(program.run::<crate::engine::TurmoilIo>(ctx)),
        EngineKind::Native => Box::pin(program.run::<crate::engine::NativeIo>(ctx)),
        #[cfg(madsim)]
        EngineKind::Madsim => Box::pin(program.run::<crate::engine::MadsimIo>(ctx)),
        // `engine::run` refuses madsim in a binary built without it, before any client starts.
        #[cfg(not(madsim))]
        EngineKind::Madsim => Box::pin(async {}),
    }
}
