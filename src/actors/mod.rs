//! The actor graph: one file per actor, its messages beside it.

pub mod alert;
pub mod correlation;
pub mod persona;
pub mod sample_fetcher;
pub mod session;
pub mod session_manager;
pub mod sink;
pub mod strategy;
