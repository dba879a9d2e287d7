//! What each Ubuntu LTS release ships: identification files, tool versions that decide
//! output formats (procps, util-linux, iproute2, net-tools), the toolchain in
//! `/proc/version`, and the core package versions `dpkg` would list.
//!
//! Versions are the ones in each release's updates pocket around its later point releases,
//! so a 22.04.3 box does not report a 24.04 `curl`.

use serde::{Deserialize, Serialize};

/// An Ubuntu LTS release line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Series {
    /// 20.04 Focal Fossa.
    Focal,
    /// 22.04 Jammy Jellyfish.
    Jammy,
    /// 24.04 Noble Numbat.
    Noble,
}

impl Series {
    /// The release line a `PRETTY_NAME` (`Ubuntu 22.04.3 LTS`) belongs to; 22.04 when it
    /// names none of them.
    pub fn of_distro(distro: &str) -> Series {
        // Asked on every account lookup (each simple command): a plain scan of the short
        // name is several times cheaper than `str::contains`'s searcher set-up.
        let has = |version: &[u8]| {
            distro
                .as_bytes()
                .windows(version.len())
                .any(|w| w == version)
        };
        if has(b"20.04") {
            Series::Focal
        } else if has(b"24.04") {
            Series::Noble
        } else {
            Series::Jammy
        }
    }

    /// The release's facts.
    pub fn release(self) -> &'static Release {
        match self {
            Series::Focal => &FOCAL,
            Series::Jammy => &JAMMY,
            Series::Noble => &NOBLE,
        }
    }
}

/// What one release ships.
#[derive(Debug)]
pub struct Release {
    /// `VERSION_ID`, e.g. `22.04`.
    pub version_id: &'static str,
    /// `VERSION_CODENAME`, e.g. `jammy`.
    pub codename: &'static str,
    /// The release name, e.g. `Jammy Jellyfish`.
    pub name: &'static str,
    /// `/etc/debian_version`: the Debian testing it branched from.
    pub debian_version: &'static str,
    /// procps-ng upstream version (`free`, `ps`, `top`, `w`, `uptime`).
    pub procps: &'static str,
    /// util-linux upstream version (`lscpu`, `mount`, `last`).
    pub util_linux: &'static str,
    /// iproute2 upstream version (`ip`, `ss`).
    pub iproute2: &'static str,
    /// net-tools upstream version (`ifconfig`, `netstat`).
    pub net_tools: &'static str,
    /// The `/proc/version` toolchain of kernels not in the per-build table.
    pub toolchain: &'static str,
    /// Core packages: (name, version, architecture).
    pub packages: &'static [(&'static str, &'static str, &'static str)],
}

/// The toolchains Canonical's builders used for known kernel builds, as `/proc/version`
/// prints them: (kernel release, build host, compiler and linker).
const KERNEL_BUILDS: &[(&str, &str, &str)] = &[
    (
        "5.4.0-100-generic",
        "lcy02-amd64-002",
        "gcc version 9.3.0 (Ubuntu 9.3.0-17ubuntu1~20.04)",
    ),
    (
        "5.4.0-122-generic",
        "lcy02-amd64-025",
        "gcc version 9.4.0 (Ubuntu 9.4.0-1ubuntu1~20.04.1)",
    ),
    (
        "5.4.0-150-generic",
        "lcy02-amd64-066",
        "gcc version 9.4.0 (Ubuntu 9.4.0-1ubuntu1~20.04.1)",
    ),
    (
        "5.4.0-169-generic",
        "lcy02-amd64-102",
        "gcc version 9.4.0 (Ubuntu 9.4.0-1ubuntu1~20.04.2)",
    ),
    (
        "5.15.0-76-generic",
        "lcy02-amd64-046",
        "gcc (Ubuntu 11.3.0-1ubuntu1~22.04.1) 11.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
    ),
    (
        "5.15.0-88-generic",
        "lcy02-amd64-058",
        "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
    ),
    (
        "5.15.0-91-generic",
        "lcy02-amd64-045",
        "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
    ),
    (
        "5.15.0-97-generic",
        "lcy02-amd64-102",
        "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
    ),
    (
        "5.15.0-105-generic",
        "lcy02-amd64-054",
        "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
    ),
    (
        "5.15.0-119-generic",
        "lcy02-amd64-075",
        "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
    ),
    (
        "6.8.0-31-generic",
        "lcy02-amd64-080",
        "x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42",
    ),
    (
        "6.8.0-41-generic",
        "lcy02-amd64-100",
        "x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42",
    ),
    (
        "6.8.0-45-generic",
        "lcy02-amd64-075",
        "x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42",
    ),
    (
        "6.8.0-48-generic",
        "lcy02-amd64-040",
        "x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42",
    ),
    (
        "6.8.0-51-generic",
        "lcy02-amd64-091",
        "x86_64-linux-gnu-gcc-13 (Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0, GNU ld (GNU Binutils for Ubuntu) 2.42",
    ),
];

