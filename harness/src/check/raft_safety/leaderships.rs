//! Every leadership as observed: which node led which term, from its first to its last
//! sighting as leader. The CheckQuorum and disruption checks judge these against the faults.
use faultline_systems::raft::{NodeId, Role};
use std::collections::BTreeMap;

/// One node leading one term, observed without a gap (a step as non-leader or a reboot ends it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leadership {
    /// The leader.
    pub node: NodeId,
    /// Its term.
    pub term: u64,
    /// First observation as leader, µs.
    pub from_us: u64,
    /// Last observation as leader, µs.
    pub to_us: u64,
}

/// The leaderships of a run, in order of their first sighting.
#[derive(Default)]
pub struct Leaderships {
    all: Vec<Leadership>,
    /// node -> position in `all` of the leadership it holds now.
    open: BTreeMap<NodeId, usize>,
}

impl Leaderships {
    /// Folds one observation of `node` (called after every step).
    pub fn observe(&mut self, now_us: u64, node: NodeId, role: Role, term: u64) {
        if role != Role::Leader {
            self.open.remove(&node);
            return;
        }
        if let Some(l) = self.open.get(&node).and_then(|&i| self.all.get_mut(i)).filter(|l| l.term == term) {
            l.to_us = now_us;
            return;
        }
        self.open.insert(node, self.all.len());
        self.all.push(Leadership { node, term, from_us: now_us, to_us: now_us });
    }

    /// `node` rebooted: whatever it led ended with its last sighting.
    pub fn restarted(&mut self, node: NodeId) {
        self.open.remove(&node);
    }

    /// Every leadership, in order of first sighting.
    pub fn all(&self) -> &[Leadership] {
        &self.all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leadership_spans_its_sightings_and_ends_at_a_step_down_or_reboot() {
        let mut l = Leaderships::default();
        l.observe(10, 1, Role::Leader, 1);
        l.observe(20, 1, Role::Leader, 1);
        l.observe(30, 1, Role::Follower, 1);
        l.observe(40, 1, Role::Leader, 1); // the same term again after a gap: a new sighting
        l.restarted(1);
        l.observe(50, 1, Role::Leader, 1);
        l.observe(60, 2, Role::Leader, 2);
        let spans: Vec<(u64, u64, u64, u64)> = l.all().iter().map(|x| (x.node, x.term, x.from_us, x.to_us)).collect();
        assert_eq!(spans, vec![(1, 1, 10, 20), (1, 1, 40, 40), (1, 1, 50, 50), (2, 2, 60, 60)]);
    }
}
