use std::future::Future;
use std::io;
use std::net::SocketAddr;

/// Port every simulated host and client listens on.
pub const PORT: u16 = 7000;
/// Largest datagram sent or accepted.
pub const DATAGRAM_BYTES_MAX: usize = 64 * 1024;

/// What a simulated host's code needs from its engine: global time, sleeping, datagrams.
/// All times are microseconds of simulated time since the run began.
pub trait Io: 'static {
    /// A bound datagram socket.
    type Socket: 'static;
    /// Simulated time now.
    fn now_us() -> u64;
    /// Sleeps until simulated time `t_us` (returns at once if it has passed).
    fn sleep_until_us(t_us: u64) -> impl Future<Output = ()>;
    /// Binds a socket on this host at `port`.
    fn bind(port: u16) -> impl Future<Output = io::Result<Self::Socket>>;
    /// Sends one datagram; errors (host down, no route) are the network's business and ignored.
    fn send(socket: &Self::Socket, to: SocketAddr, bytes: &[u8]) -> impl Future<Output = ()>;
    /// Receives one datagram. Must be cancel-safe: hosts drop it when a timer fires first.
    fn recv(socket: &Self::Socket, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>>;
}

/// The network and process faults an engine applies with its own features.
/// Nodes are 0-based indexes into the world's node list.
pub trait NetControl {
    /// Cuts both directions of each link.
    fn cut(&mut self, pairs: &[(usize, usize)]);
    /// Restores both directions of each link.
    fn repair(&mut self, pairs: &[(usize, usize)]);
    /// Kills the node's process (what it did not sync is lost: the caller crashes its disk).
    fn crash(&mut self, node: usize);
    /// Starts the node's process again from its disk.
    fn restart(&mut self, node: usize);
    /// Sets the message loss probability on every link (0 heals).
    fn set_loss(&mut self, rate: f64);
    /// Sets the latency range on every link, milliseconds.
    fn set_latency(&mut self, ms_min: u64, ms_max: u64);
    /// Sets the probability that a datagram is corrupted in flight (0 heals). Every engine's
    /// `Io::send` passes its bytes through `corrupt::in_flight`, so the default serves all.
    fn set_corruption(&mut self, rate: f64) {
        super::corrupt::set_rate(rate);
    }
    /// What the engine has corrupted so far in this run.
    fn corrupted(&self) -> super::corrupt::CorruptionCounts {
        super::corrupt::counts()
    }
}