/// The `/proc/version` line of `kernel_release` built as `kernel_version`.
pub fn proc_version(series: Series, kernel_release: &str, kernel_version: &str) -> String {
    let (host, toolchain) = KERNEL_BUILDS
        .iter()
        .find(|(release, _, _)| *release == kernel_release)
        .map_or(
            ("lcy02-amd64-047", series.release().toolchain),
            |(_, h, t)| (*h, *t),
        );
    format!("Linux version {kernel_release} (buildd@{host}) ({toolchain}) {kernel_version}\n")
}

/// The `linux-image-*` package version of a kernel: `5.15.0-91` built as `#101` is
/// `5.15.0-91.101`.
pub fn kernel_package_version(kernel_release: &str, kernel_version: &str) -> String {
    let abi = kernel_release.trim_end_matches("-generic");
    let build: String = kernel_version
        .trim_start_matches('#')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    format!("{abi}.{build}")
}

static FOCAL: Release = Release {
    version_id: "20.04",
    codename: "focal",
    name: "Focal Fossa",
    debian_version: "bullseye/sid",
    procps: "3.3.16",
    util_linux: "2.34",
    iproute2: "5.5.0",
    net_tools: "1.60",
    toolchain: "gcc version 9.4.0 (Ubuntu 9.4.0-1ubuntu1~20.04.2)",
    packages: &[
        ("adduser", "3.118ubuntu2", "all"),
        ("apt", "2.0.10", "amd64"),
        ("base-files", "11ubuntu5.8", "amd64"),
        ("bash", "5.0-6ubuntu1.2", "amd64"),
        ("bsdutils", "1:2.34-0.1ubuntu9.4", "amd64"),
        ("ca-certificates", "20230311ubuntu0.20.04.1", "all"),
        ("cloud-init", "23.3.3-0ubuntu0~20.04.1", "all"),
        ("coreutils", "8.30-3ubuntu2", "amd64"),
        ("cron", "3.0pl1-136ubuntu1", "amd64"),
        ("curl", "7.68.0-1ubuntu2.21", "amd64"),
        ("dbus", "1.12.16-2ubuntu2.3", "amd64"),
        ("dpkg", "1.19.7ubuntu3.2", "amd64"),
        ("git", "1:2.25.1-1ubuntu3.11", "amd64"),
        ("grep", "3.4-1", "amd64"),
        ("gzip", "1.10-0ubuntu4.1", "amd64"),
        ("hostname", "3.23", "amd64"),
        ("iproute2", "5.5.0-1ubuntu1", "amd64"),
        ("iputils-ping", "3:20190709-3", "amd64"),
        ("less", "551-1ubuntu0.3", "amd64"),
        ("libc6", "2.31-0ubuntu9.14", "amd64"),
        ("libssl1.1", "1.1.1f-1ubuntu2.20", "amd64"),
        ("login", "1:4.8.1-1ubuntu5.20.04.5", "amd64"),
        ("nano", "4.8-1ubuntu1", "amd64"),
        ("net-tools", "1.60+git20180626.aebd88e-1ubuntu1", "amd64"),
        ("netplan.io", "0.104-0ubuntu2~20.04.4", "amd64"),
        ("openssh-client", "1:8.2p1-4ubuntu0.11", "amd64"),
        ("openssh-server", "1:8.2p1-4ubuntu0.11", "amd64"),
        ("openssh-sftp-server", "1:8.2p1-4ubuntu0.11", "amd64"),
        ("openssl", "1.1.1f-1ubuntu2.20", "amd64"),
        ("passwd", "1:4.8.1-1ubuntu5.20.04.5", "amd64"),
        ("procps", "2:3.3.16-1ubuntu2.4", "amd64"),
        ("python3", "3.8.2-0ubuntu2", "amd64"),
        ("python3.8", "3.8.10-0ubuntu1~20.04.9", "amd64"),
        ("rsyslog", "8.2001.0-1ubuntu1.3", "amd64"),
        ("sed", "4.7-1", "amd64"),
        ("snapd", "2.58+20.04.1", "amd64"),
        ("sudo", "1.8.31-1ubuntu1.5", "amd64"),
        ("systemd", "245.4-4ubuntu3.22", "amd64"),
        ("tar", "1.30+dfsg-7ubuntu0.20.04.4", "amd64"),
        ("tzdata", "2023c-0ubuntu0.20.04.2", "all"),
        ("util-linux", "2.34-0.1ubuntu9.4", "amd64"),
        ("vim", "2:8.1.2269-1ubuntu5.21", "amd64"),
        ("wget", "1.20.3-1ubuntu2", "amd64"),
    ],
};

