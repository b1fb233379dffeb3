//! madsim: one runtime per run that jumps to the next event; nodes are madsim nodes, the
//! nemesis is the supervisor task and uses madsim's own clog / packet loss / latency /
//! kill / restart. Only compiled with `--cfg madsim` (see .cargo/config.toml).
use super::{Controller, EngineKind, Io, NetControl, Program};
use super::{DATAGRAM_BYTES_MAX, PORT};
use crate::history::{client_name, node_name};
use madsim::runtime::{Handle, NodeHandle};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Longest single sleep; madsim's clock would overflow on "forever".
const SLEEP_MAX: Duration = Duration::from_secs(3600);

/// madsim's `Io`.
pub struct MadsimIo;

/// Datagrams a socket may hold unread; beyond this the host drops them, as a full UDP
/// receive buffer does.
const INBOX_DATAGRAMS_MAX: usize = 4096;

/// Reader tasks per socket. madsim sleeps at least 1 ms after taking each datagram (its
/// `rand_delay` rounds up to the timer's 1 ms floor), so one reader caps a host at 1000
/// datagrams per simulated second; several overlap those sleeps.
const READERS_PER_SOCKET: usize = 8;

/// A madsim socket with a cancel-safe receive side and non-blocking sends.
///
/// madsim's `recv_from` is not cancel-safe (a datagram taken from the mailbox is lost if the
/// future is dropped during its post-receive delay) and the host loop cancels receives
/// whenever a timer fires, so reader tasks own the receive side and hand datagrams over a
/// bounded channel. Its `send_to` also sleeps 1 ms before sending, so sends run as their own
/// tasks: a leader replicating to four peers must not spend 4 ms doing it.
pub struct MadsimSocket {
    socket: Arc<madsim::net::UdpSocket>,
    inbox: tokio::sync::Mutex<mpsc::Receiver<Vec<u8>>>,
}

impl Io for MadsimIo {
    type Socket = MadsimSocket;

    fn now_us() -> u64 {
        madsim::time::TimeHandle::try_current()
            .map_or(0, |t| u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    async fn sleep_until_us(t_us: u64) {
        let now = Self::now_us();
        if t_us > now {
            madsim::time::sleep(Duration::from_micros(t_us - now).min(SLEEP_MAX)).await;
        }
    }

    async fn bind(port: u16) -> io::Result<Self::Socket> {
        let socket = Arc::new(madsim::net::UdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port))).await?);
        let (tx, rx) = mpsc::channel(INBOX_DATAGRAMS_MAX);
        for _ in 0..READERS_PER_SOCKET {
            let (reader, tx) = (socket.clone(), tx.clone());
            // Killed with the node, like every task of a madsim node.
            madsim::task::spawn(async move {
                let mut buf = vec![0u8; DATAGRAM_BYTES_MAX];
                while let Ok((n, _)) = reader.recv_from(&mut buf).await {
                    if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(buf[..n].to_vec()) {
                        break;
                    }
                }
            });
        }
        Ok(MadsimSocket { socket, inbox: tokio::sync::Mutex::new(rx) })
    }

    async fn send(socket: &Self::Socket, to: SocketAddr, bytes: &[u8]) {
        let (sender, bytes) = (socket.socket.clone(), super::corrupt::in_flight(bytes).into_owned());
        madsim::task::spawn(async move {
            let _ = sender.send_to(to, &bytes).await;
        });
    }

    async fn recv(socket: &Self::Socket, buf: &mut [u8]) -> io::Result<usize> {
        let datagram = socket.inbox.lock().await.recv().await;
        let datagram = datagram.ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "socket reader stopped"))?;
        let n = datagram.len().min(buf.len());
        buf[..n].copy_from_slice(&datagram[..n]);
        Ok(n)
    }
}

struct MadsimNet {
    handle: Handle,
    nodes: Vec<NodeHandle>,
}

