//! [`Clock`]: the one way the session path reads the time.
//!
//! A live node runs on [`Clock::System`]. A replayed scenario runs on a [`Clock::Virtual`] that
//! starts at the scenario's start time and moves only when the replay advances it by a step's
//! delay, so a 30-minute recording replays in milliseconds and gives the same outputs and
//! event times every run. The session actor stamps its events, the shell's `date`/`uptime`/
//! file times, the session manager's login time and the alert actor's alerts from it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current time.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// Virtual time, shared by everything that holds a clone.
    Virtual(Arc<VirtualTime>),
}

/// The state of a virtual clock: a start and how far it has been advanced.
#[derive(Debug)]
pub struct VirtualTime {
    start: DateTime<Utc>,
    /// Nanoseconds since `start`.
    elapsed: AtomicI64,
}

impl Clock {
    /// A virtual clock reading `start` until advanced.
    pub fn virtual_at(start: DateTime<Utc>) -> Clock {
        Clock::Virtual(Arc::new(VirtualTime {
            start,
            elapsed: AtomicI64::new(0),
        }))
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Virtual(v) => v.start + TimeDelta::nanoseconds(v.elapsed.load(Ordering::SeqCst)),
        }
    }

    /// The time to pin a shell to for one line: `None` on the system clock (the shell reads
    /// the machine's), the virtual time otherwise.
    pub fn pinned(&self) -> Option<DateTime<Utc>> {
        match self {
            Clock::System => None,
            Clock::Virtual(_) => Some(self.now()),
        }
    }

    /// Moves a virtual clock forward by `by` (saturating); the system clock cannot be moved.
    pub fn advance(&self, by: Duration) {
        if let Clock::Virtual(v) = self {
            let nanos = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
            v.elapsed
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |e| {
                    Some(e.saturating_add(nanos))
                })
                .ok();
        }
    }

    /// Time since `earlier` on this clock, zero if `earlier` is in the future.
    pub fn since(&self, earlier: DateTime<Utc>) -> Duration {
        (self.now() - earlier).to_std().unwrap_or_default()
    }

    /// Whether this is a virtual clock.
    pub fn is_virtual(&self) -> bool {
        matches!(self, Clock::Virtual(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_time_moves_only_when_advanced() {
        let start = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::virtual_at(start);
        let shared = clock.clone();
        assert_eq!(clock.now(), start);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now(), start);
        shared.advance(Duration::from_millis(1500));
        assert_eq!(clock.now(), start + TimeDelta::milliseconds(1500));
        assert_eq!(clock.since(start), Duration::from_millis(1500));
        assert_eq!(clock.pinned(), Some(start + TimeDelta::milliseconds(1500)));
        assert!(clock.is_virtual());
    }

    #[test]
    fn the_system_clock_is_the_machines() {
        let clock = Clock::System;
        let before = Utc::now();
        let now = clock.now();
        assert!(now >= before && now <= Utc::now());
        assert_eq!(clock.pinned(), None);
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() < Utc::now() + TimeDelta::seconds(60));
    }
}
