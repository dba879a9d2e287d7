//! `/etc`: Ubuntu's configuration files (from `assets/fs/etc`), those that depend on the
//! profile (`hosts`, `issue`, `os-release`, `shadow`, …), and the profile's own generated
//! files ([`static_files`](crate::host::files::static_files)), which win over everything.

use std::sync::Arc;

use super::accounts::Accounts;
use super::image::{Builder, Owner, ROOT};
use super::node::{Data, Timestamp};
use super::ubuntu::{Facts, hash};
use crate::host::HostProfile;

/// Configuration files shipped as they are: path, contents, mode, owner.
const ASSETS: &[(&str, &[u8], u32, Owner)] = &[
    (
        "/etc/passwd",
        include_bytes!("../../../assets/fs/etc/passwd"),
        0o644,
        ROOT,
    ),
    (
        "/etc/group",
        include_bytes!("../../../assets/fs/etc/group"),
        0o644,
        ROOT,
    ),
    (
        "/etc/shells",
        include_bytes!("../../../assets/fs/etc/shells"),
        0o644,
        ROOT,
    ),
    (
        "/etc/crontab",
        include_bytes!("../../../assets/fs/etc/crontab"),
        0o644,
        ROOT,
    ),
    (
        "/etc/nsswitch.conf",
        include_bytes!("../../../assets/fs/etc/nsswitch.conf"),
        0o644,
        ROOT,
    ),
    (
        "/etc/environment",
        include_bytes!("../../../assets/fs/etc/environment"),
        0o644,
        ROOT,
    ),
    (
        "/etc/host.conf",
        include_bytes!("../../../assets/fs/etc/host.conf"),
        0o644,
        ROOT,
    ),
    (
        "/etc/ld.so.conf",
        include_bytes!("../../../assets/fs/etc/ld.so.conf"),
        0o644,
        ROOT,
    ),
    (
        "/etc/fstab",
        include_bytes!("../../../assets/fs/etc/fstab"),
        0o644,
        ROOT,
    ),
    (
        "/etc/profile",
        include_bytes!("../../../assets/fs/etc/profile"),
        0o644,
        ROOT,
    ),
    (
        "/etc/bash.bashrc",
        include_bytes!("../../../assets/fs/etc/bash.bashrc"),
        0o644,
        ROOT,
    ),
    (
        "/etc/sudoers",
        include_bytes!("../../../assets/fs/etc/sudoers"),
        0o440,
        ROOT,
    ),
    (
        "/etc/ssh/sshd_config",
        include_bytes!("../../../assets/fs/etc/ssh/sshd_config"),
        0o644,
        ROOT,
    ),
    (
        "/run/systemd/resolve/stub-resolv.conf",
        include_bytes!("../../../assets/fs/etc/resolv.conf"),
        0o644,
        Owner {
            user: "systemd-resolve",
            group: "systemd-resolve",
        },
    ),
    ("/etc/skel/.bashrc", super::ubuntu::SKEL_BASHRC, 0o644, ROOT),
    (
        "/etc/skel/.profile",
        super::ubuntu::SKEL_PROFILE,
        0o644,
        ROOT,
    ),
    (
        "/etc/skel/.bash_logout",
        super::ubuntu::SKEL_BASH_LOGOUT,
        0o644,
        ROOT,
    ),
    ("/etc/timezone", b"Etc/UTC\n", 0o644, ROOT),
    ("/etc/hostname", b"localhost\n", 0o644, ROOT),
    ("/etc/cron.daily/apt-compat", CRON_APT, 0o755, ROOT),
    ("/etc/cron.daily/dpkg", CRON_DPKG, 0o755, ROOT),
    ("/etc/cron.daily/logrotate", CRON_LOGROTATE, 0o755, ROOT),
    ("/etc/cron.d/e2scrub_all", CRON_E2SCRUB, 0o644, ROOT),
    ("/etc/cron.hourly/.placeholder", PLACEHOLDER, 0o644, ROOT),
    ("/etc/cron.weekly/.placeholder", PLACEHOLDER, 0o644, ROOT),
    ("/etc/cron.monthly/.placeholder", PLACEHOLDER, 0o644, ROOT),
    ("/etc/cron.d/.placeholder", PLACEHOLDER, 0o644, ROOT),
    ("/etc/sudoers.d/README", SUDOERS_README, 0o440, ROOT),
];

