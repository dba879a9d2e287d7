//! Layer 4, the persona: a language model answers commands the shell does not emulate.
//! These are the pure parts; [`crate::actors::persona`] runs them for the node.
//!
//! - `client`: an OpenAI-compatible chat-completions client.
//! - `prompt`: the messages sent for one command.
//! - `sanitize`: what of an answer the attacker may see.
//! - `cache`: answers shared across sessions, least recently used evicted.
//! - `budget`: calls and tokens per session, per address and per node.
//! - `metrics`: its Prometheus metrics.

pub mod budget;
pub mod cache;
pub mod client;
pub mod metrics;
pub mod prompt;
pub mod sanitize;

pub use budget::{Budgets, Exhausted, Limits};
pub use cache::{AnswerCache, CacheKey};
pub use client::{Client, ClientError, Completion};
pub use prompt::{HostFacts, PromptInput, Style};
pub use sanitize::sanitize;
