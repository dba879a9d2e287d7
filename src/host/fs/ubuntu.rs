//! The Ubuntu layout: the directory skeleton with its modes and owners, merged-`/usr`
//! links, programs in `/usr/bin` and `/usr/sbin`, libraries, `/boot`, `/dev`, `/proc`,
//! `/sys`, `/run` and the home directories.
//!
//! Times follow how a real server ages: package files carry their package's build date,
//! the system was installed a few weeks after the running kernel was built, and runtime
//! directories (`/run`, `/dev`, `/tmp`) date from the boot.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::image::{Builder, Owner, ROOT};
use super::node::{Data, Device, Timestamp};
use crate::host::HostProfile;

/// What the layout derives from the profile: the release, and the times things happened.
pub(super) struct Facts {
    /// `20.04`, `22.04` or `24.04`.
    pub release: &'static str,
    /// `focal`, `jammy` or `noble`.
    pub codename: &'static str,
    /// The Python 3 minor version shipped (`3.10`).
    pub python: &'static str,
    /// The Perl version shipped (`5.34.0`).
    pub perl: &'static str,
    /// When the release's packages were built (the coreutils build).
    pub built: Timestamp,
    /// When the machine was installed.
    pub install: Timestamp,
    /// When it booted.
    pub boot: Timestamp,
    /// When the image is built (the node's start): the logs run up to here.
    pub now: Timestamp,
    /// The profile's seed, for per-file variation.
    pub seed: u64,
}

impl Facts {
    pub fn new(profile: &HostProfile, boot: DateTime<Utc>, now: DateTime<Utc>) -> Facts {
        let (release, codename, python, perl, built) = match profile.coreutils_version.as_str() {
            "8.30" => ("20.04", "focal", "3.8", "5.30.0", 1_567_679_000),
            "9.4" => ("24.04", "noble", "3.12", "5.38.2", 1_712_300_000),
            _ => ("22.04", "jammy", "3.10", "5.34.0", 1_644_230_000),
        };
        let release = profile
            .distro
            .split_whitespace()
            .nth(1)
            .map(|v| v.get(..5).unwrap_or(v))
            .filter(|v| ["20.04", "22.04", "24.04"].contains(v))
            .map_or(release, |v| match v {
                "20.04" => "20.04",
                "24.04" => "24.04",
                _ => "22.04",
            });
        let boot_secs = boot.timestamp();
        // Installed 3 to 40 days after the running kernel was built, and before the boot.
        let kernel_built =
            kernel_build_time(&profile.kernel_version).unwrap_or(built + 86_400 * 60);
        let offset = 86_400 * (3 + (hash(profile.seed, "install") % 38) as i64)
            + (hash(profile.seed, "install-time") % 86_400) as i64;
        let install = (kernel_built + offset)
            .min(boot_secs - 86_400 * 2)
            .max(built + 86_400);
        Facts {
            release,
            codename,
            python,
            perl,
            built: Timestamp {
                secs: built,
                nanos: 0,
            },
            install: stamp(install, profile.seed, "install-ns"),
            boot: stamp(boot_secs, profile.seed, "boot-ns"),
            now: stamp(now.timestamp().max(boot_secs), profile.seed, "now-ns"),
            seed: profile.seed,
        }
    }

    /// The install time plus `secs`.
    pub fn after_install(&self, secs: i64, key: &str) -> Timestamp {
        stamp(self.install.secs + secs, self.seed, key)
    }

    /// The boot time plus `secs`.
    pub fn after_boot(&self, secs: i64, key: &str) -> Timestamp {
        stamp(self.boot.secs + secs, self.seed, key)
    }

    /// `secs` before the image's "now".
    pub fn before_now(&self, secs: i64, key: &str) -> Timestamp {
        stamp(self.now.secs - secs, self.seed, key)
    }

    /// A package build time for `name`: within a year before the release's builds, at a
    /// whole second (dpkg unpacks with the package's times, which have no nanoseconds).
    pub fn package_time(&self, name: &str) -> Timestamp {
        Timestamp {
            secs: self.built.secs - (hash(self.seed ^ 0x5eed, name) % (86_400 * 365)) as i64,
            nanos: 0,
        }
    }
}

