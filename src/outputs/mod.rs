//! Where events go besides the store: the Cowrie-compatible JSON log and session recordings.

pub mod asciicast;
pub mod jsonlog;
pub mod tty_watch;
// Alert webhooks: JSON, Slack, Discord; queue, rate limit, retries, dead letter.
pub mod webhook;