static JAMMY: Release = Release {
    version_id: "22.04",
    codename: "jammy",
    name: "Jammy Jellyfish",
    debian_version: "bookworm/sid",
    procps: "3.3.17",
    util_linux: "2.37.2",
    iproute2: "5.15.0",
    net_tools: "1.60",
    toolchain: "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38",
    packages: &[
        ("adduser", "3.118ubuntu5", "all"),
        ("apt", "2.4.11", "amd64"),
        ("base-files", "12ubuntu4.4", "amd64"),
        ("bash", "5.1-6ubuntu1.1", "amd64"),
        ("bsdutils", "1:2.37.2-4ubuntu3", "amd64"),
        ("ca-certificates", "20230311ubuntu0.22.04.1", "all"),
        ("cloud-init", "23.3.3-0ubuntu0~22.04.1", "all"),
        ("coreutils", "8.32-4.1ubuntu1.1", "amd64"),
        ("cron", "3.0pl1-137ubuntu3", "amd64"),
        ("curl", "7.81.0-1ubuntu1.15", "amd64"),
        ("dbus", "1.12.20-2ubuntu4.1", "amd64"),
        ("dpkg", "1.21.1ubuntu2.2", "amd64"),
        ("git", "1:2.34.1-1ubuntu1.10", "amd64"),
        ("grep", "3.7-1build1", "amd64"),
        ("gzip", "1.10-4ubuntu4.1", "amd64"),
        ("hostname", "3.23ubuntu2", "amd64"),
        ("iproute2", "5.15.0-1ubuntu2", "amd64"),
        ("iputils-ping", "3:20211215-1", "amd64"),
        ("less", "590-1ubuntu0.22.04.1", "amd64"),
        ("libc6", "2.35-0ubuntu3.6", "amd64"),
        ("libssl3", "3.0.2-0ubuntu1.14", "amd64"),
        ("login", "1:4.8.1-2ubuntu2.1", "amd64"),
        ("nano", "6.2-1", "amd64"),
        ("net-tools", "1.60+git20181103.0eebece-1ubuntu5", "amd64"),
        ("netplan.io", "0.106.1-7ubuntu0.22.04.2", "amd64"),
        ("openssh-client", "1:8.9p1-3ubuntu0.10", "amd64"),
        ("openssh-server", "1:8.9p1-3ubuntu0.10", "amd64"),
        ("openssh-sftp-server", "1:8.9p1-3ubuntu0.10", "amd64"),
        ("openssl", "3.0.2-0ubuntu1.14", "amd64"),
        ("passwd", "1:4.8.1-2ubuntu2.1", "amd64"),
        ("procps", "2:3.3.17-6ubuntu2.1", "amd64"),
        ("python3", "3.10.6-1~22.04", "amd64"),
        ("python3.10", "3.10.12-1~22.04.3", "amd64"),
        ("rsyslog", "8.2112.0-2ubuntu2.2", "amd64"),
        ("sed", "4.8-1ubuntu2", "amd64"),
        ("snapd", "2.61.3+22.04", "amd64"),
        ("sudo", "1.9.9-1ubuntu2.4", "amd64"),
        ("systemd", "249.11-0ubuntu3.12", "amd64"),
        ("tar", "1.34+dfsg-1ubuntu0.1.22.04.2", "amd64"),
        ("tzdata", "2024a-0ubuntu0.22.04", "all"),
        ("util-linux", "2.37.2-4ubuntu3", "amd64"),
        ("vim", "2:8.2.3995-1ubuntu2.15", "amd64"),
        ("wget", "1.21.2-2ubuntu1", "amd64"),
    ],
};

