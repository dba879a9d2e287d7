//! The fake machine the attacker believes they are on.
//!
//! One [`HostProfile`] per node, generated from a seed at first start and persisted in
//! `<data_dir>/host.json`. Every command that reveals a fact about the machine (`uname`,
//! `hostname`, the prompt, `/proc`, `lscpu`, `free`, `df`, `ip addr`, `ps`, `w`, …) reads it
//! from the profile, so the answers agree with each other and no two nodes share a fingerprint.
//!
//! The facts, drawn together so they fit ([`platform`] decides which cloud or hypervisor):
//! [`release`] (what the Ubuntu release ships), [`hardware`] (CPU, memory), [`storage`]
//! (disks and mounts), [`network`], [`accounts`], [`processes`] and [`kthreads`]; [`files`]
//! renders them as `/etc` and `/proc` files.
//!
//! Later issues add the filesystem image, the per-session overlay and `/proc` here.

pub mod accounts;
mod facts;
pub mod files;
#[cfg(test)]
pub(crate) mod fixture;
pub mod fs;
pub mod hardware;
pub mod io_meter;
pub mod kthreads;
pub mod network;
pub mod platform;
pub mod processes;
mod profile;
pub mod release;
pub mod richness;
mod runtime;
pub mod staging;
pub mod storage;

pub use facts::Package;
pub use profile::{HostError, HostProfile, PROFILE_FILE};
pub use runtime::Account;
