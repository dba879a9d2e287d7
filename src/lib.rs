//! Mirage: an adaptive SSH + HTTP honeypot.
//!
//! # The map
//!
//! Attackers reach the node through **protocols** ([`protocols::ssh`], [`protocols::http`]).
//! Transports only translate bytes to messages and back: every authenticated SSH session is a
//! [`actors::session::SessionActor`] started by the [`actors::session_manager::SessionManager`],
//! which keeps each session's last checkpoint and restarts a failed session from it. The session
//! actor owns the transport-free [`shell`] state and answers input with output.
//!
//! Everything that happens becomes an [`events::Event`]. The [`actors::sink::EventSink`] writes
//! each event to the on-disk spool ([`store::spool`]), drains the spool into the
//! [`store::EventStore`] (embedded SQLite or PostgreSQL) exactly once, and writes the
//! Cowrie-compatible JSON log ([`outputs::jsonlog`]). The [`actors::alert::AlertActor`] turns
//! notable events into `mirage.alert` events.
//! [`honeytokens`] plants bait secrets in the fake filesystem and the HTTP lures; the
//! [`actors::correlation::CorrelationActor`] sees every event, turns the use of a planted
//! secret into `mirage.honeytoken.used`, and links sessions into attacker records.
//!
//! [`models`] labels each session with an attacker class from what it typed (rules R1–R8);
//! the session actor emits `mirage.classification` whenever the class changes.
//!
//! [`sim`] replays recorded attacks (`scenarios/*.yaml`) through the same session manager and
//! session actors in virtual time ([`sim::clock::Clock`]), and checks what the node answered.
//!
//! The operator watches through [`admin`] (`/healthz`, `/readyz`, `/metrics`) on a loopback port.
//! [`app`] builds all of this from a [`config::Config`]; `main.rs` is the command line.

pub mod actors;
pub mod admin;
pub mod app;
pub mod config;
pub mod events;
pub mod honeytokens;
pub mod host;
pub mod memo;
pub mod metrics;
pub mod models;
pub mod outputs;
pub mod persona;
pub mod protocols;
pub mod shell;
pub mod sim;
pub mod store;

/// An error and all its causes on one line, `outer: inner: root`, for logs.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
