//! [`HostProfile`]: the fake machine's identity, drawn once from a seed and then kept on disk.
//!
//! The kernel, distribution and tool versions come from tables of real Ubuntu LTS builds, so
//! the facts agree with each other the way they do on a real box: an Ubuntu 22.04 host runs a
//! `5.15.0-N-generic` kernel whose version string is the one Canonical actually shipped for
//! that ABI number (build number, build date and weekday included), with the coreutils of that
//! release. Guessed strings are how honeypots get fingerprinted, so the tables only hold builds
//! seen in the wild.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::accounts::User;
use super::facts::{Facts, Package, parse_filling, reference_start};
use super::hardware::{Cpu, Memory};
use super::network::Network;
use super::platform::Platform;
use super::processes::Service;
use super::storage::Storage;

/// The file, inside the data directory, that holds the node's profile.
pub const PROFILE_FILE: &str = "host.json";

/// The fake machine's identity, generated once per node from a seed and persisted; every
/// command that reveals a fact reads it from here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostProfile {
    /// The seed the profile was drawn from; facts added in later versions derive from it.
    pub seed: u64,
    /// The node name (`uname -n`, `hostname`, the prompt), e.g. `web-prod-03`.
    pub hostname: String,
    /// The kernel name (`uname -s`): `Linux`.
    pub kernel_name: String,
    /// The kernel release (`uname -r`), e.g. `5.15.0-91-generic`.
    pub kernel_release: String,
    /// The kernel build string (`uname -v`), e.g. `#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023`.
    pub kernel_version: String,
    /// The machine hardware name (`uname -m`): `x86_64`.
    pub machine: String,
    /// The processor type (`uname -p`). Ubuntu's coreutils report `x86_64`; upstream GNU
    /// coreutils (Debian) report `unknown`, which `uname -a` then leaves out.
    pub processor: String,
    /// The hardware platform (`uname -i`); same rule as [`HostProfile::processor`].
    pub hardware_platform: String,
    /// The operating system (`uname -o`): `GNU/Linux`.
    pub os: String,
    /// The distribution's pretty name (`PRETTY_NAME` in `/etc/os-release`), e.g.
    /// `Ubuntu 22.04.3 LTS`.
    pub distro: String,
    /// The GNU coreutils version the distribution ships (`uname --version`), e.g. `8.32`. It
    /// decides the copyright year and the `--help` layout of every coreutils command.
    pub coreutils_version: String,
    /// The cloud or hypervisor the machine runs on; it decides the NIC, disk and CPU names.
    pub platform: Platform,
    /// The processor (`/proc/cpuinfo`, `nproc`, `lscpu`).
    pub cpu: Cpu,
    /// Installed memory (`/proc/meminfo`, `free`, `top`).
    pub memory: Memory,
    /// Disks and file systems (`df`, `mount`, `/proc/mounts`).
    pub storage: Storage,
    /// The primary network interface (`ip`, `ifconfig`, `hostname -I`, `ss`).
    pub network: Network,
    /// Login accounts (uid 1000 and up); the system accounts follow from the release.
    pub users: Vec<User>,
    /// Installed packages, sorted by name.
    pub packages: Vec<Package>,
    /// Daemons started at boot, in PID order (`ps`, `top`, `ss -p`).
    pub services: Vec<Service>,
    /// When the machine last booted; the uptime is the time since.
    pub boot_time: DateTime<Utc>,
    /// `/etc/machine-id`: 32 hex digits.
    pub machine_id: String,
}

