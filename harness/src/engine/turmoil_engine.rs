//! turmoil: hosts are tokio runtimes stepped in fixed ticks; the nemesis runs between steps
//! and uses turmoil's own partition / repair / fail-rate / latency / crash / bounce.
use super::{Io, NetControl};
use crate::nemesis::{plan, Nemesis};
use crate::workload::client_main;
use crate::world::wire::PORT;
use crate::world::{client_name, node_main, node_name, World};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
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
        let _ = socket.send_to(bytes, to).await;
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
    fn set_latency(&mut self, _min_ms: u64, max_ms: u64) {
        self.sim.set_max_message_latency(Duration::from_millis(max_ms));
    }
}

/// Runs the world under turmoil until every client has finished.
pub fn run(world: &World) -> Result<(), String> {
    let (scenario, seed) = world.with(|w| (w.scenario.clone(), w.seed));
    let end_us = scenario.end_us();
    let net = &scenario.network;
    let mut sim = turmoil::Builder::new()
        .simulation_duration(Duration::from_micros(end_us) + Duration::from_secs(120))
        .tick_duration(Duration::from_millis(scenario.turmoil_tick_ms))
        .min_message_latency(Duration::from_millis(net.latency_min_ms))
        .max_message_latency(Duration::from_millis(net.latency_max_ms))
        .rng_seed(seed)
        .build();
    let nodes = scenario.node_count();
    for i in 0..nodes {
        let w = world.clone();
        sim.host(node_name(i), move || {
            let w = w.clone();
            async move {
                node_main::<TurmoilIo>(w, i).await;
                Ok(())
            }
        });
    }
    for c in 0..scenario.client_count() {
        let w = world.clone();
        sim.client(client_name(c), async move {
            client_main::<TurmoilIo>(w, c).await;
            Ok(())
        });
    }
    let node_addrs = (0..nodes).map(|i| SocketAddr::new(sim.lookup(node_name(i)), PORT)).collect();
    let client_addrs =
        (0..scenario.client_count()).map(|c| SocketAddr::new(sim.lookup(client_name(c)), PORT)).collect();
    world.with(|w| {
        w.node_addrs = node_addrs;
        w.client_addrs = client_addrs;
    });
    let mut nemesis = Nemesis::new(plan(&scenario, seed), scenario.clone(), seed);
    loop {
        let now_us = u64::try_from(sim.elapsed().as_micros()).unwrap_or(u64::MAX);
        if nemesis.next_due_us().is_some_and(|t| t <= now_us) {
            nemesis.apply_due(now_us, world, &mut TurmoilNet { sim: &mut sim });
        }
        match sim.step() {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => return Err(format!("turmoil: {e}")),
        }
    }
    let now_us = u64::try_from(sim.elapsed().as_micros()).unwrap_or(u64::MAX);
    nemesis.heal_all(now_us, world, &mut TurmoilNet { sim: &mut sim });
    Ok(())
}
