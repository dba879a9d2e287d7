//! Layer 0 reflexes: deterministic rules that act on a session inline, before the shell runs
//! a line.
//!
//! A rules file (TOML, [`Rules::parse`]) lists `[[rule]]`s. Each rule has matchers and actions:
//!
//! - **On what** (`on`): an input `line` (the default), or an event the session sees:
//!   `login_succeeded`, `login_failed`, `download`, `honeytoken_read`, `command_failed`.
//! - **Matchers**, all of which must hold: `regex` and `contains` on the line (or the event's
//!   subject: the URL, the token, `user:password`, the unknown command), `programs` (any
//!   program the line runs, as [`crate::models::commands`] splits it), `tagged` (the session
//!   carries that tag), and `rate`, a token bucket per source address or per credential
//!   that the rule fires on only once it is empty.
//! - **Actions**: `latency` (fixed or jittered), `tarpit` (dribble output), `canned` (answer
//!   instead of the shell), `drop` (end the session), `alert` (with a severity), `tag`.
//!
//! [`Rules::evaluate`] is pure: the time comes in as an argument, jitter from the session's
//! own seeded [`SessionRng`], and the bucket state is a plain [`Buckets`] value the caller
//! keeps (and saves: it serialises to JSON). Every line regex and `contains` text is compiled
//! into one [`regex::RegexSet`], so one pass over the line decides them all; 200 rules cost
//! microseconds (`benches/reflex.rs`).
//!
//! [`DEFAULT_RULES`] are the rules a node runs unless configured otherwise
//! (`assets/reflex/default.toml`).

mod buckets;
mod engine;
mod rules;

pub use buckets::{Buckets, MAX_BUCKETS, RateKey};
pub use engine::{Canned, Fired, Occurrence, SessionRng, Subject, Verdict};
pub use rules::{Action, MAX_RULES, Per, Rate, Rule, Rules, RulesError, Trigger};

/// The built-in rules (`assets/reflex/default.toml`), used when `reflex.rules` is empty.
pub const DEFAULT_RULES: &str = include_str!("../../../assets/reflex/default.toml");

#[cfg(test)]
mod tests;
