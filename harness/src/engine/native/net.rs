//! The native network: cut links, loss and latency, every draw from one ChaCha stream
//! seeded from the run seed. Faults follow madsim's semantics: a cut link drops what is sent
//! over it (and what was in flight when it was cut), loss drops each datagram with the set
//! probability, latency is uniform over the set range.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// Salt of the network's RNG stream, so it never repeats another stream of the same seed.
const NET_RNG_SALT: u64 = 0x6e61_7469_7665_6e65;

/// Link state and the network's randomness.
pub struct Net {
    /// Cut directed links between hosts (host indices).
    cut: BTreeSet<(usize, usize)>,
    loss_rate: f64,
    latency_us: (u64, u64),
    rng: ChaCha8Rng,
}

impl Net {
    /// A healthy network with one-way latency in `latency_ms`.
    pub fn new(seed: u64, latency_ms: (u64, u64)) -> Self {
        let mut net = Net {
            cut: BTreeSet::new(),
            loss_rate: 0.0,
            latency_us: (0, 0),
            rng: ChaCha8Rng::seed_from_u64(seed ^ NET_RNG_SALT),
        };
        net.set_latency(latency_ms.0, latency_ms.1);
        net
    }

    /// Cuts (`true`) or repairs both directions of each host link.
    pub fn set_cut(&mut self, pairs: &[(usize, usize)], cut: bool) {
        for &(a, b) in pairs {
            for link in [(a, b), (b, a)] {
                if cut {
                    self.cut.insert(link);
                } else {
                    self.cut.remove(&link);
                }
            }
        }
    }

    /// Sets the loss probability (clamped to 0..=1; NaN heals).
    pub fn set_loss(&mut self, rate: f64) {
        self.loss_rate = if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 1.0) };
    }

    /// Sets the one-way latency range, milliseconds.
    pub fn set_latency(&mut self, ms_min: u64, ms_max: u64) {
        let us_min = ms_min.saturating_mul(1000);
        self.latency_us = (us_min, ms_max.saturating_mul(1000).max(us_min));
    }

    /// Whether the link from slot `from` to slot `to` is cut (only host links are cut).
    pub fn is_cut(&self, from: usize, to: usize, hosts: usize) -> bool {
        from < hosts && to < hosts && self.cut.contains(&(from, to))
    }

    /// The latency of a datagram from `from` to `to`, or None if the network drops it.
    pub fn admit(&mut self, from: usize, to: usize, hosts: usize) -> Option<u64> {
        if self.is_cut(from, to, hosts) {
            return None;
        }
        if self.loss_rate > 0.0 && self.rng.random_bool(self.loss_rate) {
            return None;
        }
        let (lo, hi) = self.latency_us;
        Some(if hi > lo { self.rng.random_range(lo..=hi) } else { lo })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_links_drop_both_ways_until_repaired_and_clients_are_never_cut() {
        let mut net = Net::new(1, (1, 5));
        net.set_cut(&[(0, 1)], true);
        assert_eq!(net.admit(0, 1, 3), None);
        assert_eq!(net.admit(1, 0, 3), None);
        assert!(net.admit(0, 2, 3).is_some_and(|l| (1000..=5000).contains(&l)));
        assert!(!net.is_cut(0, 3, 3), "slot 3 is a client");
        net.set_cut(&[(1, 0)], false);
        assert!(net.admit(0, 1, 3).is_some());
    }

    #[test]
    fn full_loss_drops_everything_and_zero_heals() {
        let mut net = Net::new(1, (2, 2));
        net.set_loss(1.0);
        assert!((0..100).all(|_| net.admit(0, 1, 2).is_none()));
        net.set_loss(0.0);
        assert_eq!(net.admit(0, 1, 2), Some(2000));
    }
}
