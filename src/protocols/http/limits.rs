//! Per-address request rate and login brute-force limits, kept across restarts.
//!
//! The request rate works like nginx's `limit_req` (a leaky bucket): each address may make
//! `rate_limit_per_minute` requests at once and then that many per minute; a refused request
//! does not count. Failed logins are counted per address within `login_lockout_secs`;
//! `login_max_failures` of them lock the address out for `login_lockout_secs`, as WordPress's
//! Limit Login Attempts does.
//!
//! These are the decoy's Layer 0 reflexes. Each reports when it starts acting on an address,
//! once per episode ([`ReflexHit`], the `mirage.reflex` event): a rate-limit episode starts
//! with the first refused request and lasts until the address's bucket has drained empty (it
//! stayed under the rate for as long as a full burst takes to drain, a minute at most); a
//! lockout episode starts with the failure that locks the address out.
//!
//! The state lives in `<data_dir>/http/limits.json`, written atomically (a temporary file
//! renamed over it) at most once per [`Limiter::save_if_dirty`] call and at shutdown, so an
//! attacker who is limited stays limited when the node restarts. It holds at most
//! [`MAX_ADDRESSES`] addresses; past that the ones with nothing in force go first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::EventKind;

/// Most addresses remembered.
pub const MAX_ADDRESSES: usize = 10_000;

/// The reflex rule name of the per-address request rate limit.
pub const HTTP_RATE_LIMIT: &str = "http_rate_limit";
/// The reflex rule name of the login lockout.
pub const HTTP_LOGIN_LOCKOUT: &str = "http_login_lockout";

/// A reflex that began acting on an address: what the `mirage.reflex` event reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflexHit {
    /// [`HTTP_RATE_LIMIT`] or [`HTTP_LOGIN_LOCKOUT`].
    pub rule: &'static str,
    /// What the node does to the address (`503`, `lockout 1200s`).
    pub action: String,
    /// Why (`over 60 requests per minute`).
    pub detail: String,
}

impl ReflexHit {
    /// The rate limit began refusing an address, answering `status`.
    pub fn rate_limit(status: u16, config: &LimitConfig) -> ReflexHit {
        ReflexHit {
            rule: HTTP_RATE_LIMIT,
            action: status.to_string(),
            detail: format!("over {} requests per minute", config.per_minute),
        }
    }

    /// A lockout of `secs` seconds began.
    pub fn lockout(secs: u64, config: &LimitConfig) -> ReflexHit {
        ReflexHit {
            rule: HTTP_LOGIN_LOCKOUT,
            action: format!("lockout {secs}s"),
            detail: format!(
                "{} failed logins within {}s",
                config.max_failures, config.lockout_secs
            ),
        }
    }

    /// The event that records it.
    pub fn into_event(self) -> EventKind {
        EventKind::Reflex {
            rule: self.rule.to_owned(),
            action: self.action,
            detail: self.detail,
        }
    }
}

/// How a request fares against the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Within the rate.
    Allowed,
    /// Over the rate: refuse it.
    Refused {
        /// The first refusal of an episode: the moment to report the reflex.
        first: bool,
    },
}

/// The limits' settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitConfig {
    /// Requests per minute per address (also the burst); 0: no limit.
    pub per_minute: u32,
    /// Failed logins before a lockout; 0: never.
    pub max_failures: u32,
    /// Lockout length and failure window, in seconds.
    pub lockout_secs: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Address {
    /// The bucket's level (requests not yet drained).
    excess: f64,
    /// When the bucket was last updated, in milliseconds since the epoch.
    last_ms: i64,
    /// Times of recent failed logins, seconds since the epoch (at most `max_failures`).
    failures: Vec<i64>,
    /// Locked out until then (seconds since the epoch); 0: not locked.
    locked_until: i64,
    /// A rate-limit episode is under way (requests were refused and the bucket has not
    /// drained empty since). Kept across restarts, so a restart starts no new episode.
    #[serde(default)]
    limiting: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    addresses: HashMap<IpAddr, Address>,
}

/// The node's limits, shared by every HTTP session.
#[derive(Debug)]
pub struct Limiter {
    config: LimitConfig,
    path: Option<PathBuf>,
    state: Mutex<(State, bool)>,
}

