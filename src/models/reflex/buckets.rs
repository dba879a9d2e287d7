//! [`Buckets`]: the token buckets of rate-limited rules, keyed by rule and source address or
//! credential, as a plain serialisable value (the node saves it to
//! `<data_dir>/reflex/buckets.json`, so a limited attacker stays limited across restarts).
//!
//! A bucket holds up to `burst` tokens and gains `per_minute` tokens a minute. Each occurrence
//! a rate-limited rule matches takes one; when none is left the rule fires (and the occurrence
//! takes nothing). A bucket that would be full again is the same as no bucket, so buckets are
//! only stored while they are short of tokens, and the full ones go first when the map is at
//! [`MAX_BUCKETS`].

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rules::{Per, Rate};

/// Most buckets kept; past that, full ones are forgotten, then the ones refilling soonest.
pub const MAX_BUCKETS: usize = 50_000;
/// Longest credential text kept in a key.
const MAX_CREDENTIAL: usize = 256;
/// The file format's version.
const VERSION: u32 = 1;

/// Whose bucket: a source address or a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKey<'a> {
    /// The session's source address.
    Ip(IpAddr),
    /// The session's credential (`user:password`, or `user:` when the password is unknown).
    Credential(&'a str),
}

impl RateKey<'_> {
    /// The map key of `rule`'s bucket for this address or credential.
    fn key(&self, rule: &str) -> String {
        match self {
            RateKey::Ip(ip) => format!("{rule}|ip|{ip}"),
            RateKey::Credential(credential) => {
                let mut end = credential.len().min(MAX_CREDENTIAL);
                while !credential.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{rule}|credential|{}", credential.get(..end).unwrap_or(""))
            }
        }
    }

    /// Whether this key is of kind `per`.
    pub fn is(&self, per: Per) -> bool {
        matches!(
            (self, per),
            (RateKey::Ip(_), Per::Ip) | (RateKey::Credential(_), Per::Credential)
        )
    }
}

/// One bucket: tokens as of a time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Bucket {
    /// Tokens left at `at_ms`.
    tokens: f64,
    /// Unix milliseconds of the last update.
    at_ms: i64,
    /// Unix milliseconds when it will be full again (then it can be forgotten).
    full_ms: i64,
}

/// The token buckets of every rate-limited rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Buckets {
    version: u32,
    buckets: HashMap<String, Bucket>,
    /// Whether anything changed since [`Buckets::take_dirty`] last said so.
    #[serde(skip)]
    dirty: bool,
}

impl Buckets {
    /// No buckets: every rate starts full.
    pub fn new() -> Buckets {
        Buckets {
            version: VERSION,
            ..Buckets::default()
        }
    }

    /// Takes a token from `rule`'s bucket for `who` at `now`: `true` when there was one,
    /// `false` when the bucket is empty (the rule fires).
    pub fn take(&mut self, rule: &str, rate: Rate, who: RateKey<'_>, now: DateTime<Utc>) -> bool {
        let now_ms = now.timestamp_millis();
        let key = who.key(rule);
        let burst = f64::from(rate.burst);
        let per_ms = f64::from(rate.per_minute) / 60_000.0;
        let tokens = match self.buckets.get(&key) {
            Some(b) => {
                let elapsed = (now_ms.saturating_sub(b.at_ms)).max(0) as f64;
                (b.tokens + elapsed * per_ms).min(burst)
            }
            None => burst,
        };
        self.dirty = true;
        let (left, allowed) = if tokens >= 1.0 {
            (tokens - 1.0, true)
        } else {
            (tokens, false)
        };
        let full_ms = if per_ms > 0.0 {
            now_ms.saturating_add(((burst - left) / per_ms).ceil() as i64)
        } else {
            i64::MAX
        };
        if !self.buckets.contains_key(&key) && self.buckets.len() >= MAX_BUCKETS {
            self.evict(now_ms);
        }
        self.buckets.insert(
            key,
            Bucket {
                tokens: left,
                at_ms: now_ms,
                full_ms,
            },
        );
        allowed
    }

    /// Makes room: forgets buckets that are full again, then (if still at the cap) the tenth
    /// that will be full soonest.
    fn evict(&mut self, now_ms: i64) {
        self.buckets.retain(|_, b| b.full_ms > now_ms);
        if self.buckets.len() >= MAX_BUCKETS {
            let mut order: Vec<(i64, String)> = self
                .buckets
                .iter()
                .map(|(k, b)| (b.full_ms, k.clone()))
                .collect();
            order.sort_unstable();
            for (_, key) in order.into_iter().take(MAX_BUCKETS / 10) {
                self.buckets.remove(&key);
            }
        }
    }

    /// How many buckets are stored.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Whether the buckets changed since the last call (and clears the mark).
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// The state as JSON, for saving.
    pub fn to_json(&self) -> Vec<u8> {
        // Invariant: string keys, numbers and a u32 always serialise.
        serde_json::to_vec(self).expect("buckets serialise")
    }

    /// The state saved by [`Buckets::to_json`]. Non-finite or negative token counts are
    /// refused with the rest: a damaged file is a fresh start, not half a state.
    pub fn from_json(bytes: &[u8]) -> Result<Buckets, String> {
        let buckets: Buckets = serde_json::from_slice(bytes).map_err(|err| err.to_string())?;
        if buckets.version != VERSION {
            return Err(format!("unknown version {}", buckets.version));
        }
        if buckets
            .buckets
            .values()
            .any(|b| !b.tokens.is_finite() || b.tokens < 0.0)
        {
            return Err("a bucket holds an impossible token count".into());
        }
        if buckets.buckets.len() > MAX_BUCKETS {
            return Err(format!("more than {MAX_BUCKETS} buckets"));
        }
        Ok(buckets)
    }
}
