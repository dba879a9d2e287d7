//! Files whose contents are facts of the host profile: generated, never stored.
//!
//! The filesystem image mounts these over its base tree, so `cat /etc/hostname` and `hostname`
//! (or `/proc/cpuinfo` and `nproc`) cannot disagree. Static files depend only on the profile;
//! dynamic ones (`/proc/uptime`, `/proc/loadavg`, …) also on the time they are read.

use chrono::{DateTime, Utc};

use crate::host::HostProfile;

/// Every generated file that does not change while the node runs: `(absolute path, contents)`.
pub fn static_files(profile: &HostProfile) -> Vec<(String, Vec<u8>)> {
    vec![("/etc/hostname".to_owned(), format!("{}\n", profile.short_hostname()).into_bytes())]
}

/// The contents of a file that changes with time (under `/proc`), read at `now`; `None` if
/// `path` is not such a file.
pub fn dynamic_file(path: &str, profile: &HostProfile, _now: DateTime<Utc>) -> Option<Vec<u8>> {
    match path {
        "/proc/version" => Some(
            format!(
                "Linux version {} (buildd@lcy02-amd64-001) (gcc) {}\n",
                profile.kernel_release, profile.kernel_version
            )
            .into_bytes(),
        ),
        _ => None,
    }
}
