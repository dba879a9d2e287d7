//! Rate limit of `POST /login`, per client address: a few attempts per minute, then 429 until
//! the address's quota refills, so the admin token cannot be guessed at speed.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Login attempts one address may make per minute (also the burst).
pub const ATTEMPTS_PER_MINUTE: u32 = 5;
/// Addresses remembered before the idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;

/// The per-address login limiter.
pub struct LoginLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl std::fmt::Debug for LoginLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginLimit").finish_non_exhaustive()
    }
}

impl Default for LoginLimit {
    fn default() -> Self {
        let n = NonZeroU32::new(ATTEMPTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        LoginLimit {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }
}

impl LoginLimit {
    /// Counts an attempt from `ip`: `Ok(())` when allowed, `Err(wait)` (how long until the
    /// next one is) when over the limit.
    pub fn attempt(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.limiter.len() > MAX_TRACKED {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_attempts_per_address_then_refused() {
        let limit = LoginLimit::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..ATTEMPTS_PER_MINUTE {
            assert!(limit.attempt(a).is_ok());
        }
        let wait = limit.attempt(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(60));
        assert!(
            limit.attempt(b).is_ok(),
            "another address has its own quota"
        );
    }
}
