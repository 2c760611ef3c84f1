//! The retry policy after a sync run that reached no server: exponential from 1 s, doubling, capped
//! at 5 minutes, with ±20 % jitter so that many tablets coming back online together do not retry in
//! step. Pure functions; the random source is passed in so tests can pin it.

use std::time::Duration;

/// The first retry delay.
pub const BASE: Duration = Duration::from_secs(1);
/// The longest delay.
pub const CAP: Duration = Duration::from_secs(300);

/// The delay before retry number `failures` (1 = after the first failure), given a uniform random
/// number `random` in `[0, 1)`. Without jitter the delays are 1 s, 2 s, 4 s, … 256 s, 300 s, 300 s;
/// jitter scales each by a factor in `[0.8, 1.2)`, and the result never leaves `[BASE, CAP]`.
pub fn backoff_delay(failures: u32, random: f64) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let exp = (failures - 1).min(16);
    let nominal = BASE.saturating_mul(1u32 << exp).min(CAP);
    let r = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let factor = 0.8 + 0.4 * r;
    nominal.mul_f64(factor).clamp(BASE, CAP)
}

/// A small, seedable source of uniform numbers in `[0, 1)` for the jitter (xorshift64*). Not for
/// anything secret.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// Seeded explicitly (tests).
    pub fn seeded(seed: u64) -> Self {
        Jitter(seed | 1)
    }

    /// Seeded from a random v4 UUID, which uses the platform's random source.
    pub fn from_entropy() -> Self {
        let bits = uuid::Uuid::new_v4().as_u128();
        Jitter::seeded((bits as u64) ^ ((bits >> 64) as u64))
    }

    /// The next number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_jitter_the_delay_doubles_from_one_second_to_the_five_minute_cap() {
        // random = 0.5 gives factor 1.0 exactly.
        let secs: Vec<u64> = (1..=12).map(|n| backoff_delay(n, 0.5).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_within_the_bounds() {
        for n in 1..40 {
            let nominal = backoff_delay(n, 0.5);
            for r in [0.0, 0.1, 0.5, 0.999_999] {
                let d = backoff_delay(n, r);
                assert!(d >= BASE && d <= CAP, "n={n} r={r}: {d:?}");
                assert!(d.as_secs_f64() >= nominal.as_secs_f64() * 0.8 - 1e-9 || d == BASE);
                assert!(d.as_secs_f64() <= nominal.as_secs_f64() * 1.2 + 1e-9);
            }
        }
        assert_eq!(backoff_delay(10, 0.0), Duration::from_secs(240));
        assert_eq!(backoff_delay(1, 0.0), BASE, "never shorter than one second");
    }

    #[test]
    fn huge_failure_counts_and_nonsense_randoms_neither_overflow_nor_escape_the_cap() {
        assert_eq!(backoff_delay(u32::MAX, f64::NAN), CAP);
        assert_eq!(backoff_delay(u32::MAX, 7.0), CAP);
        assert_eq!(backoff_delay(0, 0.3), Duration::ZERO);
    }

    #[test]
    fn the_jitter_source_is_uniform_enough_and_reproducible() {
        let mut a = Jitter::seeded(42);
        let mut b = Jitter::seeded(42);
        let xs: Vec<f64> = (0..10_000).map(|_| a.next_f64()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert_eq!(
            xs[..5],
            (0..5).map(|_| b.next_f64()).collect::<Vec<_>>()[..]
        );
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }
}
