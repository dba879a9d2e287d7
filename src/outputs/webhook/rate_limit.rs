//! A token bucket: each webhook gets at most so many alerts per minute.

use std::time::{Duration, Instant};

/// Holds up to `capacity` tokens, refilled evenly over a minute; each alert sent takes one.
#[derive(Debug)]
pub struct TokenBucket {
    capacity: f64,
    tokens: f64,
    per_second: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket allowing `per_minute` alerts a minute (bursts of as many).
    pub fn per_minute(per_minute: u32, now: Instant) -> TokenBucket {
        let capacity = f64::from(per_minute.max(1));
        TokenBucket {
            capacity,
            tokens: capacity,
            per_second: capacity / 60.0,
            last: now,
        }
    }

    /// Takes a token if one is there at `now`; `false` means over the limit.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last);
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.per_second).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until the next token, for logs.
    pub fn next_in(&self) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens).max(0.0)) / self.per_second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_up_to_the_limit_then_one_per_refill() {
        let start = Instant::now();
        let mut bucket = TokenBucket::per_minute(3, start);
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(
            !bucket.try_take(start),
            "the fourth in the same instant is over"
        );
        assert_eq!(bucket.next_in(), Duration::from_secs(20));
        // 3 per minute: one token every 20 s.
        assert!(!bucket.try_take(start + Duration::from_secs(19)));
        assert!(bucket.try_take(start + Duration::from_secs(20)));
        assert!(!bucket.try_take(start + Duration::from_secs(21)));
        // A long pause refills to the capacity, not beyond it.
        let later = start + Duration::from_secs(3600);
        assert!(bucket.try_take(later));
        assert!(bucket.try_take(later));
        assert!(bucket.try_take(later));
        assert!(!bucket.try_take(later));
    }
}
