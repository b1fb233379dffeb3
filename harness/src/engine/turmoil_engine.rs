//! turmoil: hosts are tokio runtimes stepped in fixed ticks; the nemesis runs between steps
//! and uses turmoil's own partition / repair / fail-rate / latency / crash / bounce.
use super::PORT;
use super::{Controller, EngineKind, Io, NetControl, Program};
use crate::history::{client_name, node_name};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Longest single sleep; far-future deadlines are re-checked after it.
const SLEEP_MAX: Duration = Duration::from_secs(3600);

/// turmoil's `Io`.
pub struct TurmoilIo;

impl Io for TurmoilIo {
    type Socket = turmoil::net::UdpSocket;

    fn now_us() -> u64 {
        turmoil::sim_elapsed().map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    }

    async fn sleep_until_us(t_us: u64) {
        let now = Self::now_us();
        if t_us > now {
            tokio::time::sleep(Duration::from_micros(t_us - now).min(SLEEP_MAX)).await;
        }
    }

    async fn bind(port: u16) -> io::Result<Self::Socket> {
        turmoil::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).await
    }

    async fn send(socket: &Self::Socket, to: SocketAddr, bytes: &[u8]) {
        let _ = socket.send_to(&super::corrupt::in_flight(bytes), to).await;
    }

    async fn recv(socket: &Self::Socket, buf: &mut [u8]) -> io::Result<usize> {
        socket.recv_from(buf).await.map(|(n, _)| n)
    }
}

struct TurmoilNet<'s, 'a> {
    sim: &'s mut turmoil::Sim<'a>,
}

impl NetControl for TurmoilNet<'_, '_> {
    fn cut(&mut self, pairs: &[(usize, usize)]) {
        for &(a, b) in pairs {
            self.sim.partition(node_name(a), node_name(b));
        }
    }
    fn repair(&mut self, pairs: &[(usize, usize)]) {
        for &(a, b) in pairs {
            self.sim.repair(node_name(a), node_name(b));
        }
    }
    fn crash(&mut self, node: usize) {
        self.sim.crash(node_name(node));
    }
    fn restart(&mut self, node: usize) {
        self.sim.bounce(node_name(node));
    }
    fn set_loss(&mut self, rate: f64) {
        // turmoil models loss as links that fail for a tick with this probability.
        self.sim.set_fail_rate(rate);
    }
    fn set_latency(&mut self, _min_ms: u64, ms_max: u64) {
        self.sim.set_max_message_latency(Duration::from_millis(ms_max));
    }
}

/// Runs `program` under turmoil until every client has finished.
pub fn run(program: Arc<dyn Program>, controller: &mut dyn Controller) -> Result<(), String> {
    let (latency_ms_min, latency_ms_max) = program.latency_ms();
    let mut sim = turmoil::Builder::new()
        .simulation_duration(Duration::from_micros(program.run_until_us()) + Duration::from_secs(120))
        .tick_duration(Duration::from_millis(program.tick_ms()))
        .min_message_latency(Duration::from_millis(latency_ms_min))
        .max_message_latency(Duration::from_millis(latency_ms_max))
        .rng_seed(program.seed())
        .build();
    spawn(&mut sim, &program);
    loop {
        let now_us = u64::try_from(sim.elapsed().as_micros()).unwrap_or(u64::MAX);
        if controller.next_due_us().is_some_and(|t| t <= now_us) {
            controller.apply_due(now_us, &mut TurmoilNet { sim: &mut sim });
        }
        match sim.step() {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => return Err(format!("turmoil: {e}")),
        }
    }
    let now_us = u64::try_from(sim.elapsed().as_micros()).unwrap_or(u64::MAX);
    controller.finish(now_us, &mut TurmoilNet { sim: &mut sim });
    Ok(())
}

/// Registers every host and client with the simulation and tells the program their addresses.
fn spawn(sim: &mut turmoil::Sim<'_>, program: &Arc<dyn Program>) {
    for i in 0..program.hosts() {
        let p = program.clone();
        sim.host(node_name(i), move || {
            let life = p.host(i, EngineKind::Turmoil);
            async move {
                life.await;
                Ok(())
            }
        });
    }
    for c in 0..program.clients() {
        let life = program.client(c, EngineKind::Turmoil);
        sim.client(client_name(c), async move {
            life.await;
            Ok(())
        });
    }
    let hosts = (0..program.hosts()).map(|i| SocketAddr::new(sim.lookup(node_name(i)), PORT)).collect();
    let clients = (0..program.clients()).map(|c| SocketAddr::new(sim.lookup(client_name(c)), PORT)).collect();
    program.set_addresses(hosts, clients);
}
