//! The single-threaded executor: one task per host or client slot, polled when something it
//! waits for happens (the ready queue, in wake order). Tasks never need a real waker: the
//! `Io` leaves arm their own wake-ups (see io.rs), so polls use a no-op waker.
use super::state;
use crate::engine::{EngineKind, LocalFuture, Program};
use std::sync::Arc;
use std::task::{Context, Waker};

/// Every slot's running future.
pub struct Tasks {
    futures: Vec<Option<LocalFuture>>,
    program: Arc<dyn Program>,
    hosts: usize,
}

impl Tasks {
    /// No task started yet.
    pub fn new(program: Arc<dyn Program>) -> Self {
        let (hosts, clients) = (program.hosts(), program.clients());
        Tasks { futures: (0..hosts + clients).map(|_| None).collect(), program, hosts }
    }

    /// Starts slot `node`'s process (a host boots from its disk) and queues its first poll.
    pub fn spawn(&mut self, node: usize) {
        let future = if node < self.hosts {
            self.program.host(node, EngineKind::Native)
        } else {
            self.program.client(node - self.hosts, EngineKind::Native)
        };
        self.futures[node] = Some(future);
        state::with(|s| {
            s.nodes[node].alive = true;
            s.wake(node);
        });
    }

    /// Kills slot `node`'s process: its future is dropped, its pending events go stale.
    pub fn kill(&mut self, node: usize) {
        state::with(|s| s.kill(node));
        // Dropped after the engine state is released: a future's destructor may call `Io`.
        drop(self.futures.get_mut(node).and_then(Option::take));
    }

    /// Polls ready tasks until none is left.
    pub fn run_ready(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        while let Some(node) = state::with(next_ready).flatten() {
            let Some(mut future) = self.futures[node].take() else { continue };
            let done = future.as_mut().poll(&mut cx).is_ready();
            state::with(|s| s.current = None);
            if !done {
                self.futures[node] = Some(future);
            }
        }
    }

    /// Drops every task (at the end of the run), each after the engine state is released.
    pub fn clear(&mut self) {
        for slot in &mut self.futures {
            drop(slot.take());
        }
    }
}

/// Takes the next ready slot and makes it current, clearing what its last poll armed for
/// receives (the poll re-arms what it still waits for).
fn next_ready(s: &mut state::Sim) -> Option<usize> {
    let node = s.ready.pop_front()?;
    let n = &mut s.nodes[node];
    n.queued = false;
    n.waiting_recv = false;
    s.current = Some(node);
    Some(node)
}
