//! Retry delays: exponential backoff with full jitter.
//!
//! Retry `n` (from 0) waits a random time between 0 and `min(max, base · 2ⁿ)`. Full jitter
//! spreads retries of many alerts (and many nodes) over the whole window instead of letting
//! them hit a recovering webhook in lock-step.

use std::time::Duration;

use rand::Rng;

/// How long to wait between delivery attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The bound of the first retry's delay.
    pub base: Duration,
    /// No delay bound exceeds this.
    pub max: Duration,
}

impl Backoff {
    /// The upper bound of the delay before retry `retry` (0 = the first retry).
    pub fn bound(&self, retry: u32) -> Duration {
        // 2^31 · base overflows long before any sane max; saturate instead.
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The delay before retry `retry`: uniform between 0 and [`Backoff::bound`].
    pub fn delay(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let bound = u64::try_from(self.bound(retry).as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.gen_range(0..=bound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn bounds_double_up_to_the_maximum() {
        let backoff = Backoff {
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        };
        let bounds: Vec<u64> = (0..9)
            .map(|n| backoff.bound(n).as_millis() as u64)
            .collect();
        assert_eq!(
            bounds,
            [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(backoff.bound(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn delays_are_jittered_within_the_bound() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for retry in 0..6 {
            let delays: Vec<Duration> = (0..200).map(|_| backoff.delay(retry, &mut rng)).collect();
            assert!(delays.iter().all(|d| *d <= backoff.bound(retry)));
            let distinct: std::collections::HashSet<_> = delays.iter().collect();
            assert!(distinct.len() > 20, "retry {retry}: {distinct:?}");
        }
    }
}
