//! The fake filesystem: a realistic Ubuntu tree shared by every session, a copy-on-write
//! overlay per attacker, and the store that keeps overlays across reconnects.
//!
//! - [`Image`]: the base tree, built once per node from the [`HostProfile`]
//!   (`image` with `ubuntu`, `programs`, `etc`, `logs`, `elf`), shared read-only in an `Arc`.
//!   `/etc` files the profile generates ([`static_files`]) are installed in it; `/proc` files
//!   ([`dynamic_file`]) are generated each time they are read.
//! - [`Overlay`]: one attacker's copy-on-write view of the image, with byte and entry quotas
//!   (a full overlay fails like a full disk, `No space left on device`).
//! - [`Fs`]: a command's handle on an overlay — who asks, when, from which directory — with
//!   Linux's path resolution and permission rules (`handle` reads, `ops` writes).
//! - [`OverlayStore`]: overlays by (source address, user), kept for a while after the session
//!   ends, bounded in count and memory.
//! - [`Accounts`] and [`Cred`]: `/etc/passwd`, `/etc/group`, and who may do what.
//! - [`FsError`]: the `errno` of a failure, with the kernel's wording.
//!
//! [`HostProfile`]: crate::host::HostProfile
//! [`static_files`]: crate::host::files::static_files
//! [`dynamic_file`]: crate::host::files::dynamic_file

mod accounts;
mod accounts_cache;
mod elf;
mod error;
mod etc;
mod handle;
mod image;
mod logs;
mod node;
mod ops;
mod overlay;
pub mod path;
mod persist;
mod programs;
mod store;
mod ubuntu;

#[cfg(test)]
mod tests;

pub use accounts::{Access, Accounts, Cred, Group, User};
pub use elf::build_id as elf_build_id;
pub use error::{FsError, FsResult};
pub use handle::{Canon, DirEntry, Fs, MAX_SYMLINKS, READ_LIMIT};
pub use image::{Image, PlantedFile};
pub use node::{Data, Device, Dir, FileType, Kind, Meta, Node, Stat, Timestamp};
pub use ops::{UMASK, UmaskGuard, Written, scoped_umask, umask};
pub use overlay::{Limits, Overlay, Usage};
pub use store::{OverlayKey, OverlayStore, SharedOverlay, StoreConfig, lock, provision_home};