const PLACEHOLDER: &[u8] =
    b"# DO NOT EDIT OR REMOVE\n# This file is a simple placeholder to keep dpkg from removing this directory\n";
const CRON_APT: &[u8] = b"#!/bin/sh\n\nset -e\n\n# Systemd systems use a systemd timer unit which is preferable to\n# run. We want to randomize the apt update and unattended-upgrade\n# runs as much as possible to avoid hitting the mirrors all at the\n# same time. The systemd time is better at this than the fixed\n# cron.daily time\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n\ncheck_power()\n{\n    # laptop check, on_ac_power returns:\n    #       0 (true)    System is on main power\n    #       1 (false)   System is not on main power\n    #       255 (false) Power status could not be determined\n    # Desktop systems always return 255 it seems\n    if which on_ac_power >/dev/null 2>&1; then\n        if on_ac_power; then\n            return 0\n        fi\n        return 1\n    fi\n    return 0\n}\n\n# sleep for a random interval of time (default 30min)\n# (some code taken from cron-apt, thanks)\nrandom_sleep()\n{\n    RandomSleep=1800\n    eval $(apt-config shell RandomSleep APT::Periodic::RandomSleep)\n    if [ $RandomSleep -eq 0 ]; then\n\treturn\n    fi\n    if [ -z \"$RANDOM\" ] ; then\n        # A fix for shells that do not have this bash feature.\n\tRANDOM=$(( $(dd if=/dev/urandom bs=2 count=1 2> /dev/null | cksum | cut -d' ' -f1) % 32767 ))\n    fi\n    TIME=$(($RANDOM % $RandomSleep))\n    sleep $TIME\n}\n\n# delay the job execution by a random amount of time\nrandom_sleep\n\n# ensure we don't do this on battery\ncheck_power || exit 0\n\n# run daily job\nexec /usr/lib/apt/apt.systemd.daily\n";
const CRON_DPKG: &[u8] = b"#!/bin/sh\n\n# Skip if systemd is running.\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n\n/usr/libexec/dpkg/dpkg-db-backup\n";
const CRON_LOGROTATE: &[u8] = b"#!/bin/sh\n\n# skip in favour of systemd timer\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n\n# this cronjob persists removals (but not purges)\nif [ ! -x /usr/sbin/logrotate ]; then\n    exit 0\nfi\n\n/usr/sbin/logrotate /etc/logrotate.conf\nEXITVALUE=$?\nif [ $EXITVALUE != 0 ]; then\n    /usr/bin/logger -t logrotate \"ALERT exited abnormally with [$EXITVALUE]\"\nfi\nexit $EXITVALUE\n";
const CRON_E2SCRUB: &[u8] = b"30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r\n";
const SUDOERS_README: &[u8] = b"#\n# The default /etc/sudoers file created on installation of the\n# sudo  package now includes the directive:\n# \n# \t@includedir /etc/sudoers.d\n# \n# This will cause sudo to read and parse any files in the /etc/sudoers.d \n# directory that do not end in '~' or contain a '.' character.\n# \n# Note that there must be at least one file in the sudoers.d directory (this\n# one will do).\n# \n# Note also, that because sudoers contents can vary widely, no attempt is \n# made to add this directive to existing sudoers files on upgrade.  Feel free\n# to add the above directive to the end of your /etc/sudoers file to enable \n# this functionality for existing installations if you wish! Sudo\n# versions older than the one in Ubuntu 11.04 \"natty\" should be patched\n# to include this directive.\n#\n# Finally, please note that using the visudo command is the recommended way\n# to update sudoers content, since it protects against many failure modes.\n# See the man page for visudo and sudoers for more information.\n#\n";

/// Directories of `/etc` beyond those files create.
const DIRS: &[&str] = &[
    "/etc/apt",
    "/etc/apt/apt.conf.d",
    "/etc/apt/sources.list.d",
    "/etc/apt/trusted.gpg.d",
    "/etc/cloud",
    "/etc/default",
    "/etc/dpkg",
    "/etc/init.d",
    "/etc/ld.so.conf.d",
    "/etc/logrotate.d",
    "/etc/modprobe.d",
    "/etc/netplan",
    "/etc/network",
    "/etc/pam.d",
    "/etc/profile.d",
    "/etc/rsyslog.d",
    "/etc/security",
    "/etc/ssl",
    "/etc/ssl/certs",
    "/etc/ssl/private",
    "/etc/sysctl.d",
    "/etc/systemd",
    "/etc/systemd/system",
    "/etc/ufw",
    "/etc/update-motd.d",
    "/etc/ssh/sshd_config.d",
    "/etc/ssh/ssh_config.d",
];