impl Limiter {
    /// Limits kept in `path` (loaded if it exists; a broken file starts empty), or in memory
    /// only when `path` is `None`.
    pub fn open(config: LimitConfig, path: Option<PathBuf>) -> Limiter {
        let state = path
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| serde_json::from_slice::<State>(&bytes).ok())
            .unwrap_or_default();
        Limiter {
            config,
            path,
            state: Mutex::new((state, false)),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let out = f(&mut guard.0);
        guard.1 = true;
        out
    }

    /// The settings.
    pub fn config(&self) -> &LimitConfig {
        &self.config
    }

    /// Counts a request from `ip` against the rate: allowed, or refused (and whether this
    /// refusal starts an episode).
    pub fn admit(&self, ip: IpAddr, now: DateTime<Utc>) -> Admission {
        let rate = self.config.per_minute;
        if rate == 0 {
            return Admission::Allowed;
        }
        let now_ms = now.timestamp_millis();
        self.with(|state| {
            let entry = entry(state, ip, now.timestamp());
            let elapsed = (now_ms - entry.last_ms).max(0) as f64;
            let drained = f64::from(rate) * elapsed / 60_000.0;
            let level = (entry.excess - drained).max(0.0);
            if level + 1.0 > f64::from(rate) {
                let first = !entry.limiting;
                entry.limiting = true;
                return Admission::Refused { first };
            }
            if level <= 0.0 {
                // Drained empty: the address kept under the rate, the episode is over.
                entry.limiting = false;
            }
            entry.excess = level + 1.0;
            entry.last_ms = now_ms;
            Admission::Allowed
        })
    }

    /// Seconds `ip` stays locked out, if it is.
    pub fn locked(&self, ip: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let now = now.timestamp();
        let guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .0
            .addresses
            .get(&ip)
            .filter(|a| a.locked_until > now)
            .map(|a| (a.locked_until - now) as u64)
    }

    /// Records a failed login from `ip`; `Some(seconds)` if this one locked it out.
    pub fn fail_login(&self, ip: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let max = self.config.max_failures as usize;
        if max == 0 {
            return None;
        }
        let window = i64::try_from(self.config.lockout_secs).unwrap_or(i64::MAX / 2);
        let now = now.timestamp();
        self.with(|state| {
            let entry = entry(state, ip, now);
            entry.failures.retain(|&t| t > now - window);
            entry.failures.push(now);
            if entry.failures.len() >= max {
                entry.failures.clear();
                entry.locked_until = now.saturating_add(window);
                return Some(self.config.lockout_secs);
            }
            // Bounded: never more than `max` kept.
            let excess = entry.failures.len().saturating_sub(max);
            entry.failures.drain(..excess);
            None
        })
    }

    /// Failed logins `ip` may still make before the lockout.
    pub fn retries_left(&self, ip: IpAddr, now: DateTime<Utc>) -> u32 {
        let max = self.config.max_failures;
        if max == 0 {
            return u32::MAX;
        }
        let window = i64::try_from(self.config.lockout_secs).unwrap_or(i64::MAX / 2);
        let now = now.timestamp();
        let guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let used = guard.0.addresses.get(&ip).map_or(0, |a| {
            a.failures.iter().filter(|&&t| t > now - window).count()
        });
        max.saturating_sub(u32::try_from(used).unwrap_or(u32::MAX))
    }

    /// Writes the state if it changed since the last write. Errors are logged, not fatal: the
    /// limits still work in memory.
    pub fn save_if_dirty(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let bytes = {
            let mut guard = self
                .state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !guard.1 {
                return;
            }
            guard.1 = false;
            match serde_json::to_vec(&guard.0) {
                Ok(bytes) => bytes,
                Err(_) => return,
            }
        };
        if let Err(err) = write_atomically(path, &bytes) {
            tracing::warn!(path = %path.display(), error = %err, "Cannot save the HTTP limits.");
        }
    }
}

