//! Drawing the machine facts that follow from a profile's identity (seed, hostname,
//! release, kernel), and filling them into profiles saved before they existed.
//!
//! The facts come from their own RNG stream (the seed mixed with a constant), so adding them
//! changed nothing the seed already decided, and a profile saved by an older Mirage gets the
//! same facts a new one drawn from its seed would have, only consistent with what it stored:
//! an operator-edited hostname `ip-10-1-2-3` still gets the address 10.1.2.3.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::accounts::{User, generate_users};
use super::hardware::{Cpu, Memory, generate_cpu, generate_memory};
use super::network::{Network, generate_network};
use super::platform::{Platform, hints, pick_platform, pick_shape};
use super::processes::{Service, generate_services};
use super::release::{Series, kernel_package_version};
use super::storage::{Storage, generate_storage};
use crate::host::HostProfile;

/// An installed package as dpkg knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Version, with epoch.
    pub version: String,
    /// Architecture (`amd64`, `all`).
    pub arch: String,
}

/// Packages of programs the shell emulates that the release lists lack, with their versions
/// on (focal, jammy, noble) and architecture: `dpkg -l iptables` must find what
/// `/usr/sbin/iptables` belongs to.
const TOOL_PACKAGES: &[(&str, [&str; 3], &str)] = &[
    (
        "binutils",
        ["2.34-6ubuntu1.9", "2.38-4ubuntu2.6", "2.42-4ubuntu2.3"],
        "amd64",
    ),
    (
        "busybox-static",
        [
            "1:1.30.1-4ubuntu6.4",
            "1:1.30.1-7ubuntu3",
            "1:1.36.1-6ubuntu3.1",
        ],
        "amd64",
    ),
    (
        "dash",
        [
            "0.5.10.2-6",
            "0.5.11+git20210903+057cd650a4ed-3build1",
            "0.5.12-6ubuntu5",
        ],
        "amd64",
    ),
    (
        "debianutils",
        ["4.9.1", "5.5-1ubuntu2", "5.17build1"],
        "amd64",
    ),
    (
        "diffutils",
        ["1:3.7-3", "1:3.8-0ubuntu2", "1:3.10-1build1"],
        "amd64",
    ),
    (
        "e2fsprogs",
        [
            "1.45.5-2ubuntu1.1",
            "1.46.5-2ubuntu1.1",
            "1.47.0-2.4~exp1ubuntu4.1",
        ],
        "amd64",
    ),
    (
        "file",
        ["1:5.38-4", "1:5.41-3ubuntu0.1", "1:5.45-3build1"],
        "amd64",
    ),
    (
        "findutils",
        ["4.7.0-1ubuntu1", "4.8.0-1ubuntu3", "4.9.0-5build1"],
        "amd64",
    ),
    (
        "init-system-helpers",
        ["1.57", "1.62", "1.66ubuntu1"],
        "all",
    ),
    (
        "iptables",
        ["1.8.4-3ubuntu2.1", "1.8.7-1ubuntu5.2", "1.8.10-3ubuntu2"],
        "amd64",
    ),
    (
        "libc-bin",
        ["2.31-0ubuntu9.14", "2.35-0ubuntu3.6", "2.39-0ubuntu8.3"],
        "amd64",
    ),
    (
        "lsb-release",
        ["11.1.0ubuntu2", "11.1.0ubuntu4", "12.0-2"],
        "all",
    ),
    (
        "mawk",
        [
            "1.3.4.20200120-2",
            "1.3.4.20200120-3",
            "1.3.4.20240123-1build1",
        ],
        "amd64",
    ),
    (
        "mount",
        ["2.34-0.1ubuntu9.4", "2.37.2-4ubuntu3", "2.39.3-9ubuntu6.1"],
        "amd64",
    ),
    (
        "ncurses-bin",
        ["6.2-0ubuntu2.1", "6.3-2ubuntu0.1", "6.4+20240113-1ubuntu2"],
        "amd64",
    ),
    (
        "netcat-openbsd",
        ["1.206-1ubuntu1", "1.218-4ubuntu1", "1.226-1ubuntu2"],
        "amd64",
    ),
    (
        "perl-base",
        ["5.30.0-9ubuntu0.5", "5.34.0-3ubuntu1.3", "5.38.2-3.2build2"],
        "amd64",
    ),
    (
        "psmisc",
        ["23.3-1", "23.4-2build3", "23.7-1build1"],
        "amd64",
    ),
    (
        "sysvinit-utils",
        ["2.96-2.1ubuntu1", "3.01-1ubuntu1", "3.08-6ubuntu3"],
        "amd64",
    ),
    (
        "systemd-sysv",
        [
            "245.4-4ubuntu3.22",
            "249.11-0ubuntu3.12",
            "255.4-1ubuntu8.4",
        ],
        "amd64",
    ),
    (
        "telnet",
        ["0.17-41.2build1", "0.17-44build1", "0.17+2.5-3ubuntu4"],
        "amd64",
    ),
];

