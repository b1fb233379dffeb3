//! Partition shapes as lists of cut links (node index pairs, smaller first).
use rand::seq::SliceRandom;
use rand::Rng;

fn cuts_between(a: &[usize], b: &[usize]) -> Vec<(usize, usize)> {
    let mut cuts: Vec<(usize, usize)> = a.iter().flat_map(|&x| b.iter().map(move |&y| (x.min(y), x.max(y)))).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Cut `node` off from every other node.
pub fn isolate_cuts(n: usize, node: usize) -> Vec<(usize, usize)> {
    let others: Vec<usize> = (0..n).filter(|&x| x != node).collect();
    cuts_between(&[node], &others)
}

/// A random majority and minority that cannot talk to each other. Returns (cuts, minority).
pub fn halves_cuts(n: usize, rng: &mut impl Rng) -> (Vec<(usize, usize)>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let (minority, majority) = order.split_at(n / 2);
    let mut minority = minority.to_vec();
    minority.sort_unstable();
    (cuts_between(&minority, majority), minority)
}

/// Majorities ring: nodes on a random ring each see only their nearest neighbours, so every
/// node sees a majority but no two see the same one (Jepsen's `majorities-ring`).
pub fn ring_cuts(n: usize, rng: &mut impl Rng) -> Vec<(usize, usize)> {
    let mut ring: Vec<usize> = (0..n).collect();
    ring.shuffle(rng);
    let majority = n / 2 + 1;
    let reach = (majority - 1).div_ceil(2);
    let mut cuts = Vec::new();
    for i in 0..n {
        for j in (i + 1)..n {
            let d = j - i;
            let ring_distance = d.min(n - d);
            if ring_distance > reach {
                let (a, b) = (ring[i], ring[j]);
                cuts.push((a.min(b), a.max(b)));
            }
        }
    }
    cuts.sort_unstable();
    cuts
}

/// Two halves joined by one bridge node that sees both. Returns (cuts, bridge).
pub fn bridge_cuts(n: usize, rng: &mut impl Rng) -> (Vec<(usize, usize)>, usize) {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let bridge = order[0];
    let rest = &order[1..];
    let (a, b) = rest.split_at(rest.len() / 2);
    (cuts_between(a, b), bridge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sees(n: usize, cuts: &[(usize, usize)], x: usize) -> usize {
        (0..n).filter(|&y| y == x || !cuts.contains(&(x.min(y), x.max(y)))).count()
    }

    #[test]
    fn ring_gives_every_node_a_majority() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for n in 3..=9 {
            let cuts = ring_cuts(n, &mut rng);
            for x in 0..n {
                assert!(sees(n, &cuts, x) > n / 2, "n={n} node {x}");
            }
            if n >= 5 {
                assert!(!cuts.is_empty());
            }
        }
    }

    #[test]
    fn halves_split_minority_from_majority() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (cuts, minority) = halves_cuts(5, &mut rng);
        assert_eq!(minority.len(), 2);
        assert_eq!(cuts.len(), 6);
    }

    #[test]
    fn bridge_sees_everyone() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (cuts, bridge) = bridge_cuts(5, &mut rng);
        assert_eq!(sees(5, &cuts, bridge), 5);
        assert_eq!(cuts.len(), 4);
    }

    #[test]
    fn isolate_cuts_all_links_of_one_node() {
        assert_eq!(isolate_cuts(3, 1), vec![(0, 1), (1, 2)]);
    }
}