/// Why the host profile could not be loaded or made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The profile file exists but could not be read.
    #[error("cannot read host profile {}", path.display())]
    Read {
        /// The profile file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The profile file is not valid JSON for a profile. It is never silently replaced: the
    /// node's identity must not change under the operator's feet.
    #[error("cannot parse host profile {}", path.display())]
    Parse {
        /// The profile file.
        path: PathBuf,
        /// Where the JSON went wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The profile file parsed but holds a value no real host would have.
    #[error("invalid host profile {}: {reason}", path.display())]
    Invalid {
        /// The profile file.
        path: PathBuf,
        /// Which value is wrong.
        reason: String,
    },
    /// A new profile could not be written.
    #[error("cannot write host profile {}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
}

impl HostProfile {
    /// A plausible profile drawn from `seed` (deterministic for a seed). Hostnames look like
    /// real servers (e.g. `web-prod-03`, `db02`, `ip-10-0-3-17`, `srv-backup-2`), never a fixed
    /// default; kernel/distro pairs are consistent (an Ubuntu 22.04 box has a
    /// `5.15.0-N-generic` kernel with the matching `#M-Ubuntu SMP <date>` version string).
    ///
    /// Determinism holds for one build of Mirage (the RNG is `StdRng`); across upgrades the
    /// persisted file, not the seed, is what keeps a node's identity.
    pub fn generate(seed: u64) -> HostProfile {
        HostProfile::generate_at(seed, reference_start())
    }

    /// [`HostProfile::generate`] for a node first started at `first_start`, which the boot
    /// time precedes by days to months.
    pub fn generate_at(seed: u64, first_start: DateTime<Utc>) -> HostProfile {
        let mut rng = StdRng::seed_from_u64(seed);
        let series = pick_series(&mut rng);
        let build = &series.builds[rng.gen_range(0..series.builds.len())];
        let hostname = hostname(&mut rng);
        let facts = Facts::derive(
            seed,
            &hostname,
            build.distro,
            build.kernel_release,
            build.kernel_version,
            first_start,
        );
        HostProfile {
            seed,
            hostname,
            kernel_name: "Linux".to_owned(),
            kernel_release: build.kernel_release.to_owned(),
            kernel_version: build.kernel_version.to_owned(),
            machine: "x86_64".to_owned(),
            processor: "x86_64".to_owned(),
            hardware_platform: "x86_64".to_owned(),
            os: "GNU/Linux".to_owned(),
            distro: build.distro.to_owned(),
            coreutils_version: series.coreutils.to_owned(),
            platform: facts.platform,
            cpu: facts.cpu,
            memory: facts.memory,
            storage: facts.storage,
            network: facts.network,
            users: facts.users,
            packages: facts.packages,
            services: facts.services,
            boot_time: facts.boot_time,
            machine_id: facts.machine_id,
        }
    }

    /// Loads `<data_dir>/host.json`, or generates one from a random seed and writes it (first
    /// start). A corrupt file is an error naming the file, never silently replaced.
    pub fn load_or_create(data_dir: &Path) -> Result<HostProfile, HostError> {
        let path = data_dir.join(PROFILE_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                // A profile from an older Mirage lacks later facts: draw them from its seed
                // and keep them, so they stay put across restarts and upgrades.
                let (profile, filled) = match parse_filling(&bytes, Utc::now()) {
                    Ok(parsed) => parsed,
                    Err(source) => return Err(HostError::Parse { path, source }),
                };
                if let Some(reason) = profile.problem() {
                    return Err(HostError::Invalid { path, reason });
                }
                if filled {
                    profile.write(data_dir)?;
                }
                Ok(profile)
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let profile = HostProfile::generate_at(rand::random(), Utc::now());
                profile.write(data_dir)?;
                tracing::info!(hostname = %profile.hostname, distro = %profile.distro, "Host profile created.");
                Ok(profile)
            }
            Err(source) => Err(HostError::Read { path, source }),
        }
    }

    /// The hostname up to its first dot: what bash's `\h` and `hostname -s` show.
    pub fn short_hostname(&self) -> &str {
        self.hostname.split('.').next().unwrap_or(&self.hostname)
    }

    /// The GNU coreutils copyright year printed by `--version`, from the shipped version.
    pub fn coreutils_year(&self) -> &'static str {
        match self.coreutils_version.as_str() {
            "8.30" => "2018",
            "8.32" => "2020",
            "9.1" => "2022",
            "9.4" => "2023",
            "9.5" => "2024",
            _ => "2020",
        }
    }

    /// Writes the profile atomically (temporary file, then rename), creating `data_dir`.
    fn write(&self, data_dir: &Path) -> Result<(), HostError> {
        let path = data_dir.join(PROFILE_FILE);
        let tmp = data_dir.join(format!("{PROFILE_FILE}.tmp"));
        let write_err = |path: &Path| {
            let path = path.to_owned();
            move |source| HostError::Write { path, source }
        };
        std::fs::create_dir_all(data_dir).map_err(write_err(data_dir))?;
        let mut text = serde_json::to_vec_pretty(self).map_err(|err| HostError::Write {
            path: path.clone(),
            source: std::io::Error::other(err),
        })?;
        text.push(b'\n');
        let mut file = std::fs::File::create(&tmp).map_err(write_err(&tmp))?;
        file.write_all(&text).map_err(write_err(&tmp))?;
        file.sync_all().map_err(write_err(&tmp))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(write_err(&path))
    }

    /// What makes a loaded profile unusable, if anything.
    fn problem(&self) -> Option<String> {
        let host_ok = !self.hostname.is_empty()
            && self.hostname.len() <= 64
            && self
                .hostname
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !host_ok {
            return Some(format!(
                "hostname {:?} is not a valid host name",
                self.hostname
            ));
        }
        let fields = [
            ("kernel_name", &self.kernel_name),
            ("kernel_release", &self.kernel_release),
            ("kernel_version", &self.kernel_version),
            ("machine", &self.machine),
            ("processor", &self.processor),
            ("hardware_platform", &self.hardware_platform),
            ("os", &self.os),
            ("distro", &self.distro),
            ("coreutils_version", &self.coreutils_version),
        ];
        for (name, value) in fields {
            if value.is_empty() || value.contains('\n') {
                return Some(format!("{name} must be one non-empty line"));
            }
        }
        self.facts_problem()
    }
}