/// Installs `/etc` and returns the accounts its `passwd` and `group` define.
pub(super) fn install(b: &mut Builder, profile: &HostProfile, facts: &Facts) -> Accounts {
    let time = facts.after_install(0, "/etc");
    for path in DIRS {
        let mode = if *path == "/etc/ssl/private" {
            0o700
        } else {
            0o755
        };
        b.dir(
            path,
            mode,
            ROOT,
            facts.after_install((hash(facts.seed, path) % 900) as i64, path),
        );
    }
    for (path, bytes, mode, who) in ASSETS {
        let when = facts.after_install((hash(facts.seed, path) % 1800) as i64, path);
        b.file(path, Data::Static(bytes), *mode, *who, when);
    }
    let text = |s: String| Data::Bytes(Arc::new(s.into_bytes()));
    let pretty = &profile.distro;
    let point = pretty.split_whitespace().nth(1).unwrap_or(facts.release);
    let name = match facts.codename {
        "focal" => "Focal Fossa",
        "noble" => "Noble Numbat",
        _ => "Jammy Jellyfish",
    };
    let logo = if facts.codename == "noble" {
        "LOGO=ubuntu-logo\n"
    } else {
        ""
    };
    let os_release = format!(
        "PRETTY_NAME=\"{pretty}\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"{release}\"\nVERSION=\"{point} LTS ({name})\"\nVERSION_CODENAME={code}\nID=ubuntu\nID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\nSUPPORT_URL=\"https://help.ubuntu.com/\"\nBUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\nPRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\nUBUNTU_CODENAME={code}\n{logo}",
        release = facts.release,
        code = facts.codename,
    );
    let package = facts.package_time("base-files");
    b.file(
        "/usr/lib/os-release",
        text(os_release),
        0o644,
        ROOT,
        package,
    );
    b.link("/etc/os-release", "../usr/lib/os-release", package);
    b.file(
        "/etc/lsb-release",
        text(format!(
            "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE={}\nDISTRIB_CODENAME={}\nDISTRIB_DESCRIPTION=\"{pretty}\"\n",
            facts.release, facts.codename
        )),
        0o644,
        ROOT,
        package,
    );
    b.file(
        "/etc/issue",
        text(format!("{pretty} \\n \\l\n\n")),
        0o644,
        ROOT,
        package,
    );
    b.file(
        "/etc/issue.net",
        text(format!("{pretty}\n")),
        0o644,
        ROOT,
        package,
    );
    let debian = match facts.codename {
        "focal" => "bullseye/sid",
        "noble" => "trixie/sid",
        _ => "bookworm/sid",
    };
    b.file(
        "/etc/debian_version",
        text(format!("{debian}\n")),
        0o644,
        ROOT,
        package,
    );
    b.file(
        "/etc/machine-id",
        text(format!(
            "{:016x}{:016x}\n",
            hash(facts.seed, "machine-id"),
            hash(facts.seed, "machine-id-2")
        )),
        0o444,
        ROOT,
        time,
    );
    b.file(
        "/etc/hosts",
        text(format!(
            "127.0.0.1 localhost\n127.0.1.1 {}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n",
            profile.short_hostname()
        )),
        0o644,
        ROOT,
        time,
    );
    install_sources(b, facts, time);
    b.link(
        "/etc/resolv.conf",
        "../run/systemd/resolve/stub-resolv.conf",
        time,
    );
    b.link("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC", time);
    b.link("/etc/mtab", "../proc/self/mounts", time);
    apply_static(b, profile, time);
    let passwd = read_text(b, "/etc/passwd");
    let group = read_text(b, "/etc/group");
    let accounts = Accounts::parse(&passwd, &group);
    b.accounts = accounts.clone();
    if b.get("/etc/shadow").is_none() {
        let shadow = shadow(&accounts, facts);
        let who = Owner {
            user: "root",
            group: "shadow",
        };
        b.file("/etc/shadow", text(shadow), 0o640, who, time);
        let gshadow: String = accounts
            .groups
            .iter()
            .map(|g| format!("{}:*::{}\n", g.name, g.members.join(",")))
            .collect();
        b.file("/etc/gshadow", text(gshadow), 0o640, who, time);
    }
    accounts
}