/// [`TOOL_PACKAGES`] for `series`.
fn tool_packages(series: Series) -> impl Iterator<Item = Package> {
    let column = match series {
        Series::Focal => 0,
        Series::Jammy => 1,
        Series::Noble => 2,
    };
    TOOL_PACKAGES
        .iter()
        .map(move |(name, versions, arch)| Package {
            name: (*name).to_owned(),
            version: versions[column].to_owned(),
            arch: (*arch).to_owned(),
        })
}

/// Adds the [`TOOL_PACKAGES`] a saved package list lacks (it was saved by an older Mirage);
/// returns whether any were added.
fn add_tool_packages(packages: &mut Vec<Package>, series: Series) -> bool {
    let before = packages.len();
    for tool in tool_packages(series) {
        if !packages.iter().any(|p| p.name == tool.name) {
            packages.push(tool);
        }
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    packages.len() != before
}

/// The facts drawn from a profile's identity.
pub(super) struct Facts {
    pub platform: Platform,
    pub cpu: Cpu,
    pub memory: Memory,
    pub storage: Storage,
    pub network: Network,
    pub users: Vec<User>,
    pub packages: Vec<Package>,
    pub services: Vec<Service>,
    pub boot_time: DateTime<Utc>,
    pub machine_id: String,
}

/// Hostname roles that mean a web server (nginx listening on :80).
const WEB_ROLES: &[&str] = &["web", "wp", "shop", "nginx", "proxy", "lb", "app"];

/// The moment [`HostProfile::generate`] pretends the node first started, so that a seed
/// alone decides the boot time.
pub(super) fn reference_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The build date in a kernel version string (`#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023`).
fn kernel_build_date(kernel_version: &str) -> Option<DateTime<Utc>> {
    let date = kernel_version.split_once("SMP ")?.1;
    let date = date.trim_start_matches("PREEMPT_DYNAMIC ");
    let normalised = date.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&normalised, "%a %b %d %H:%M:%S UTC %Y")
        .ok()
        .map(|naive| naive.and_utc())
}

impl Facts {
    /// The facts of a machine with this identity that first started at `first_start`.
    pub(super) fn derive(
        seed: u64,
        hostname: &str,
        distro: &str,
        kernel_release: &str,
        kernel_version: &str,
        first_start: DateTime<Utc>,
    ) -> Facts {
        let stream = |salt: u64| StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15 ^ salt);
        let series = Series::of_distro(distro);
        let hinted = hints(hostname);
        let mut rng = stream(1);
        let platform = hinted.platform.unwrap_or_else(|| pick_platform(&mut rng));
        let (vcpus, gib) = hinted
            .shape
            .unwrap_or_else(|| pick_shape(&mut rng, platform));
        let cpu = generate_cpu(&mut stream(2), platform, vcpus);
        let swap_gib = if platform.is_cloud() { 0 } else { gib.min(4) };
        let memory = generate_memory(&mut stream(3), gib, swap_gib);
        let storage = generate_storage(&mut stream(4), platform, series, (vcpus, gib));
        let network = generate_network(
            &mut stream(5),
            platform,
            hinted.address,
            series != Series::Focal,
        );
        let users = generate_users(&mut stream(6), series, platform);
        let short = hostname.split('.').next().unwrap_or(hostname);
        let web = WEB_ROLES.iter().any(|role| {
            short
                .split(|c: char| c == '-' || c.is_ascii_digit())
                .any(|w| w == *role)
        });
        let services = generate_services(
            &mut stream(7),
            series,
            platform,
            vcpus,
            web,
            network.dhcp_lease.is_some(),
        );
        let mut packages: Vec<Package> = series
            .release()
            .packages
            .iter()
            .map(|(name, version, arch)| Package {
                name: (*name).to_owned(),
                version: (*version).to_owned(),
                arch: (*arch).to_owned(),
            })
            .collect();
        packages.push(Package {
            name: format!("linux-image-{kernel_release}"),
            version: kernel_package_version(kernel_release, kernel_version),
            arch: "amd64".to_owned(),
        });
        if web {
            let version = match series {
                Series::Focal => "1.18.0-0ubuntu1.4",
                Series::Jammy => "1.18.0-6ubuntu14.4",
                Series::Noble => "1.24.0-2ubuntu7.1",
            };
            for name in ["nginx", "nginx-common"] {
                packages.push(Package {
                    name: name.to_owned(),
                    version: version.to_owned(),
                    arch: if name == "nginx" { "amd64" } else { "all" }.to_owned(),
                });
            }
        }
        add_tool_packages(&mut packages, series);
        let mut rng = stream(8);
        // Up for days to months when the node first starts, but never since before the
        // running kernel was built.
        let up_secs = rng.gen_range(3 * 86_400..120 * 86_400);
        let mut boot_time = first_start - Duration::seconds(up_secs);
        if let Some(built) = kernel_build_date(kernel_version) {
            let earliest = built + Duration::days(2) + Duration::seconds(rng.gen_range(0..86_400));
            if boot_time < earliest {
                boot_time =
                    earliest.min(first_start - Duration::seconds(rng.gen_range(600..7_200)));
            }
        }
        let machine_id: String = (0..32)
            .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
            .collect();
        Facts {
            platform,
            cpu,
            memory,
            storage,
            network,
            users,
            packages,
            services,
            boot_time,
            machine_id,
        }
    }

    /// The facts as JSON values keyed like [`HostProfile`]'s fields.
    fn to_json(&self) -> serde_json::Result<Vec<(&'static str, serde_json::Value)>> {
        use serde_json::to_value;
        Ok(vec![
            ("platform", to_value(self.platform)?),
            ("cpu", to_value(&self.cpu)?),
            ("memory", to_value(&self.memory)?),
            ("storage", to_value(&self.storage)?),
            ("network", to_value(&self.network)?),
            ("users", to_value(&self.users)?),
            ("packages", to_value(&self.packages)?),
            ("services", to_value(&self.services)?),
            ("boot_time", to_value(self.boot_time)?),
            ("machine_id", to_value(&self.machine_id)?),
        ])
    }
}