/// One kernel build as a distribution shipped it.
struct Build {
    /// `PRETTY_NAME` of the point release current when the kernel was published.
    distro: &'static str,
    kernel_release: &'static str,
    kernel_version: &'static str,
}

/// One distribution release line and the kernels it shipped.
struct Series {
    /// How often this release is drawn, relative to the others (roughly its share of servers).
    weight: u32,
    coreutils: &'static str,
    builds: &'static [Build],
}

/// Real Ubuntu LTS kernels, copied from `uname -a` output seen on those releases. Note that
/// 20.04/22.04 builds print the day of month unpadded (`Mon Oct 2`) while 24.04 builds pad it
/// (`Thu Dec  5`); the table keeps each exactly as shipped.
const SERIES: &[Series] = &[
    Series {
        weight: 1,
        coreutils: "8.30",
        builds: &[
            Build {
                distro: "Ubuntu 20.04.3 LTS",
                kernel_release: "5.4.0-100-generic",
                kernel_version: "#113-Ubuntu SMP Thu Feb 3 18:43:29 UTC 2022",
            },
            Build {
                distro: "Ubuntu 20.04.4 LTS",
                kernel_release: "5.4.0-122-generic",
                kernel_version: "#138-Ubuntu SMP Wed Jun 22 15:00:31 UTC 2022",
            },
            Build {
                distro: "Ubuntu 20.04.6 LTS",
                kernel_release: "5.4.0-150-generic",
                kernel_version: "#167-Ubuntu SMP Mon May 15 17:35:05 UTC 2023",
            },
            Build {
                distro: "Ubuntu 20.04.6 LTS",
                kernel_release: "5.4.0-169-generic",
                kernel_version: "#187-Ubuntu SMP Thu Nov 23 14:52:28 UTC 2023",
            },
        ],
    },
    Series {
        weight: 2,
        coreutils: "8.32",
        builds: &[
            Build {
                distro: "Ubuntu 22.04.2 LTS",
                kernel_release: "5.15.0-76-generic",
                kernel_version: "#83-Ubuntu SMP Thu Jun 15 19:16:32 UTC 2023",
            },
            Build {
                distro: "Ubuntu 22.04.3 LTS",
                kernel_release: "5.15.0-88-generic",
                kernel_version: "#98-Ubuntu SMP Mon Oct 2 15:18:56 UTC 2023",
            },
            Build {
                distro: "Ubuntu 22.04.3 LTS",
                kernel_release: "5.15.0-91-generic",
                kernel_version: "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
            },
            Build {
                distro: "Ubuntu 22.04.3 LTS",
                kernel_release: "5.15.0-97-generic",
                kernel_version: "#107-Ubuntu SMP Wed Feb 7 13:26:48 UTC 2024",
            },
            Build {
                distro: "Ubuntu 22.04.4 LTS",
                kernel_release: "5.15.0-105-generic",
                kernel_version: "#115-Ubuntu SMP Mon Apr 15 09:52:04 UTC 2024",
            },
            Build {
                distro: "Ubuntu 22.04.4 LTS",
                kernel_release: "5.15.0-119-generic",
                kernel_version: "#129-Ubuntu SMP Fri Aug 2 19:25:20 UTC 2024",
            },
        ],
    },
    Series {
        weight: 1,
        coreutils: "9.4",
        builds: &[
            Build {
                distro: "Ubuntu 24.04 LTS",
                kernel_release: "6.8.0-31-generic",
                kernel_version: "#31-Ubuntu SMP PREEMPT_DYNAMIC Sat Apr 20 00:40:06 UTC 2024",
            },
            Build {
                distro: "Ubuntu 24.04 LTS",
                kernel_release: "6.8.0-41-generic",
                kernel_version: "#41-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug  2 20:41:06 UTC 2024",
            },
            Build {
                distro: "Ubuntu 24.04.1 LTS",
                kernel_release: "6.8.0-45-generic",
                kernel_version: "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024",
            },
            Build {
                distro: "Ubuntu 24.04.1 LTS",
                kernel_release: "6.8.0-48-generic",
                kernel_version: "#48-Ubuntu SMP PREEMPT_DYNAMIC Fri Sep 27 14:04:52 UTC 2024",
            },
            Build {
                distro: "Ubuntu 24.04.1 LTS",
                kernel_release: "6.8.0-51-generic",
                kernel_version: "#52-Ubuntu SMP PREEMPT_DYNAMIC Thu Dec  5 13:09:44 UTC 2024",
            },
        ],
    },
];

