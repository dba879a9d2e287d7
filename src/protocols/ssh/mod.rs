//! The SSH decoy: a russh server whose handler turns SSH requests into session messages.

pub mod auth;
pub mod hassh;
pub mod ident;
pub mod keys;
pub mod profile;
pub mod server;
