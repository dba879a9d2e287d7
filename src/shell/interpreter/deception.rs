//! Layer 3's settings at the start of a line: the host profile the line's commands see
//! (richness, [`crate::host::richness`]) and the files the settings want in the session's
//! filesystem ([`crate::host::staging`]). With default settings: the node's profile, no files.

use std::borrow::Cow;

use crate::host::HostProfile;
use crate::host::fs::Overlay;
use crate::models::strategy::Richness;
use crate::shell::state::ShellState;

/// The profile this line runs against, with the session's deception files in `fs`.
pub(super) fn prepare<'h>(
    host: &'h HostProfile,
    fs: &mut Overlay,
    state: &mut ShellState,
) -> Cow<'h, HostProfile> {
    let deception = state.deception;
    let host = if deception.richness == Richness::Standard {
        Cow::Borrowed(host)
    } else {
        Cow::Owned(crate::host::richness::profile(host, deception.richness))
    };
    // The files a setting plants were on the machine before the attacker came: writing them
    // is not the line's work, so the latency profile must not see it (a rich host's program
    // files are hundreds of MB: on a slow disk the first line took 20 s).
    let (staged, _planted) = crate::host::io_meter::measure(|| {
        crate::host::staging::stage(fs, &host, &deception, state.deception_staged, state.now())
    });
    state.deception_staged = staged;
    host
}

#[cfg(test)]
#[path = "deception_tests.rs"]
mod tests;
