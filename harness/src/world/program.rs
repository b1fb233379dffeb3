//! The world as an engine runs it: every host and client of every system of the scenario,
//! started by index through the system that owns it.
use super::World;
use crate::engine::{EngineKind, LocalFuture, Program};
use crate::system::{ClientCtx, HostCtx};
use std::net::SocketAddr;

/// A world ready to run: the engine's [`Program`].
pub struct WorldProgram {
    world: World,
    run_until_us: u64,
}

impl WorldProgram {
    /// The program of `world`: it runs until the scenario's end plus the longest time any
    /// system's last operation may take.
    pub fn new(world: World) -> Self {
        let run_until_us = world.with(|w| {
            let drain_us = w.scenario.systems.list.iter().map(|s| s.drain_us()).max().unwrap_or(0);
            w.scenario.end_us().saturating_add(drain_us)
        });
        WorldProgram { world, run_until_us }
    }

    /// The same program stopped at `until_us` at the latest (the set-up and first steps of
    /// a run only, as the scenario fuzz target wants).
    pub fn until_us(mut self, until_us: u64) -> Self {
        self.run_until_us = self.run_until_us.min(until_us);
        self
    }
}

impl Program for WorldProgram {
    fn seed(&self) -> u64 {
        self.world.with(|w| w.seed)
    }

    fn hosts(&self) -> usize {
        self.world.with(|w| w.scenario.node_count())
    }

    fn clients(&self) -> usize {
        self.world.with(|w| w.scenario.client_count())
    }

    fn latency_ms(&self) -> (u64, u64) {
        self.world.with(|w| (w.scenario.network.latency_ms_min, w.scenario.network.latency_ms_max))
    }

    fn tick_ms(&self) -> u64 {
        self.world.with(|w| w.scenario.turmoil_tick_ms)
    }

    fn run_until_us(&self) -> u64 {
        self.run_until_us
    }

    fn set_addresses(&self, hosts: Vec<SocketAddr>, clients: Vec<SocketAddr>) {
        self.world.with(|w| {
            w.node_addrs = hosts;
            w.client_addrs = clients;
        });
    }

    fn host(&self, index: usize, engine: EngineKind) -> LocalFuture {
        let scenario = self.world.with(|w| w.scenario.clone());
        let Some(slot) = scenario.topology().host(index) else { return Box::pin(async {}) };
        let ctx = HostCtx { world: self.world.clone(), engine, index, role: slot.role, rank: slot.rank };
        scenario.systems.list[slot.system].host(ctx)
    }

    fn client(&self, index: usize, engine: EngineKind) -> LocalFuture {
        let scenario = self.world.with(|w| w.scenario.clone());
        let Some((system, rank)) = scenario.topology().client(index) else { return Box::pin(async {}) };
        let ctx = ClientCtx { world: self.world.clone(), engine, index, rank };
        scenario.systems.list[system].client(ctx)
    }
}