impl HostProfile {
    /// What makes the stored machine facts unusable, if anything.
    pub(super) fn facts_problem(&self) -> Option<String> {
        let c = &self.cpu;
        if c.vcpus == 0 || c.vcpus > 256 || c.threads_per_core == 0 || c.sockets == 0 {
            return Some(format!(
                "cpu: {} vCPUs in {} sockets with {} threads per core",
                c.vcpus, c.sockets, c.threads_per_core
            ));
        }
        if self.memory.total_kb < 65_536 {
            return Some(format!("memory: {} kB is too little", self.memory.total_kb));
        }
        if self.storage.root_size_kb == 0 || self.storage.root_device.is_empty() {
            return Some("storage: the root file system needs a device and a size".to_owned());
        }
        let n = &self.network;
        if n.iface.is_empty() || n.iface.contains(char::is_whitespace) || n.prefix > 32 {
            return Some(format!(
                "network: interface {:?} with prefix /{}",
                n.iface, n.prefix
            ));
        }
        if self
            .users
            .iter()
            .any(|u| u.uid < 1000 || u.name.is_empty() || u.name.contains([':', '/', '\n']))
        {
            return Some("users: login users need a name and a uid of 1000 or more".to_owned());
        }
        None
    }
}

/// Parses a saved profile, drawing the facts it lacks (saved by an older Mirage) from its
/// seed and stored identity. Returns the profile and whether anything was filled in.
pub(super) fn parse_filling(
    bytes: &[u8],
    now: DateTime<Utc>,
) -> serde_json::Result<(HostProfile, bool)> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)?;
    let mut filled = false;
    if let Some(object) = value.as_object_mut() {
        let text = |key: &str| {
            object
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        let seed = object.get("seed").and_then(serde_json::Value::as_u64);
        let missing = [
            "platform",
            "cpu",
            "memory",
            "storage",
            "network",
            "users",
            "packages",
            "services",
            "boot_time",
            "machine_id",
        ]
        .iter()
        .any(|key| !object.contains_key(*key));
        if let (Some(seed), true) = (seed, missing) {
            let facts = Facts::derive(
                seed,
                &text("hostname"),
                &text("distro"),
                &text("kernel_release"),
                &text("kernel_version"),
                now,
            );
            for (key, fact) in facts.to_json()? {
                if !object.contains_key(key) {
                    object.insert(key.to_owned(), fact);
                    filled = true;
                }
            }
        }
    }
    let mut profile: HostProfile = serde_json::from_value(value)?;
    let series = Series::of_distro(&profile.distro);
    filled |= add_tool_packages(&mut profile.packages, series);
    Ok((profile, filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_profiles_get_the_facts_of_their_identity() {
        let full = HostProfile::generate(77);
        let mut value = serde_json::to_value(&full).expect("serialise");
        let object = value.as_object_mut().expect("object");
        for key in [
            "platform",
            "cpu",
            "memory",
            "storage",
            "network",
            "users",
            "packages",
            "services",
            "boot_time",
            "machine_id",
        ] {
            object.remove(key);
        }
        object.insert("hostname".to_owned(), "ip-10-9-8-7".into());
        let bytes = serde_json::to_vec(&value).expect("bytes");
        let (loaded, filled) = parse_filling(&bytes, reference_start()).expect("loads");
        assert!(filled);
        assert_eq!(loaded.hostname, "ip-10-9-8-7");
        assert_eq!(loaded.platform, Platform::Aws);
        assert_eq!(loaded.network.ipv4.to_string(), "10.9.8.7");
        assert_eq!(loaded.kernel_release, full.kernel_release);
        let (again, filled) =
            parse_filling(&serde_json::to_vec(&loaded).expect("bytes"), Utc::now()).expect("loads");
        assert!(!filled);
        assert_eq!(again, loaded);
    }

    #[test]
    fn boot_is_after_the_kernel_build() {
        for seed in 0..200 {
            let p = HostProfile::generate(seed);
            let built = kernel_build_date(&p.kernel_version).expect("date");
            assert!(p.boot_time > built, "{seed}");
            assert!(p.boot_time < reference_start(), "{seed}");
        }
    }
}