/// Puts the profile's generated files in place, last, so they win over everything.
pub(super) fn install_generated(b: &mut Builder, profile: &HostProfile, facts: &Facts) {
    apply_static(b, profile, facts.after_install(0, "/etc"));
}

fn apply_static(b: &mut Builder, profile: &HostProfile, time: Timestamp) {
    for (path, contents) in crate::host::files::static_files(profile) {
        if path.starts_with('/') && !path.starts_with("/proc/") {
            b.install(&path, contents, time);
        }
    }
}

fn read_text(b: &Builder, path: &str) -> String {
    match b.get(path).map(|n| &n.kind) {
        Some(super::node::Kind::File(Data::Bytes(bytes))) => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        Some(super::node::Kind::File(Data::Static(bytes))) => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        _ => String::new(),
    }
}

/// `/etc/shadow` for `accounts`: system accounts locked (`*`), root locked as cloud images
/// ship it, login users with a SHA-512 crypt hash.
fn shadow(accounts: &Accounts, facts: &Facts) -> String {
    let day = facts.install.secs / 86_400;
    let mut out = String::new();
    for user in &accounts.users {
        let hash_field = if user.uid >= 1000 && user.uid < 65_534 {
            crypt_like(facts.seed, &user.name)
        } else {
            "*".to_owned()
        };
        out.push_str(&format!("{}:{hash_field}:{day}:0:99999:7:::\n", user.name));
    }
    out
}

/// A `$6$salt$hash` string with the right alphabet and lengths (16-char salt, 86-char hash).
fn crypt_like(seed: u64, name: &str) -> String {
    const ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut state = hash(seed, name) | 1;
    let mut take = |n: usize| -> String {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ALPHABET[(state % 64) as usize] as char
            })
            .collect()
    };
    let salt = take(16);
    let body = take(86);
    format!("$6${salt}${body}")
}

/// APT's sources for the release: the classic `sources.list` (20.04, 22.04) or the deb822
/// `ubuntu.sources` that 24.04 moved to.
fn install_sources(b: &mut Builder, facts: &Facts, time: Timestamp) {
    let code = facts.codename;
    let text = |s: String| Data::Bytes(Arc::new(s.into_bytes()));
    let components = "main restricted universe multiverse";
    let sources = if code == "noble" {
        let deb822 = format!(
            "Types: deb\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: {code} {code}-updates {code}-backports\nComponents: {components}\nSigned-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n\nTypes: deb\nURIs: http://security.ubuntu.com/ubuntu/\nSuites: {code}-security\nComponents: {components}\nSigned-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n"
        );
        b.file(
            "/etc/apt/sources.list.d/ubuntu.sources",
            text(deb822),
            0o644,
            ROOT,
            time,
        );
        "# Ubuntu sources have moved to /etc/apt/sources.list.d/ubuntu.sources\n".to_owned()
    } else {
        let mut list = String::from(
            "# See http://help.ubuntu.com/community/UpgradeNotes for how to upgrade to\n# newer versions of the distribution.\n",
        );
        for (suite, comment) in [
            ("", ""),
            (
                "-updates",
                "\n## Major bug fix updates produced after the final release of the\n## distribution.\n",
            ),
            (
                "-backports",
                "\n## Backports of newer software to this release.\n",
            ),
        ] {
            list.push_str(comment);
            list.push_str(&format!(
                "deb http://archive.ubuntu.com/ubuntu/ {code}{suite} {components}\n# deb-src http://archive.ubuntu.com/ubuntu/ {code}{suite} {components}\n"
            ));
        }
        list.push_str(&format!(
            "\ndeb http://security.ubuntu.com/ubuntu {code}-security {components}\n# deb-src http://security.ubuntu.com/ubuntu {code}-security {components}\n"
        ));
        list
    };
    b.file("/etc/apt/sources.list", text(sources), 0o644, ROOT, time);
}
