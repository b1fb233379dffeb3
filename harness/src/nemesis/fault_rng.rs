//! One random stream per fault, named by what the fault is rather than by how many faults came
//! before it: removing or shortening one fault (as `faultline shrink` does) leaves every other
//! fault's victims, shapes and magnitudes as they were.
use super::plan::PlannedFault;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// The apply-time stream of `fault` in the run of `seed`: SHA-256 of (purpose, seed, kind, start).
pub fn fault_rng(seed: u64, fault: &PlannedFault) -> ChaCha8Rng {
    let mut hasher = Sha256::new();
    hasher.update(b"faultline/nemesis-apply/v1");
    hasher.update(seed.to_le_bytes());
    hasher.update(fault.kind.name().as_bytes());
    hasher.update(fault.start_us.to_le_bytes());
    ChaCha8Rng::from_seed(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::FaultKind;
    use rand::Rng;

    fn fault(kind: FaultKind, start_us: u64, end_us: u64) -> PlannedFault {
        PlannedFault { kind, start_us, end_us, node: None }
    }

    #[test]
    fn a_fault_stream_depends_on_the_fault_not_on_its_neighbours_or_length() {
        let draw = |f: &PlannedFault| fault_rng(7, f).random::<u64>();
        let a = fault(FaultKind::PartitionHalves, 1_000_000, 2_000_000);
        assert_eq!(draw(&a), draw(&fault(FaultKind::PartitionHalves, 1_000_000, 1_500_000)));
        assert_ne!(draw(&a), draw(&fault(FaultKind::PartitionRing, 1_000_000, 2_000_000)));
        assert_ne!(draw(&a), draw(&fault(FaultKind::PartitionHalves, 1_000_001, 2_000_000)));
        assert_ne!(draw(&a), fault_rng(8, &a).random::<u64>());
    }
}
