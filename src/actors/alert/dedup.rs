//! Deduplication: one alert per rule and key per window.
//!
//! Time is the events' own timestamps, so a replay on its virtual clock deduplicates exactly
//! as the live node did. The window counts from the alert that was raised: a steady stream of
//! duplicates does not extend it.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Most keys remembered. Past it, expired keys are forgotten; if all are live, all are (an
/// attacker varying user names must not grow memory without bound; the worst case is a
/// repeated alert).
const MAX_KEYS: usize = 100_000;

/// Remembers when each (rule, key) last raised an alert.
#[derive(Debug)]
pub struct Dedup {
    window: Duration,
    raised: HashMap<(&'static str, String), DateTime<Utc>>,
}

impl Dedup {
    /// Deduplicates within `window`; a zero window lets everything through.
    pub fn new(window: Duration) -> Dedup {
        Dedup {
            window,
            raised: HashMap::new(),
        }
    }

    /// Whether an alert of `rule` for `key` at `at` should be raised (and, if so, remembers
    /// it); `false` means it repeats one raised less than the window before.
    pub fn admit(&mut self, rule: &'static str, key: &str, at: DateTime<Utc>) -> bool {
        if self.window.is_zero() {
            return true;
        }
        let id = (rule, key.to_owned());
        if let Some(last) = self.raised.get(&id)
            && !self.expired(*last, at)
        {
            return false;
        }
        if self.raised.len() >= MAX_KEYS {
            self.raised.retain(|_, last| {
                at.signed_duration_since(*last)
                    .to_std()
                    .is_ok_and(|age| age < self.window)
            });
            if self.raised.len() >= MAX_KEYS {
                self.raised.clear();
            }
        }
        self.raised.insert(id, at);
        true
    }

    /// Whether an alert raised at `last` no longer covers one at `at` (events of concurrent
    /// sessions may arrive slightly out of order: "before" counts as covered).
    fn expired(&self, last: DateTime<Utc>, at: DateTime<Utc>) -> bool {
        at.signed_duration_since(last)
            .to_std()
            .is_ok_and(|age| age >= self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn one_alert_per_key_per_window() {
        let mut dedup = Dedup::new(Duration::from_secs(300));
        assert!(dedup.admit("download", "abc", t(0)));
        assert!(!dedup.admit("download", "abc", t(10)));
        assert!(!dedup.admit("download", "abc", t(299)));
        // Another key, or the same key under another rule, is another alert.
        assert!(dedup.admit("download", "def", t(10)));
        assert!(dedup.admit("login_success", "abc", t(10)));
        // The window counts from the raised alert, not from the last duplicate.
        assert!(dedup.admit("download", "abc", t(300)));
        assert!(!dedup.admit("download", "abc", t(301)));
        // Slightly out of order is still a duplicate.
        assert!(!dedup.admit("download", "abc", t(295)));
    }

    #[test]
    fn a_zero_window_keeps_everything() {
        let mut dedup = Dedup::new(Duration::ZERO);
        assert!(dedup.admit("download", "abc", t(0)));
        assert!(dedup.admit("download", "abc", t(0)));
    }

    #[test]
    fn memory_stays_bounded() {
        let mut dedup = Dedup::new(Duration::from_secs(300));
        for n in 0..(MAX_KEYS + 10) {
            dedup.admit("login_success", &n.to_string(), t(0));
        }
        assert!(dedup.raised.len() <= MAX_KEYS);
    }
}
