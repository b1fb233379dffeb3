//! One index space for every host and client of every system: hosts are numbered in
//! registration order of the systems, role by role; clients likewise. The nemesis, clocks,
//! disks and engines see only these indices, so every fault applies to every kind of host.
use super::System;
use std::ops::Range;
use std::sync::Arc;

/// Who host `i` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostSlot {
    /// Index of its system in the scenario's system list.
    pub system: usize,
    /// Index of its role in that system's roles.
    pub role: usize,
    /// Its position among that role's hosts.
    pub rank: usize,
}

/// The host and client index space of one scenario.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    hosts: Vec<HostSlot>,
    /// Per system: the host range of each role, by role name.
    roles: Vec<Vec<(&'static str, Range<usize>)>>,
    /// Per system: its client range.
    clients: Vec<Range<usize>>,
    names: Vec<&'static str>,
}

impl Topology {
    /// Lays out `systems` in order.
    pub fn of(systems: &[Arc<dyn System>]) -> Self {
        let mut t = Topology::default();
        let mut client = 0;
        for (s, system) in systems.iter().enumerate() {
            let mut ranges = Vec::new();
            for (r, role) in system.roles().into_iter().enumerate() {
                let first = t.hosts.len();
                t.hosts.extend((0..role.hosts).map(|rank| HostSlot { system: s, role: r, rank }));
                ranges.push((role.name, first..t.hosts.len()));
            }
            t.roles.push(ranges);
            let clients = system.clients();
            t.clients.push(client..client + clients);
            client += clients;
            t.names.push(system.name());
        }
        t
    }

    /// Every host.
    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }

    /// Every client.
    pub fn client_count(&self) -> usize {
        self.clients.last().map_or(0, |r| r.end)
    }

    /// Who host `index` is.
    pub fn host(&self, index: usize) -> Option<HostSlot> {
        self.hosts.get(index).copied()
    }

    /// Which system client `index` belongs to, and its rank there.
    pub fn client(&self, index: usize) -> Option<(usize, usize)> {
        self.clients.iter().position(|r| r.contains(&index)).map(|s| (s, index - self.clients[s].start))
    }

    /// Host indices of `system`'s `role` (empty if the scenario does not run it).
    pub fn hosts(&self, system: &str, role: &str) -> Range<usize> {
        let Some(s) = self.names.iter().position(|n| *n == system) else { return 0..0 };
        self.roles[s].iter().find(|(name, _)| *name == role).map_or(0..0, |(_, r)| r.clone())
    }

    /// Client indices of `system`.
    pub fn clients_of(&self, system: &str) -> Range<usize> {
        self.names.iter().position(|n| *n == system).map_or(0..0, |s| self.clients[s].clone())
    }
}
