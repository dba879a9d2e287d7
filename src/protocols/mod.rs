//! The attacker-facing listeners. Each only translates bytes to messages and back.

pub mod http;
pub mod ssh;
