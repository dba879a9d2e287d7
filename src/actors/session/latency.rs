//! Layer 3's latency profile on the session side: how long a line's answer takes.
//!
//! The shell answers in microseconds whatever a line does; a real box does not. After each
//! line the session turns what the line did ([`Work`], measured by
//! [`crate::host::io_meter`]) and the session's [`LatencyProfile`] into a delay, and holds the
//! line's output that long through the same mechanism as the reflexes' latency
//! ([`SessionActor::hold_output`]): the session's clock moves on in replays and simulations
//! (no real time passes, the delay is measurable in virtual time), the output pacer holds
//! the bytes on a live node.
//!
//! - [`LatencyProfile::None`]: only time a command really spends blocked (a connection
//!   timing out under error injection) — with default settings nothing, as before Layer 3.
//! - [`LatencyProfile::HumanJitter`]: every answer waits a log-normal time around ~110 ms (a
//!   loaded box over a long network path), about twice that for commands that touch disk or
//!   network, plus their I/O on a fast disk.
//! - [`LatencyProfile::SlowDisk`]: a short base, plus the line's reads, writes and directory
//!   listings on a busy spinning disk ([`Work::slow_disk_time`]); package tools read their
//!   databases first.

use std::time::Duration;

use rand::{Rng, SeedableRng};

use super::SessionActor;
use crate::host::io_meter::Work;
use crate::models::strategy::LatencyProfile;

/// Programs whose answer needs the disk or the network even when the emulator computes it
/// without reading files: a real one would.
const HEAVY: &[&str] = &[
    "apt",
    "apt-get",
    "apt-cache",
    "dpkg",
    "dpkg-query",
    "find",
    "du",
    "tar",
    "wget",
    "curl",
    "git",
    "pip",
    "pip3",
    "docker",
    "gcc",
    "make",
    "updatedb",
    "locate",
    "rsync",
    "scp",
    "ssh",
    "ping",
    "dd",
    "cp",
    "mv",
    "gzip",
    "gunzip",
    "zcat",
    "sha256sum",
    "md5sum",
    "systemctl",
    "journalctl",
    "service",
    "yum",
    "snap",
];

/// The time a package tool spends reading its database (`/var/lib/dpkg/status`, the apt
/// lists: tens of MB) before it prints anything, on a slow disk.
const PACKAGE_DB_BYTES: u64 = 24_000_000;

/// A log-normal draw with the given median (seconds) and spread, clamped to `[lo, hi]`.
fn log_normal(rng: &mut impl Rng, median: f64, sigma: f64, lo: f64, hi: f64) -> f64 {
    // Box–Muller: one standard normal from two uniforms.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (median * (sigma * z).exp()).clamp(lo, hi)
}

/// The programs a line runs, by bare name.
fn programs(line: &str) -> Vec<String> {
    crate::models::commands::split(line)
        .iter()
        .flat_map(|c| c.stages.iter())
        .map(|s| s.program().rsplit('/').next().unwrap_or("").to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// How long the answer to `line`, which did `work`, takes under `profile`; `rng` draws the
/// jitter.
pub(crate) fn line_delay(
    profile: LatencyProfile,
    line: &str,
    work: &Work,
    rng: &mut impl Rng,
) -> Duration {
    let blocked = work.blocked;
    if profile == LatencyProfile::None {
        return blocked;
    }
    let programs = programs(line);
    if programs.is_empty() {
        // Enter on an empty line: only the network's round trip.
        let secs = log_normal(rng, 0.035, 0.35, 0.01, 0.4);
        return blocked + Duration::from_secs_f64(secs);
    }
    let heavy = programs.iter().any(|p| HEAVY.contains(&p.as_str()))
        || work.bytes() > 256 << 10
        || work.entries > 500;
    let packages = programs
        .iter()
        .any(|p| matches!(p.as_str(), "apt" | "apt-get" | "apt-cache" | "dpkg"));
    let secs = match profile {
        LatencyProfile::None => 0.0,
        LatencyProfile::HumanJitter => {
            let base = log_normal(rng, 0.11, 0.5, 0.03, 1.5);
            if heavy {
                // A fast SSD still has to move the bytes.
                base * 2.2 + work.bytes() as f64 / 400.0e6 + work.entries as f64 * 0.000_02
            } else {
                base
            }
        }
        LatencyProfile::SlowDisk => {
            let base = log_normal(rng, 0.04, 0.4, 0.01, 0.8);
            let mut disk = *work;
            if packages {
                disk.read = disk.read.saturating_add(PACKAGE_DB_BYTES);
            }
            base + disk.slow_disk_time().as_secs_f64()
        }
    };
    blocked + Duration::from_secs_f64(secs)
}

impl SessionActor {
    /// Holds the answer to `line`, which did `work`, as the session's latency profile says.
    pub(super) fn deception_latency(&mut self, line: &str, work: &Work) {
        let profile = self.state.deception.latency;
        if profile == LatencyProfile::None && work.blocked.is_zero() {
            return;
        }
        // Seeded by the session and the line's place in it: a replay draws the same delays.
        let key = format!(
            "{}|{}|{line}",
            self.origin.session.0,
            self.state.history_base + self.state.history.len()
        );
        let seed = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let delay = line_delay(profile, line, work, &mut rng);
        self.hold_output(delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    #[test]
    fn no_profile_waits_only_for_what_blocked() {
        let mut work = Work::default();
        assert_eq!(
            line_delay(LatencyProfile::None, "ls", &work, &mut rng()),
            Duration::ZERO
        );
        work.blocked = Duration::from_secs(130);
        assert_eq!(
            line_delay(LatencyProfile::None, "wget x", &work, &mut rng()),
            Duration::from_secs(130)
        );
    }

    #[test]
    fn human_jitter_varies_around_a_tenth_of_a_second_and_more_for_heavy_commands() {
        let mut rng = rng();
        let work = Work::default();
        let light: Vec<f64> = (0..200)
            .map(|_| line_delay(LatencyProfile::HumanJitter, "id", &work, &mut rng).as_secs_f64())
            .collect();
        let mean = light.iter().sum::<f64>() / light.len() as f64;
        assert!((0.06..0.25).contains(&mean), "mean {mean}");
        let distinct: std::collections::BTreeSet<u64> =
            light.iter().map(|s| (s * 1e6) as u64).collect();
        assert!(
            distinct.len() > 150,
            "answers must not all take the same time"
        );
        let heavy: f64 = (0..200)
            .map(|_| {
                line_delay(
                    LatencyProfile::HumanJitter,
                    "find / -perm -4000",
                    &work,
                    &mut rng,
                )
                .as_secs_f64()
            })
            .sum::<f64>()
            / 200.0;
        assert!(heavy > mean * 1.8, "heavy {heavy} vs light {mean}");
    }

    #[test]
    fn slow_disk_time_grows_with_the_bytes_touched() {
        let small = Work {
            read: 4_000,
            ..Work::default()
        };
        let big = Work {
            read: 200_000_000,
            ..Work::default()
        };
        let a = line_delay(LatencyProfile::SlowDisk, "cat f", &small, &mut rng());
        let b = line_delay(LatencyProfile::SlowDisk, "cat f", &big, &mut rng());
        assert!(a < Duration::from_secs(1), "{a:?}");
        assert!(b > Duration::from_secs(10), "{b:?}");
        let apt = line_delay(
            LatencyProfile::SlowDisk,
            "apt-get update",
            &small,
            &mut rng(),
        );
        assert!(apt > Duration::from_secs(1), "{apt:?}");
    }
}
