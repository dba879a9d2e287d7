//! Files whose contents are facts of the host profile: generated, never stored.
//!
//! The filesystem image mounts these over its base tree, so `cat /etc/hostname` and `hostname`
//! (or `/proc/cpuinfo` and `nproc`) cannot disagree. Static files depend only on the profile;
//! dynamic ones (`/proc/uptime`, `/proc/loadavg`, …) also on the time they are read.
//!
//! - [`etc`]: identity and account files under `/etc`.
//! - [`proc`]: `/proc`, in the formats the release's kernel prints.

pub mod etc;
pub mod proc;

use chrono::{DateTime, Utc};

use crate::host::HostProfile;

/// Every generated file that does not change while the node runs: `(absolute path, contents)`.
pub fn static_files(profile: &HostProfile) -> Vec<(String, Vec<u8>)> {
    etc::files(profile)
        .into_iter()
        .map(|(path, text)| (path.to_owned(), text.into_bytes()))
        .collect()
}

/// The contents of a file that changes with time (under `/proc`), read at `now`; `None` if
/// `path` is not such a file.
pub fn dynamic_file(path: &str, profile: &HostProfile, now: DateTime<Utc>) -> Option<Vec<u8>> {
    proc::file(path, profile, now).map(String::into_bytes)
}

#[cfg(test)]
mod tests;
