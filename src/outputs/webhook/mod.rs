//! Webhook alert sinks: generic JSON, Slack and Discord incoming webhooks.
//!
//! The [`AlertActor`](crate::actors::alert::AlertActor) hands each raised alert to the
//! [`Dispatcher`], which puts it in every webhook's bounded queue without waiting. One
//! [`SinkWorker`] task per webhook drains its queue: a token-bucket rate limit
//! ([`rate_limit`]), a POST of the webhook's [`format`], retries on 5xx, 429, timeouts and
//! refused connections with exponential backoff and full jitter ([`backoff`]), and, when all
//! else fails, a line in the [`dead_letter`] file. Webhooks are named in logs and metrics by
//! format and position (`json0`, `slack1`), never by URL: URLs hold secrets.

pub mod backoff;
pub mod dead_letter;
pub mod dispatcher;
pub mod format;
pub mod rate_limit;
pub mod worker;

pub use dead_letter::{DeadLetter, DeadLetterEntry};
pub use dispatcher::{Dispatcher, Submitted, WebhookError};
pub use format::AlertPayload;
pub use worker::SinkWorker;