/// A timestamp at `secs` with nanoseconds that vary by `key`, as ext4 records them.
fn stamp(secs: i64, seed: u64, key: &str) -> Timestamp {
    Timestamp {
        secs,
        nanos: (hash(seed, key) % 1_000_000_000) as u32,
    }
}

/// FNV-1a over the seed and a key: stable across builds, unlike `DefaultHasher`.
pub(super) fn hash(seed: u64, key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The build time in a kernel version string (`#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023`).
fn kernel_build_time(version: &str) -> Option<i64> {
    let words: Vec<&str> = version.split_whitespace().collect();
    let utc = words.iter().position(|w| *w == "UTC")?;
    let text = format!(
        "{} {} {} {}",
        words.get(utc.checked_sub(3)?)?,
        words.get(utc.checked_sub(2)?)?,
        words.get(utc.checked_sub(1)?)?,
        words.get(utc + 1)?
    );
    chrono::NaiveDateTime::parse_from_str(&text, "%b %d %H:%M:%S %Y")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

const fn owner(user: &'static str, group: &'static str) -> Owner {
    Owner { user, group }
}

/// Directories of a fresh Ubuntu server: path, mode, owner.
const DIRS: &[(&str, u32, Owner)] = &[
    ("/boot", 0o755, ROOT),
    ("/boot/grub", 0o755, ROOT),
    ("/etc", 0o755, ROOT),
    ("/home", 0o755, ROOT),
    ("/lost+found", 0o700, ROOT),
    ("/media", 0o755, ROOT),
    ("/mnt", 0o755, ROOT),
    ("/opt", 0o755, ROOT),
    ("/root", 0o700, ROOT),
    ("/root/.ssh", 0o700, ROOT),
    ("/root/.cache", 0o700, ROOT),
    ("/snap", 0o755, ROOT),
    ("/srv", 0o755, ROOT),
    ("/usr", 0o755, ROOT),
    ("/usr/bin", 0o755, ROOT),
    ("/usr/sbin", 0o755, ROOT),
    ("/usr/games", 0o755, ROOT),
    ("/usr/include", 0o755, ROOT),
    ("/usr/lib", 0o755, ROOT),
    ("/usr/lib/x86_64-linux-gnu", 0o755, ROOT),
    ("/usr/lib/systemd", 0o755, ROOT),
    ("/usr/lib/systemd/system", 0o755, ROOT),
    ("/usr/lib/modules", 0o755, ROOT),
    ("/usr/lib32", 0o755, ROOT),
    ("/usr/lib64", 0o755, ROOT),
    ("/usr/libx32", 0o755, ROOT),
    ("/usr/libexec", 0o755, ROOT),
    ("/usr/local", 0o755, ROOT),
    ("/usr/local/bin", 0o755, ROOT),
    ("/usr/local/etc", 0o755, ROOT),
    ("/usr/local/games", 0o755, ROOT),
    ("/usr/local/include", 0o755, ROOT),
    ("/usr/local/lib", 0o755, ROOT),
    ("/usr/local/sbin", 0o755, ROOT),
    ("/usr/local/share", 0o755, ROOT),
    ("/usr/local/src", 0o755, ROOT),
    ("/usr/share", 0o755, ROOT),
    ("/usr/share/doc", 0o755, ROOT),
    ("/usr/share/man", 0o755, ROOT),
    ("/usr/share/zoneinfo", 0o755, ROOT),
    ("/usr/share/zoneinfo/Etc", 0o755, ROOT),
    ("/usr/share/common-licenses", 0o755, ROOT),
    ("/usr/src", 0o755, ROOT),
    ("/var", 0o755, ROOT),
    ("/var/backups", 0o755, ROOT),
    ("/var/cache", 0o755, ROOT),
    ("/var/cache/apt", 0o755, ROOT),
    ("/var/cache/man", 0o755, owner("man", "man")),
    ("/var/crash", 0o1777, ROOT),
    ("/var/lib", 0o755, ROOT),
    ("/var/lib/apt", 0o755, ROOT),
    ("/var/lib/apt/lists", 0o755, ROOT),
    ("/var/lib/dpkg", 0o755, ROOT),
    ("/var/lib/systemd", 0o755, ROOT),
    ("/var/lib/ucf", 0o755, ROOT),
    ("/var/local", 0o2775, owner("root", "staff")),
    ("/var/log", 0o775, owner("root", "syslog")),
    ("/var/mail", 0o2775, owner("root", "mail")),
    ("/var/opt", 0o755, ROOT),
    ("/var/snap", 0o755, ROOT),
    ("/var/spool", 0o755, ROOT),
    ("/var/spool/cron", 0o755, ROOT),
    ("/var/spool/cron/crontabs", 0o1730, owner("root", "crontab")),
    ("/var/tmp", 0o1777, ROOT),
];

/// Runtime directories, dated from the boot.
const RUN_DIRS: &[(&str, u32, Owner)] = &[
    ("/tmp", 0o1777, ROOT),
    ("/tmp/.ICE-unix", 0o1777, ROOT),
    ("/tmp/.X11-unix", 0o1777, ROOT),
    ("/tmp/.font-unix", 0o1777, ROOT),
    ("/tmp/.Test-unix", 0o1777, ROOT),
    ("/tmp/.XIM-unix", 0o1777, ROOT),
    ("/run", 0o755, ROOT),
    ("/run/lock", 0o1777, ROOT),
    ("/run/user", 0o755, ROOT),
    ("/run/sshd", 0o755, ROOT),
    ("/run/systemd", 0o755, ROOT),
    ("/run/mount", 0o755, ROOT),
    ("/dev", 0o755, ROOT),
    ("/dev/pts", 0o755, ROOT),
    ("/dev/shm", 0o1777, ROOT),
    ("/dev/mqueue", 0o1777, ROOT),
    ("/dev/hugepages", 0o755, ROOT),
    ("/dev/net", 0o755, ROOT),
    ("/dev/disk", 0o755, ROOT),
    ("/dev/block", 0o755, ROOT),
    ("/dev/char", 0o755, ROOT),
    ("/proc", 0o555, ROOT),
    ("/sys", 0o555, ROOT),
    ("/sys/block", 0o755, ROOT),
    ("/sys/bus", 0o755, ROOT),
    ("/sys/class", 0o755, ROOT),
    ("/sys/dev", 0o755, ROOT),
    ("/sys/devices", 0o755, ROOT),
    ("/sys/firmware", 0o755, ROOT),
    ("/sys/fs", 0o755, ROOT),
    ("/sys/hypervisor", 0o755, ROOT),
    ("/sys/kernel", 0o755, ROOT),
    ("/sys/module", 0o755, ROOT),
    ("/sys/power", 0o755, ROOT),
];

/// Files under `/proc` that [`dynamic_file`](crate::host::files::dynamic_file) may generate;
/// each one it answers for appears in the tree.
const PROC_FILES: &[&str] = &[
    "/proc/buddyinfo",
    "/proc/cgroups",
    "/proc/cmdline",
    "/proc/consoles",
    "/proc/cpuinfo",
    "/proc/crypto",
    "/proc/devices",
    "/proc/diskstats",
    "/proc/filesystems",
    "/proc/interrupts",
    "/proc/iomem",
    "/proc/ioports",
    "/proc/kallsyms",
    "/proc/loadavg",
    "/proc/locks",
    "/proc/meminfo",
    "/proc/misc",
    "/proc/modules",
    "/proc/mounts",
    "/proc/partitions",
    "/proc/slabinfo",
    "/proc/softirqs",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/version",
    "/proc/vmstat",
    "/proc/zoneinfo",
    "/proc/net/arp",
    "/proc/net/dev",
    "/proc/net/if_inet6",
    "/proc/net/route",
    "/proc/net/tcp",
    "/proc/net/tcp6",
    "/proc/net/udp",
    "/proc/net/udp6",
    "/proc/net/unix",
    "/proc/sys/kernel/hostname",
    "/proc/sys/kernel/osrelease",
    "/proc/sys/kernel/ostype",
    "/proc/sys/kernel/version",
    "/proc/sys/kernel/pid_max",
    "/proc/sys/kernel/randomize_va_space",
    "/proc/sys/fs/file-max",
    "/proc/sys/net/ipv4/ip_forward",
    "/proc/sys/vm/overcommit_memory",
    "/proc/sys/vm/swappiness",
    "/proc/self/cmdline",
    "/proc/self/environ",
    "/proc/self/maps",
    "/proc/self/mounts",
    "/proc/self/stat",
    "/proc/self/status",
    "/proc/1/cmdline",
    "/proc/1/comm",
    "/proc/1/status",
];

/// Builds the skeleton, programs, libraries, devices and homes.
pub(super) fn install(b: &mut Builder, profile: &HostProfile, facts: &Facts, programs: &[&str]) {
    let boot = facts.boot;
    let root_meta_time = facts.after_install(120, "/");
    b.dir("/", 0o755, ROOT, root_meta_time);
    for (path, mode, who) in DIRS {
        let time = facts.after_install((hash(facts.seed, path) % 7200) as i64, path);
        b.dir(path, *mode, *who, time);
    }
    for (path, mode, who) in RUN_DIRS {
        let time = facts.after_boot((hash(facts.seed, path) % 30) as i64, path);
        b.dir(path, *mode, *who, time);
    }
    // Merged /usr (Ubuntu 20.04 and later) and the usual runtime links.
    let links_time = facts.after_install(60, "links");
    for (link, target) in [
        ("/bin", "usr/bin"),
        ("/sbin", "usr/sbin"),
        ("/lib", "usr/lib"),
        ("/lib32", "usr/lib32"),
        ("/lib64", "usr/lib64"),
        ("/libx32", "usr/libx32"),
        ("/var/run", "/run"),
        ("/var/lock", "/run/lock"),
        ("/var/spool/mail", "../mail"),
        ("/usr/local/man", "share/man"),
    ] {
        b.link(link, target, links_time);
    }
    if facts.release != "24.04" {
        let kernel = &profile.kernel_release;
        b.link("/vmlinuz", &format!("boot/vmlinuz-{kernel}"), links_time);
        b.link(
            "/initrd.img",
            &format!("boot/initrd.img-{kernel}"),
            links_time,
        );
    }
    devices(b, boot);
    proc_files(b, profile, boot);
    boot_files(b, profile, facts);
    super::programs::install(b, facts, programs);
    libraries(b, facts);
    run_files(b, facts);
    let zone = facts.package_time("tzdata");
    b.file(
        "/usr/share/zoneinfo/Etc/UTC",
        Data::Static(UTC_ZONE),
        0o644,
        ROOT,
        zone,
    );
    b.link("/usr/share/zoneinfo/UTC", "Etc/UTC", zone);
    b.file(
        "/root/.ssh/authorized_keys",
        Data::Static(b""),
        0o600,
        ROOT,
        facts.after_install(300, "authorized_keys"),
    );
    homes(b, facts);
}

/// The compiled zoneinfo of UTC (TZif2, as tzdata ships it).
const UTC_ZONE: &[u8] = b"TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\0\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\x01\0\0\0\x04\0\0\0\0\0\0UTC\0TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\0\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\x01\0\0\0\x04\0\0\0\0\0\0UTC\0\nUTC0\n";

fn devices(b: &mut Builder, boot: Timestamp) {
    let tty = owner("root", "tty");
    for (path, device, mode, who) in [
        ("/dev/null", Device::Null, 0o666, ROOT),
        ("/dev/zero", Device::Zero, 0o666, ROOT),
        ("/dev/full", Device::Full, 0o666, ROOT),
        ("/dev/random", Device::Random, 0o666, ROOT),
        ("/dev/urandom", Device::Urandom, 0o666, ROOT),
        ("/dev/tty", Device::Tty, 0o666, tty),
        ("/dev/console", Device::Tty, 0o600, ROOT),
        ("/dev/ptmx", Device::Tty, 0o666, tty),
        ("/dev/tty0", Device::Tty, 0o620, tty),
        ("/dev/tty1", Device::Tty, 0o620, tty),
        ("/dev/ttyS0", Device::Tty, 0o660, owner("root", "dialout")),
        ("/dev/pts/ptmx", Device::Tty, 0o000, ROOT),
        ("/dev/pts/0", Device::Tty, 0o620, tty),
    ] {
        b.device(path, device, mode, who, boot);
    }
    for (link, target) in [
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/core", "/proc/kcore"),
    ] {
        b.link(link, target, boot);
    }
}

fn proc_files(b: &mut Builder, profile: &HostProfile, boot: Timestamp) {
    let now = boot.to_datetime();
    for path in PROC_FILES {
        if crate::host::files::dynamic_file(path, profile, now).is_some() {
            b.file(path, Data::Proc, 0o444, ROOT, boot);
        }
    }
    b.dir("/proc/self/fd", 0o500, ROOT, boot);
    b.dir("/proc/sys/kernel", 0o555, ROOT, boot);
    b.dir("/proc/sys/net", 0o555, ROOT, boot);
    b.dir("/proc/net", 0o555, ROOT, boot);
}

fn boot_files(b: &mut Builder, profile: &HostProfile, facts: &Facts) {
    let kernel = &profile.kernel_release;
    let time = facts.after_install(-86_400 * 2, "kernel");
    let sizes = [
        ("vmlinuz", 11_698_440u64, 0o600),
        ("initrd.img", 29_871_104, 0o644),
        ("config", 261_837, 0o644),
        ("System.map", 6_248_394, 0o600),
    ];
    for (name, size, mode) in sizes {
        let size = size + hash(facts.seed, name) % 65_536;
        b.file(
            &format!("/boot/{name}-{kernel}"),
            Data::Zeros(size),
            mode,
            ROOT,
            time,
        );
    }
    b.link("/boot/vmlinuz", &format!("vmlinuz-{kernel}"), time);
    b.link("/boot/initrd.img", &format!("initrd.img-{kernel}"), time);
    b.dir(&format!("/usr/lib/modules/{kernel}"), 0o755, ROOT, time);
}

fn libraries(b: &mut Builder, facts: &Facts) {
    let libc = facts.package_time("libc6");
    let dir = "/usr/lib/x86_64-linux-gnu";
    for (name, size) in [
        ("libc.so.6", 2_216_304u64),
        ("libm.so.6", 940_560),
        ("libpthread.so.0", 21_448),
        ("libdl.so.2", 14_432),
        ("librt.so.1", 14_664),
        ("libresolv.so.2", 68_552),
        ("libnss_files.so.2", 14_664),
        ("ld-linux-x86-64.so.2", 240_936),
        ("libcrypt.so.1.1.0", 202_760),
        ("libz.so.1.2.11", 108_936),
        ("libselinux.so.1", 166_280),
        ("libpcre2-8.so.0.10.4", 613_064),
        ("libssl.so.3", 667_864),
        ("libcrypto.so.3", 4_451_632),
    ] {
        let program: Arc<str> = Arc::from(name);
        b.file(
            &format!("{dir}/{name}"),
            Data::Binary { program, size },
            0o755,
            ROOT,
            libc,
        );
    }
    b.link(&format!("{dir}/libcrypt.so.1"), "libcrypt.so.1.1.0", libc);
    b.link(&format!("{dir}/libz.so.1"), "libz.so.1.2.11", libc);
    b.link(
        "/usr/lib64/ld-linux-x86-64.so.2",
        "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        libc,
    );
    b.link(
        "/usr/lib/systemd/systemd",
        "../../lib/systemd/systemd-bin",
        libc,
    );
    b.dir(
        &format!("/usr/lib/python{}", facts.python),
        0o755,
        ROOT,
        facts.package_time("python"),
    );
    b.dir(
        "/usr/lib/python3",
        0o755,
        ROOT,
        facts.package_time("python3"),
    );
}

fn run_files(b: &mut Builder, facts: &Facts) {
    let utmp = owner("root", "utmp");
    b.file(
        "/run/utmp",
        Data::Zeros(384 * 3),
        0o664,
        utmp,
        facts.after_boot(40, "utmp"),
    );
    b.text(
        "/run/sshd.pid",
        format!("{}\n", 700 + hash(facts.seed, "sshd") % 300),
        0o644,
        ROOT,
        facts.after_boot(12, "sshd.pid"),
    );
    b.text(
        "/run/crond.pid",
        format!("{}\n", 600 + hash(facts.seed, "crond") % 100),
        0o644,
        ROOT,
        facts.after_boot(11, "crond.pid"),
    );
}

/// `/home/<user>` for every account with a home under `/home` and a login shell, with
/// Ubuntu's skeleton files.
fn homes(b: &mut Builder, facts: &Facts) {
    let users: Vec<(String, String)> = b
        .accounts
        .users
        .iter()
        .filter(|u| u.home.starts_with("/home/") && !u.shell.ends_with("nologin"))
        .filter(|u| !u.shell.ends_with("false"))
        .map(|u| (u.name.clone(), u.home.clone()))
        .collect();
    for (name, home) in users {
        let (uid, gid) = match b.accounts.user(&name) {
            Some(u) => (u.uid, u.gid),
            None => continue,
        };
        let time = facts.after_install(600 + (hash(facts.seed, &name) % 3600) as i64, &home);
        for (path, kind) in skeleton(&home) {
            let mut node = match kind {
                None => b.node(
                    super::node::Kind::Dir(Default::default()),
                    0o750,
                    ROOT,
                    time,
                ),
                Some(data) => b.node(super::node::Kind::File(data), 0o644, ROOT, time),
            };
            node.meta.uid = uid;
            node.meta.gid = gid;
            b.put(&path, node);
        }
    }
    let time = facts.after_install(30, "/root/.bashrc");
    b.file(
        "/root/.bashrc",
        Data::Static(ROOT_BASHRC),
        0o644,
        ROOT,
        facts.package_time("base-files"),
    );
    b.file(
        "/root/.profile",
        Data::Static(ROOT_PROFILE),
        0o644,
        ROOT,
        facts.package_time("base-files-profile"),
    );
    b.file(
        "/root/.cache/motd.legal-displayed",
        Data::Static(b""),
        0o644,
        ROOT,
        time,
    );
}

/// Ubuntu's `/etc/skel/.bashrc`.
pub(super) const SKEL_BASHRC: &[u8] = include_bytes!("../../../assets/fs/skel/bashrc");
/// Ubuntu's `/etc/skel/.profile`.
pub(super) const SKEL_PROFILE: &[u8] = include_bytes!("../../../assets/fs/skel/profile");
/// Ubuntu's `/etc/skel/.bash_logout`.
pub(super) const SKEL_BASH_LOGOUT: &[u8] = include_bytes!("../../../assets/fs/skel/bash_logout");
/// Root's `.bashrc` (base-files' `dot.bashrc`).
const ROOT_BASHRC: &[u8] = include_bytes!("../../../assets/fs/root/bashrc");
/// Root's `.profile` (base-files' `dot.profile`).
const ROOT_PROFILE: &[u8] = include_bytes!("../../../assets/fs/root/profile");

/// A home directory as `adduser` makes it: the directory (`None`) and the skeleton files.
pub(super) fn skeleton(home: &str) -> Vec<(String, Option<Data>)> {
    vec![
        (home.to_owned(), None),
        (format!("{home}/.bashrc"), Some(Data::Static(SKEL_BASHRC))),
        (format!("{home}/.profile"), Some(Data::Static(SKEL_PROFILE))),
        (
            format!("{home}/.bash_logout"),
            Some(Data::Static(SKEL_BASH_LOGOUT)),
        ),
    ]
}
