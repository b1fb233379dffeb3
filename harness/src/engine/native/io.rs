//! The native engine's `Io`: time is the run's clock, a sleep arms a wake-up in the event
//! queue, a receive takes from the node's inbox (cancel-safe: nothing is taken until it
//! completes), a send goes straight to the network. No wakers: the executor polls a task
//! when an event it armed fires, and every pending leaf re-arms on each poll.
use super::state::{self, Sim};
use crate::engine::Io;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The native engine's `Io`.
pub struct NativeIo;

/// A bound socket: the slot it belongs to.
pub struct NativeSocket {
    node: usize,
}

/// Simulated time now (0 outside a native run).
pub fn now_us() -> Option<u64> {
    state::with(|s| s.now_us)
}

fn current(s: &Sim) -> Option<usize> {
    s.current
}

struct SleepUntil(u64);

impl Future for SleepUntil {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        let t_us = self.0;
        let due = state::with(|s| {
            if s.now_us >= t_us {
                return true;
            }
            if let Some(node) = current(s) {
                s.arm(node, t_us);
            }
            false
        });
        // Outside a native run nothing would ever wake us: finish rather than hang.
        if due.unwrap_or(true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

struct Recv<'a> {
    node: usize,
    buf: &'a mut [u8],
}

impl Future for Recv<'_> {
    type Output = io::Result<usize>;
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let node = self.node;
        let taken = state::with(|s| {
            let n = &mut s.nodes[node];
            let datagram = n.inbox.pop_front();
            n.waiting_recv |= datagram.is_none();
            datagram
        });
        match taken {
            None => Poll::Ready(Err(io::Error::new(io::ErrorKind::NotConnected, "no native run"))),
            Some(None) => Poll::Pending,
            Some(Some(datagram)) => {
                let len = datagram.len().min(self.buf.len());
                self.buf[..len].copy_from_slice(&datagram[..len]);
                Poll::Ready(Ok(len))
            }
        }
    }
}

impl Io for NativeIo {
    type Socket = NativeSocket;

    fn now_us() -> u64 {
        now_us().unwrap_or(0)
    }

    fn sleep_until_us(t_us: u64) -> impl Future<Output = ()> {
        SleepUntil(t_us)
    }

    async fn bind(_port: u16) -> io::Result<Self::Socket> {
        let node = state::with(|s| current(s)).flatten();
        let node = node.ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "bind outside a native task"))?;
        Ok(NativeSocket { node })
    }

    async fn send(socket: &Self::Socket, to: SocketAddr, bytes: &[u8]) {
        let bytes = crate::engine::corrupt::in_flight(bytes);
        state::with(|s| s.send(socket.node, to, &bytes));
    }

    fn recv(socket: &Self::Socket, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        Recv { node: socket.node, buf }
    }
}