impl MadsimNet {
    fn id(&self, node: usize) -> Option<madsim::task::NodeId> {
        self.nodes.get(node).map(|n| n.id())
    }
    fn links(&self, pairs: &[(usize, usize)], clog: bool) {
        let net = madsim::net::NetSim::current();
        for &(a, b) in pairs {
            if let (Some(a), Some(b)) = (self.id(a), self.id(b)) {
                for (src, dst) in [(a, b), (b, a)] {
                    if clog {
                        net.clog_link(src, dst);
                    } else {
                        net.unclog_link(src, dst);
                    }
                }
            }
        }
    }
}

impl NetControl for MadsimNet {
    fn cut(&mut self, pairs: &[(usize, usize)]) {
        self.links(pairs, true);
    }
    fn repair(&mut self, pairs: &[(usize, usize)]) {
        self.links(pairs, false);
    }
    fn crash(&mut self, node: usize) {
        if let Some(id) = self.id(node) {
            self.handle.kill(id);
        }
    }
    fn restart(&mut self, node: usize) {
        if let Some(id) = self.id(node) {
            self.handle.restart(id);
        }
    }
    fn set_loss(&mut self, rate: f64) {
        madsim::net::NetSim::current().update_config(|c| c.packet_loss_rate = rate);
    }
    fn set_latency(&mut self, ms_min: u64, ms_max: u64) {
        madsim::net::NetSim::current().update_config(|c| c.send_latency = latency_range(ms_min, ms_max));
    }
}

/// madsim samples latency from a half-open range, which must not be empty.
fn latency_range(ms_min: u64, ms_max: u64) -> std::ops::Range<Duration> {
    Duration::from_millis(ms_min)..Duration::from_millis(ms_max.max(ms_min) + 1)
}

fn ip(group: u8, i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 168, group, u8::try_from(i + 1).unwrap_or(u8::MAX)))
}

/// Runs `program` under madsim until its end.
pub fn run(program: Arc<dyn Program>, controller: &mut dyn Controller) -> Result<(), String> {
    let mut config = madsim::Config::default();
    let (latency_ms_min, latency_ms_max) = program.latency_ms();
    config.net.send_latency = latency_range(latency_ms_min, latency_ms_max);
    let runtime = madsim::runtime::Runtime::with_seed_and_config(program.seed(), config);
    // Between madsim steps only the supervisor task runs; the controller is borrowed there alone.
    let controller = std::sync::Mutex::new(controller);
    runtime.block_on(async {
        let handle = Handle::current();
        let nodes = spawn(&handle, &program);
        let mut net = MadsimNet { handle: handle.clone(), nodes };
        let mut controller = controller.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(due) = controller.next_due_us() {
            MadsimIo::sleep_until_us(due).await;
            controller.apply_due(MadsimIo::now_us(), &mut net);
        }
        MadsimIo::sleep_until_us(program.run_until_us()).await;
        controller.finish(MadsimIo::now_us(), &mut net);
    });
    Ok(())
}

/// Creates every host and client node; returns the hosts' handles (for faults).
fn spawn(handle: &Handle, program: &Arc<dyn Program>) -> Vec<NodeHandle> {
    let (hosts, clients) = (program.hosts(), program.clients());
    program.set_addresses(
        (0..hosts).map(|i| SocketAddr::new(ip(1, i), PORT)).collect(),
        (0..clients).map(|c| SocketAddr::new(ip(2, c), PORT)).collect(),
    );
    let nodes = (0..hosts)
        .map(|i| {
            let p = program.clone();
            handle.create_node().name(node_name(i)).ip(ip(1, i)).init(move || p.host(i, EngineKind::Madsim)).build()
        })
        .collect();
    for c in 0..clients {
        let p = program.clone();
        // Clients are never killed; their handles need not be kept.
        handle.create_node().name(client_name(c)).ip(ip(2, c)).init(move || p.client(c, EngineKind::Madsim)).build();
    }
    nodes
}
