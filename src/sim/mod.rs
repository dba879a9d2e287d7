//! Replaying recorded attacks through the node's own actor graph.
//!
//! - [`scenario`]: the file format (`scenarios/*.yaml`), strict loading with file, line and
//!   field in every error.
//! - [`clock`]: the time source every part of the session path reads; virtual in a replay.
//! - [`replay`]: the engine: an in-process transport that logs in and types like the SSH
//!   transport does, into a real [`SessionManager`](crate::actors::session_manager) and
//!   [`SessionActor`](crate::actors::session::SessionActor), with events collected per
//!   session and fed to the real alert actor.
//! - [`http`]: `http` steps in process: requests to the node's HTTP decoy through a session
//!   actor of protocol HTTP, answers read back off the wire.
//! - [`expect`]: checking a replay's outputs and events against the scenario.
//! - [`import`]: Cowrie JSON logs into scenario files (`mirage import cowrie`).
//! - [`export`]: a recorded session out of the store (`mirage export`).
//! - [`report`]: the table and JSON `mirage replay` prints.
//! - [`simulate`]: simulated attacker populations against a static and an adaptive node,
//!   reporting mean time to discovery (`mirage simulate`).
//! - [`ssh_mode`]: the same scenarios over a real loopback SSH connection to an in-process
//!   node (`mirage replay --ssh`).

pub mod clock;
pub mod collector;
pub mod expect;
pub mod export;
pub mod http;
pub mod import;
pub mod patterns;
pub mod replay;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod simulate;
pub mod ssh_mode;
