//! The engine's side of a native run, one per thread while it runs: simulated time, the
//! event queue, each node's inbox and wake-up state, the network. Tasks reach it through
//! `with` (their `Io` calls); the executor between polls.
use super::net::Net;
use super::queue::{Event, EventQueue};
use crate::engine::DATAGRAM_BYTES_MAX;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Datagrams a socket may hold unread; beyond this they are dropped, as a full UDP receive
/// buffer drops them.
const INBOX_DATAGRAMS_MAX: usize = 4096;

/// One host or client process slot (hosts first, then clients).
#[derive(Default)]
pub struct Node {
    /// Bumped by every kill, so events meant for a dead process are recognised as stale.
    pub incarnation: u64,
    /// Whether a process runs in the slot.
    pub alive: bool,
    /// Received, not yet read.
    pub inbox: VecDeque<Vec<u8>>,
    /// Already in the ready queue.
    pub queued: bool,
    /// Its task waits on a receive (a delivery wakes it).
    pub waiting_recv: bool,
    /// The earliest wake-up in the event queue for this incarnation.
    pub armed_us: Option<u64>,
}

/// The run's engine state.
pub struct Sim {
    /// Simulated time, µs.
    pub now_us: u64,
    /// What happens next.
    pub queue: EventQueue,
    /// Every process slot.
    pub nodes: Vec<Node>,
    /// Tasks to poll, in wake order.
    pub ready: VecDeque<usize>,
    /// The slot whose task is being polled.
    pub current: Option<usize>,
    /// Links, loss, latency.
    pub net: Net,
    /// Server hosts (slots `0..hosts`); clients follow.
    pub hosts: usize,
}

thread_local! {
    static SIM: RefCell<Option<Sim>> = const { RefCell::new(None) };
}

/// Installs `sim` as this thread's native run (replacing any earlier one).
pub fn install(sim: Sim) {
    SIM.with(|s| *s.borrow_mut() = Some(sim));
}

/// Removes this thread's native run.
pub fn uninstall() {
    SIM.with(|s| s.borrow_mut().take());
}

/// Runs `f` on this thread's native run, if one is installed.
pub fn with<T>(f: impl FnOnce(&mut Sim) -> T) -> Option<T> {
    SIM.with(|s| s.borrow_mut().as_mut().map(f))
}

/// The address of slot `node`: hosts in 10.1.0.0/16, clients in 10.2.0.0/16.
pub fn address(node: usize, hosts: usize) -> SocketAddr {
    let (group, i) = if node < hosts { (1u32, node) } else { (2u32, node - hosts) };
    let low = u32::try_from(i + 1).unwrap_or(u32::MAX) & 0xffff;
    SocketAddr::new(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (group << 16) | low)), crate::engine::PORT)
}

impl Sim {
    /// A run with `hosts` hosts and `clients` clients, none started yet.
    pub fn new(hosts: usize, clients: usize, net: Net) -> Self {
        let nodes = (0..hosts + clients).map(|_| Node::default()).collect();
        Sim { now_us: 0, queue: EventQueue::default(), nodes, ready: VecDeque::new(), current: None, net, hosts }
    }

    /// The slot at `addr`, if any.
    fn slot(&self, addr: SocketAddr) -> Option<usize> {
        let IpAddr::V4(ip) = addr.ip() else { return None };
        let bits = u32::from(ip);
        let i = usize::try_from(bits & 0xffff).ok()?.checked_sub(1)?;
        let node = match bits >> 16 {
            0x0a01 if i < self.hosts => i,
            0x0a02 => self.hosts.checked_add(i)?,
            _ => return None,
        };
        (node < self.nodes.len()).then_some(node)
    }

    /// Queues `node`'s task to be polled.
    pub fn wake(&mut self, node: usize) {
        let n = &mut self.nodes[node];
        if n.alive && !n.queued {
            n.queued = true;
            self.ready.push_back(node);
        }
    }

    /// Asks for `node` to be polled at `t_us` (an earlier armed wake-up already covers it).
    pub fn arm(&mut self, node: usize, t_us: u64) {
        let n = &mut self.nodes[node];
        if n.armed_us.is_some_and(|a| a <= t_us) {
            return;
        }
        n.armed_us = Some(t_us);
        let incarnation = n.incarnation;
        self.queue.push(t_us, Event::Wake { node, incarnation });
    }

    /// Sends a datagram from slot `from`; the network decides whether and when it arrives.
    pub fn send(&mut self, from: usize, to: SocketAddr, bytes: &[u8]) {
        let Some(node) = self.slot(to) else { return };
        if bytes.len() > DATAGRAM_BYTES_MAX {
            return;
        }
        let hosts = self.hosts;
        if let Some(latency_us) = self.net.admit(from, node, hosts) {
            let at = self.now_us.saturating_add(latency_us);
            self.queue.push(at, Event::Deliver { from, node, bytes: bytes.to_vec() });
        }
    }

    /// Runs the event due next (time has been advanced to it).
    pub fn fire(&mut self, event: Event) {
        match event {
            Event::Wake { node, incarnation } => {
                let n = &mut self.nodes[node];
                if n.incarnation == incarnation && n.armed_us == Some(self.now_us) {
                    n.armed_us = None;
                    self.wake(node);
                }
            }
            Event::Deliver { from, node, bytes } => {
                let n = &self.nodes[node];
                if !n.alive || n.inbox.len() >= INBOX_DATAGRAMS_MAX || self.net.is_cut(from, node, self.hosts) {
                    return;
                }
                let n = &mut self.nodes[node];
                n.inbox.push_back(bytes);
                if n.waiting_recv {
                    self.wake(node);
                }
            }
        }
    }

    /// Ends the process in `node` (its unread datagrams and armed timers go with it).
    pub fn kill(&mut self, node: usize) {
        let n = &mut self.nodes[node];
        n.incarnation += 1;
        n.alive = false;
        n.inbox.clear();
        n.queued = false;
        n.waiting_recv = false;
        n.armed_us = None;
        self.ready.retain(|&r| r != node);
    }
}
