//! Corrupt packets: bit flips and truncation in flight, applied on the engine side of every
//! send. Neither turmoil nor madsim can corrupt a datagram, so every engine's `Io::send`
//! calls [`in_flight`], the one engine-agnostic place the corruption is decided.
//!
//! `Io` is a set of static functions (no socket-independent state reaches `send`), so the
//! run's corruption state lives in a thread-local installed by `engine::run` for the run's
//! length: an engine runs one simulation on one thread, and the state is seeded from the
//! run seed and reset at every run start, so nothing depends on which thread it is.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;

/// Salt for the corruption RNG stream (separate from every other stream of the run).
const CORRUPT_RNG_SALT: u64 = 0x434f_5252_5550_5400;
/// Most bits one corrupted datagram gets flipped.
const FLIPS_MAX: usize = 3;

/// What the engine corrupted so far in this run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CorruptionCounts {
    /// Datagrams whose bits were flipped.
    pub flipped: u64,
    /// Datagrams cut short.
    pub truncated: u64,
}

/// How one datagram was corrupted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// Some bits flipped.
    Flipped,
    /// Cut short.
    Truncated,
}

struct State {
    rate: f64,
    rng: ChaCha8Rng,
    counts: CorruptionCounts,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Installs the run's corruption state (rate 0) seeded from `seed`.
pub(super) fn begin(seed: u64) {
    let state =
        State { rate: 0.0, rng: ChaCha8Rng::seed_from_u64(seed ^ CORRUPT_RNG_SALT), counts: Default::default() };
    STATE.with(|s| *s.borrow_mut() = Some(state));
}

/// Removes the run's state.
pub(super) fn end() {
    STATE.with(|s| *s.borrow_mut() = None);
}

/// Sets the probability that a datagram is corrupted in flight (0 heals).
pub fn set_rate(rate: f64) {
    STATE.with(|s| {
        if let Some(state) = s.borrow_mut().as_mut() {
            state.rate = if rate.is_finite() { rate.clamp(0.0, 1.0) } else { 0.0 };
        }
    });
}

/// What has been corrupted so far in this run.
pub fn counts() -> CorruptionCounts {
    STATE.with(|s| s.borrow().as_ref().map(|state| state.counts).unwrap_or_default())
}

/// The bytes to put on the wire for `bytes`: corrupted with the rate in force, else as is.
/// Draws nothing from the RNG while the rate is 0, so runs without the fault are unchanged.
pub fn in_flight(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    STATE.with(|s| {
        let mut guard = s.borrow_mut();
        let Some(state) = guard.as_mut() else { return bytes.into() };
        if state.rate <= 0.0 || bytes.is_empty() || !state.rng.random_bool(state.rate) {
            return bytes.into();
        }
        let mut out = bytes.to_vec();
        match corrupt(&mut out, &mut state.rng) {
            Corruption::Flipped => state.counts.flipped += 1,
            Corruption::Truncated => state.counts.truncated += 1,
        }
        out.into()
    })
}

/// Corrupts a non-empty datagram: half the time flips 1..=3 random bits, else truncates it to
/// a random shorter length (possibly empty).
pub fn corrupt(bytes: &mut Vec<u8>, rng: &mut impl Rng) -> Corruption {
    assert!(!bytes.is_empty(), "corrupting an empty datagram");
    if rng.random_bool(0.5) {
        // Distinct bits, so two flips never cancel and the datagram always changes.
        let mut bits: Vec<usize> =
            (0..rng.random_range(1..=FLIPS_MAX)).map(|_| rng.random_range(0..bytes.len() * 8)).collect();
        bits.sort_unstable();
        bits.dedup();
        for bit in bits {
            bytes[bit / 8] ^= 1 << (bit % 8);
        }
        Corruption::Flipped
    } else {
        bytes.truncate(rng.random_range(0..bytes.len()));
        Corruption::Truncated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_always_changes_the_datagram() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for len in 1..64 {
            let original: Vec<u8> = (0..len as u8).collect();
            let mut bytes = original.clone();
            match corrupt(&mut bytes, &mut rng) {
                Corruption::Flipped => assert_eq!(bytes.len(), original.len()),
                Corruption::Truncated => assert!(bytes.len() < original.len()),
            }
            assert_ne!(bytes, original, "length {len}");
        }
    }

    #[test]
    fn rate_zero_passes_bytes_and_rate_one_corrupts_them_all() {
        begin(1);
        assert_eq!(&*in_flight(b"hello"), b"hello");
        assert_eq!(counts(), CorruptionCounts::default());
        set_rate(1.0);
        for _ in 0..100 {
            assert_ne!(&*in_flight(b"hello world"), b"hello world");
        }
        let c = counts();
        assert_eq!(c.flipped + c.truncated, 100);
        assert!(c.flipped > 0 && c.truncated > 0, "{c:?}");
        end();
        assert_eq!(&*in_flight(b"x"), b"x", "no run, no corruption");
    }

    #[test]
    fn the_same_seed_corrupts_the_same_way() {
        let run = || {
            begin(5);
            set_rate(0.5);
            let out: Vec<Vec<u8>> = (0..50).map(|i| in_flight(&[i as u8; 16]).into_owned()).collect();
            end();
            out
        };
        assert_eq!(run(), run());
    }
}
