//! Where events go besides the store: the Cowrie-compatible JSON log.

pub mod jsonlog;