fn pick_series(rng: &mut StdRng) -> &'static Series {
    let total: u32 = SERIES.iter().map(|s| s.weight).sum();
    let mut ticket = rng.gen_range(0..total);
    for series in SERIES {
        if ticket < series.weight {
            return series;
        }
        ticket -= series.weight;
    }
    &SERIES[SERIES.len() - 1]
}

/// What servers are for; the core of most hand-made hostnames.
const ROLES: &[&str] = &[
    "web", "db", "app", "api", "mail", "git", "ci", "build", "backup", "cache", "redis", "mysql",
    "pg", "proxy", "lb", "vpn", "dns", "mon", "log", "files", "jenkins", "docker", "worker",
    "gateway", "bastion", "ftp", "nas", "erp", "crm", "shop", "wp", "nginx", "mongo", "elastic",
];

/// Deployment stages as people abbreviate them in hostnames.
const STAGES: &[&str] = &[
    "prod", "prd", "stg", "staging", "dev", "test", "qa", "uat", "int",
];

/// DigitalOcean droplet sizes and regions, for its default `ubuntu-<size>-<region>-01` names.
const DO_SIZES: &[&str] = &[
    "s-1vcpu-1gb",
    "s-1vcpu-2gb",
    "s-2vcpu-2gb",
    "s-2vcpu-4gb",
    "s-4vcpu-8gb",
];
const DO_REGIONS: &[&str] = &[
    "nyc1", "nyc3", "sfo3", "ams3", "fra1", "lon1", "sgp1", "tor1", "blr1", "syd1",
];

/// Hetzner Cloud locations, for its default `ubuntu-<n>gb-<location>-<n>` names.
const HETZNER_LOCATIONS: &[&str] = &["nbg1", "fsn1", "hel1", "ash", "hil"];

fn one<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