fn entry(state: &mut State, ip: IpAddr, now: i64) -> &mut Address {
    if !state.addresses.contains_key(&ip) && state.addresses.len() >= MAX_ADDRESSES {
        // Forget addresses with nothing in force, then (if still full) the stalest ones.
        state
            .addresses
            .retain(|_, a| a.locked_until > now || !a.failures.is_empty() || a.excess >= 1.0);
        while state.addresses.len() >= MAX_ADDRESSES {
            let oldest = state
                .addresses
                .iter()
                .min_by_key(|(_, a)| a.last_ms)
                .map(|(ip, _)| *ip);
            match oldest {
                Some(ip) => state.addresses.remove(&ip),
                None => break,
            };
        }
    }
    state.addresses.entry(ip).or_default()
}

fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));

    #[test]
    fn the_rate_allows_a_burst_then_the_rate() {
        let limiter = Limiter::open(
            LimitConfig {
                per_minute: 3,
                max_failures: 0,
                lockout_secs: 60,
            },
            None,
        );
        assert!((0..3).all(|_| limiter.admit(IP, at(1000)) == Admission::Allowed));
        assert_eq!(
            limiter.admit(IP, at(1000)),
            Admission::Refused { first: true }
        );
        // 20 s drains one request.
        assert_eq!(limiter.admit(IP, at(1020)), Admission::Allowed);
        assert_eq!(
            limiter.admit(IP, at(1020)),
            Admission::Refused { first: false }
        );
    }

    #[test]
    fn a_rate_episode_is_reported_once_and_ends_when_the_bucket_drains() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("limits.json");
        let config = LimitConfig {
            per_minute: 2,
            max_failures: 0,
            lockout_secs: 60,
        };
        let limiter = Limiter::open(config, Some(path.clone()));
        let firsts = |limiter: &Limiter, secs: i64, n: usize| {
            (0..n)
                .filter(|_| limiter.admit(IP, at(secs)) == Admission::Refused { first: true })
                .count()
        };
        // A flood: two allowed, then one episode however long it lasts, even with a few
        // requests let through as the bucket drains.
        assert_eq!(firsts(&limiter, 1000, 50), 1);
        assert_eq!(limiter.admit(IP, at(1030)), Admission::Allowed);
        assert_eq!(firsts(&limiter, 1030, 50), 0);
        // The episode survives a restart.
        limiter.save_if_dirty();
        let limiter = Limiter::open(config, Some(path));
        assert_eq!(firsts(&limiter, 1031, 5), 0);
        // Quiet until the bucket is empty: the next flood is a new episode.
        assert_eq!(limiter.admit(IP, at(1200)), Admission::Allowed);
        assert_eq!(firsts(&limiter, 1200, 10), 1);
        // Another address has its own episode.
        let other: IpAddr = "198.51.100.4".parse().unwrap();
        assert!((0..2).all(|_| limiter.admit(other, at(1200)) == Admission::Allowed));
        assert_eq!(
            limiter.admit(other, at(1200)),
            Admission::Refused { first: true }
        );
    }

    #[test]
    fn hits_say_what_the_node_does_and_why() {
        let config = LimitConfig {
            per_minute: 60,
            max_failures: 5,
            lockout_secs: 1200,
        };
        assert_eq!(
            ReflexHit::rate_limit(503, &config).into_event(),
            EventKind::Reflex {
                rule: "http_rate_limit".into(),
                action: "503".into(),
                detail: "over 60 requests per minute".into(),
            }
        );
        assert_eq!(
            ReflexHit::lockout(1200, &config).into_event(),
            EventKind::Reflex {
                rule: "http_login_lockout".into(),
                action: "lockout 1200s".into(),
                detail: "5 failed logins within 1200s".into(),
            }
        );
    }

    #[test]
    fn failures_lock_out_and_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("http/limits.json");
        let config = LimitConfig {
            per_minute: 0,
            max_failures: 3,
            lockout_secs: 600,
        };
        let limiter = Limiter::open(config, Some(path.clone()));
        assert_eq!(limiter.fail_login(IP, at(100)), None);
        assert_eq!(limiter.retries_left(IP, at(100)), 2);
        assert_eq!(limiter.fail_login(IP, at(101)), None);
        assert_eq!(limiter.fail_login(IP, at(102)), Some(600));
        limiter.save_if_dirty();
        let again = Limiter::open(config, Some(path));
        assert_eq!(again.locked(IP, at(200)), Some(502));
        assert_eq!(again.locked(IP, at(702)), None);
    }
}