static NOBLE: Release = Release {
    version_id: "24.04",
    codename: "noble",
    name: "Noble Numbat",
    debian_version: "trixie/sid",
    procps: "4.0.4",
    util_linux: "2.39.3",
    iproute2: "6.1.0",
    net_tools: "2.10",
    toolchain: "x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42",
    packages: &[
        ("adduser", "3.137ubuntu1", "all"),
        ("apt", "2.7.14build2", "amd64"),
        ("base-files", "13ubuntu10.1", "amd64"),
        ("bash", "5.2.21-2ubuntu4", "amd64"),
        ("bsdutils", "1:2.39.3-9ubuntu6.1", "amd64"),
        ("ca-certificates", "20240203", "all"),
        ("cloud-init", "24.3.1-0ubuntu0~24.04.2", "all"),
        ("coreutils", "9.4-3ubuntu6", "amd64"),
        ("cron", "3.0pl1-184ubuntu2", "amd64"),
        ("curl", "8.5.0-2ubuntu10.4", "amd64"),
        ("dbus", "1.14.10-4ubuntu4.1", "amd64"),
        ("dpkg", "1.22.6ubuntu6.1", "amd64"),
        ("git", "1:2.43.0-1ubuntu7.1", "amd64"),
        ("grep", "3.11-4build1", "amd64"),
        ("gzip", "1.12-1ubuntu3", "amd64"),
        ("hostname", "3.23+nmu2ubuntu2", "amd64"),
        ("iproute2", "6.1.0-1ubuntu6", "amd64"),
        ("iputils-ping", "3:20240117-1build1", "amd64"),
        ("less", "590-2ubuntu2.1", "amd64"),
        ("libc6", "2.39-0ubuntu8.3", "amd64"),
        ("libssl3t64", "3.0.13-0ubuntu3.4", "amd64"),
        ("login", "1:4.13+dfsg1-4ubuntu3.2", "amd64"),
        ("nano", "7.2-2ubuntu0.1", "amd64"),
        ("net-tools", "2.10-0.1ubuntu4", "amd64"),
        ("netplan.io", "1.0.1-1ubuntu2~24.04.1", "amd64"),
        ("openssh-client", "1:9.6p1-3ubuntu13.5", "amd64"),
        ("openssh-server", "1:9.6p1-3ubuntu13.5", "amd64"),
        ("openssh-sftp-server", "1:9.6p1-3ubuntu13.5", "amd64"),
        ("openssl", "3.0.13-0ubuntu3.4", "amd64"),
        ("passwd", "1:4.13+dfsg1-4ubuntu3.2", "amd64"),
        ("procps", "2:4.0.4-4ubuntu3.2", "amd64"),
        ("python3", "3.12.3-0ubuntu2", "amd64"),
        ("python3.12", "3.12.3-1ubuntu0.2", "amd64"),
        ("rsyslog", "8.2312.0-3ubuntu9", "amd64"),
        ("sed", "4.9-2build1", "amd64"),
        ("snapd", "2.65.3+24.04", "amd64"),
        ("sudo", "1.9.15p5-3ubuntu5", "amd64"),
        ("systemd", "255.4-1ubuntu8.4", "amd64"),
        ("tar", "1.35+dfsg-3build1", "amd64"),
        ("tzdata", "2024a-3ubuntu1.1", "all"),
        ("util-linux", "2.39.3-9ubuntu6.1", "amd64"),
        ("vim", "2:9.1.0016-1ubuntu7.3", "amd64"),
        ("wget", "1.21.4-1ubuntu4.1", "amd64"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_line_is_read_from_the_distro_name() {
        assert_eq!(Series::of_distro("Ubuntu 20.04.6 LTS"), Series::Focal);
        assert_eq!(Series::of_distro("Ubuntu 24.04.1 LTS"), Series::Noble);
        assert_eq!(Series::of_distro("Ubuntu 22.04.4 LTS"), Series::Jammy);
        assert_eq!(Series::of_distro("20.0"), Series::Jammy);
        assert_eq!(Series::of_distro(""), Series::Jammy);
    }

    #[test]
    fn proc_version_matches_ubuntu_format() {
        assert_eq!(
            proc_version(
                Series::Jammy,
                "5.15.0-91-generic",
                "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023"
            ),
            "Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n"
        );
        assert_eq!(
            kernel_package_version(
                "5.15.0-91-generic",
                "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023"
            ),
            "5.15.0-91.101"
        );
    }

    #[test]
    fn every_release_has_the_core_packages_once() {
        for series in [Series::Focal, Series::Jammy, Series::Noble] {
            let packages = series.release().packages;
            for name in [
                "openssh-server",
                "bash",
                "coreutils",
                "procps",
                "iproute2",
                "net-tools",
                "curl",
                "wget",
                "python3",
            ] {
                assert_eq!(packages.iter().filter(|p| p.0 == name).count(), 1, "{name}");
            }
            assert!(
                packages.windows(2).all(|w| w[0].0 < w[1].0),
                "sorted like dpkg"
            );
        }
    }
}