/// A hostname in one of the styles real servers have: hand-named by role and stage, numbered,
/// or the default a cloud provider gives.
fn hostname(rng: &mut StdRng) -> String {
    match rng.gen_range(0..9) {
        0 | 1 => format!(
            "{}-{}-{:02}",
            one(rng, ROLES),
            one(rng, STAGES),
            rng.gen_range(1..13)
        ),
        2 => format!("{}{:02}", one(rng, ROLES), rng.gen_range(1..25)),
        3 => format!("{}{}", one(rng, ROLES), rng.gen_range(1..10)),
        4 => {
            // AWS EC2's default: the private address, in a 10/8 or the default 172.31/16 VPC.
            if rng.gen_bool(0.5) {
                format!(
                    "ip-10-{}-{}-{}",
                    rng.gen_range(0..256),
                    rng.gen_range(0..256),
                    rng.gen_range(1..255)
                )
            } else {
                // The default VPC's subnets are 172.31.0.0/20, 172.31.16.0/20, … one per zone.
                format!(
                    "ip-172-31-{}-{}",
                    rng.gen_range(0..96),
                    rng.gen_range(1..255)
                )
            }
        }
        5 => format!("srv-{}-{}", one(rng, ROLES), rng.gen_range(1..6)),
        6 => format!(
            "{}-{}{}",
            one(rng, STAGES),
            one(rng, ROLES),
            rng.gen_range(1..5)
        ),
        7 => format!(
            "ubuntu-{}-{}-{:02}",
            one(rng, DO_SIZES),
            one(rng, DO_REGIONS),
            rng.gen_range(1..4)
        ),
        _ => format!(
            "ubuntu-{}gb-{}-{}",
            one(rng, &["2", "4", "8", "16"]),
            one(rng, HETZNER_LOCATIONS),
            rng.gen_range(1..4)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generate_is_deterministic_per_seed() {
        for seed in [0, 1, 42, u64::MAX] {
            assert_eq!(HostProfile::generate(seed), HostProfile::generate(seed));
        }
    }

    #[test]
    fn hostnames_vary_across_seeds() {
        let names: HashSet<String> = (0..100)
            .map(|s| HostProfile::generate(s).hostname)
            .collect();
        assert!(
            names.len() >= 90,
            "only {} distinct hostnames in 100 seeds",
            names.len()
        );
        let kernels: HashSet<String> = (0..100)
            .map(|s| HostProfile::generate(s).kernel_release)
            .collect();
        assert!(
            kernels.len() >= 8,
            "only {} distinct kernels in 100 seeds",
            kernels.len()
        );
    }

    #[test]
    fn generated_profiles_are_valid_and_consistent() {
        for seed in 0..500 {
            let p = HostProfile::generate(seed);
            assert_eq!(p.problem(), None, "{p:?}");
            assert!(
                p.hostname.len() <= 63 && !p.hostname.starts_with('-'),
                "{}",
                p.hostname
            );
            // ABI number, flavour and distribution line up.
            let (prefix, coreutils) = match p.distro.get(..12) {
                Some("Ubuntu 20.04") => ("5.4.0-", "8.30"),
                Some("Ubuntu 22.04") => ("5.15.0-", "8.32"),
                Some("Ubuntu 24.04") => ("6.8.0-", "9.4"),
                _ => panic!("unexpected distro {}", p.distro),
            };
            assert!(p.kernel_release.starts_with(prefix), "{p:?}");
            assert!(p.kernel_release.ends_with("-generic"), "{p:?}");
            assert!(p.kernel_version.contains("-Ubuntu SMP "), "{p:?}");
            assert_eq!(p.coreutils_version, coreutils);
        }
    }

    /// A weekday that does not match the date is a classic honeypot tell.
    #[test]
    fn kernel_build_dates_have_the_right_weekday() {
        for series in SERIES {
            for build in series.builds {
                let date = build
                    .kernel_version
                    .split_once("SMP ")
                    .map(|(_, rest)| rest.trim_start_matches("PREEMPT_DYNAMIC "))
                    .expect("version string has SMP");
                let normalised = date.split_whitespace().collect::<Vec<_>>().join(" ");
                let parsed =
                    chrono::NaiveDateTime::parse_from_str(&normalised, "%a %b %d %H:%M:%S UTC %Y");
                assert!(parsed.is_ok(), "{date:?}: {parsed:?}");
                let padded = date.contains("  ");
                let noble = build.kernel_release.starts_with("6.8.");
                let day: u32 = normalised
                    .split(' ')
                    .nth(2)
                    .and_then(|d| d.parse().ok())
                    .unwrap_or(0);
                if day < 10 {
                    assert_eq!(padded, noble, "day padding of {date:?}");
                }
            }
        }
    }

    #[test]
    fn load_or_create_persists_and_reloads_equal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let first = HostProfile::load_or_create(&data).expect("created");
        assert!(data.join(PROFILE_FILE).exists());
        assert!(!data.join(format!("{PROFILE_FILE}.tmp")).exists());
        let again = HostProfile::load_or_create(&data).expect("reloaded");
        assert_eq!(first, again);
    }

    #[test]
    fn corrupt_profile_is_an_error_naming_the_file_and_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(PROFILE_FILE);
        std::fs::write(&path, b"{ not json").expect("write");
        let err = HostProfile::load_or_create(dir.path()).expect_err("corrupt file");
        assert!(matches!(err, HostError::Parse { .. }));
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).expect("still there"), b"{ not json");
    }

    #[test]
    fn implausible_profile_is_rejected() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut profile = HostProfile::generate(7);
        profile.hostname = "bad host\n".to_owned();
        let text = serde_json::to_string(&profile).expect("serialise");
        std::fs::write(dir.path().join(PROFILE_FILE), text).expect("write");
        let err = HostProfile::load_or_create(dir.path()).expect_err("invalid");
        assert!(matches!(err, HostError::Invalid { .. }), "{err}");
    }

    #[test]
    fn short_hostname_stops_at_the_first_dot() {
        let mut p = HostProfile::generate(3);
        p.hostname = "web01.example.com".to_owned();
        assert_eq!(p.short_hostname(), "web01");
    }
}
