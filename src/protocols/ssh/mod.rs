//! The SSH decoy: a russh server whose handler turns SSH requests into session messages.
//!
//! `server` accepts connections and runs each one; `handler` is the per-connection russh
//! handler; `scp`, `sftp` and `uploads` receive files into the attacker's filesystem and the
//! content-addressed upload store; `forward` logs port-forwarding requests, which are never
//! carried out; `limits` caps concurrent connections as sshd's `MaxStartups` does; `closer` lets
//! the server close a connection russh owns; `writer` delivers a session's output to its
//! channel.

pub mod auth;
pub mod closer;
pub mod forward;
pub mod handler;
pub mod hassh;
pub mod ident;
pub mod keys;
pub mod limits;
pub mod profile;
pub mod scp;
pub mod server;
pub mod sftp;
mod transfer;
pub mod uploads;
pub mod writer;
