//! The fake machine the attacker believes they are on.
//!
//! One [`HostProfile`] per node, generated from a seed at first start and persisted in
//! `<data_dir>/host.json`. Every command that reveals a fact about the machine (`uname`,
//! `hostname`, the prompt, and later `/proc`, `lscpu`, `ip addr`, …) reads it from the profile,
//! so the answers agree with each other and no two nodes share a fingerprint.
//!
//! Later issues add the filesystem image, the per-session overlay and `/proc` here.

pub mod files;
mod profile;

pub use profile::{HostError, HostProfile, PROFILE_FILE};
