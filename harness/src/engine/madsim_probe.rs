//! madsim's bare-datagram ceiling on this machine: `hosts` nodes pass datagrams round a
//! ring with nothing else running, so the bench can print how close the harness on madsim
//! comes to the cost of madsim's own network.
use madsim::runtime::{Handle, Runtime};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Datagrams each node starts circulating.
const IN_FLIGHT_PER_HOST: usize = 8;

fn addr(i: usize) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 9, 0, u8::try_from(i + 1).unwrap_or(u8::MAX))), 7000)
}

/// Datagrams delivered per wall second by `hosts` madsim nodes over `sim_seconds`.
pub fn bare_datagrams_per_wall_second(hosts: usize, sim_seconds: u64) -> f64 {
    let hosts = hosts.clamp(2, 250);
    let delivered = Arc::new(AtomicU64::new(0));
    let runtime = Runtime::with_seed_and_config(1, madsim::Config::default());
    let start = Instant::now();
    let counter = delivered.clone();
    runtime.block_on(async move {
        let handle = Handle::current();
        for i in 0..hosts {
            let counter = counter.clone();
            let node = handle.create_node().ip(addr(i).ip());
            node.init(move || ring_member(i, hosts, counter.clone())).build();
        }
        madsim::time::sleep(Duration::from_secs(sim_seconds)).await;
    });
    delivered.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64().max(1e-9)
}

/// Receives datagrams and passes each on to the next node, after starting its own.
async fn ring_member(i: usize, hosts: usize, delivered: Arc<AtomicU64>) {
    let Ok(socket) = madsim::net::UdpSocket::bind(addr(i)).await else { return };
    let next = addr((i + 1) % hosts);
    for _ in 0..IN_FLIGHT_PER_HOST {
        let _ = socket.send_to(next, &[0u8; 64]).await;
    }
    let mut buf = [0u8; 256];
    while let Ok((n, _)) = socket.recv_from(&mut buf).await {
        delivered.fetch_add(1, Ordering::Relaxed);
        let _ = socket.send_to(next, &buf[..n]).await;
    }
}
