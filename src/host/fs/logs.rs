//! `/var/log`: the logs a server has a while after install, generated from the profile so
//! the hostname, kernel and dates agree with everything else: `auth.log` (cron sessions,
//! the admin's logins, the internet's password guessing), `syslog` and `kern.log` from the
//! last boot, `dpkg.log` from the install, and the binary login records.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::image::{Builder, Owner, ROOT};
use super::node::{Data, Timestamp};
use super::ubuntu::{Facts, hash};
use crate::host::HostProfile;

const SYSLOG_ADM: Owner = Owner {
    user: "syslog",
    group: "adm",
};
const ROOT_UTMP: Owner = Owner {
    user: "root",
    group: "utmp",
};

/// Most lines one generated log holds.
const MAX_LINES: usize = 400;

/// Installs `/var/log`.
pub(super) fn install(b: &mut Builder, profile: &HostProfile, facts: &Facts) {
    let host = profile.short_hostname().to_owned();
    let iso = facts.release == "24.04";
    let boot = facts.boot.secs;
    let text = |s: String| Data::Bytes(Arc::new(s.into_bytes()));

    let now = facts.now.secs;
    let auth_start = now - 86_400 * 2;
    let auth = auth_log(facts, &host, iso, auth_start, now);
    b.file(
        "/var/log/auth.log",
        text(auth),
        0o640,
        SYSLOG_ADM,
        facts.before_now((hash(facts.seed, "auth-age") % 2_400) as i64, "auth"),
    );
    let previous = auth_log(facts, &host, iso, auth_start - 86_400 * 5, auth_start);
    b.file(
        "/var/log/auth.log.1",
        text(previous),
        0o640,
        SYSLOG_ADM,
        Timestamp {
            secs: auth_start,
            nanos: 0,
        },
    );

    let kernel = kernel_log(profile, &host, iso, boot);
    b.file(
        "/var/log/kern.log",
        text(kernel.clone()),
        0o640,
        SYSLOG_ADM,
        facts.after_boot(40, "kern"),
    );
    // The boot's lines stay in syslog for the first day; later they have been rotated away.
    let mut syslog = if now - boot < 86_400 {
        kernel
    } else {
        String::new()
    };
    for (offset, line) in [
        (2, "systemd[1]: Started Journal Service."),
        (3, "systemd[1]: Starting Network Configuration..."),
        (4, "systemd-networkd[512]: eth0: Link UP"),
        (4, "systemd-networkd[512]: eth0: Gained carrier"),
        (5, "systemd[1]: Started Network Configuration."),
        (6, "systemd[1]: Started Network Time Synchronization."),
        (
            7,
            "systemd[1]: Started Regular background program processing daemon.",
        ),
        (7, "cron[601]: (CRON) INFO (pidfile fd = 3)"),
        (7, "cron[601]: (CRON) INFO (Running @reboot jobs)"),
        (8, "systemd[1]: Starting OpenBSD Secure Shell server..."),
        (8, "systemd[1]: Started OpenBSD Secure Shell server."),
        (9, "systemd[1]: Reached target Multi-User System."),
        (
            9,
            "systemd[1]: Startup finished in 2.118s (kernel) + 7.402s (userspace) = 9.520s.",
        ),
    ] {
        if now - boot < 86_400 {
            writeln!(syslog, "{} {host} {line}", stamp(boot + offset, iso)).ok();
        }
    }
    let mut hour = (now - 6 * 3_600) - (now - 6 * 3_600).rem_euclid(3_600) + 17 * 60;
    while hour < now {
        if hour > boot + 60 {
            let pid = 2_000 + hash(facts.seed, &format!("syslog{hour}")) % 60_000;
            writeln!(
                syslog,
                "{} {host} CRON[{pid}]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
                stamp(hour + 1, iso)
            )
            .ok();
        }
        hour += 3_600;
    }
    b.file(
        "/var/log/syslog",
        text(syslog),
        0o640,
        SYSLOG_ADM,
        facts.before_now((hash(facts.seed, "syslog-age") % 1_200) as i64, "syslog"),
    );
    b.file(
        "/var/log/dpkg.log",
        text(dpkg_log(facts)),
        0o644,
        ROOT,
        facts.after_install(1_500, "dpkg"),
    );
    b.file(
        "/var/log/alternatives.log",
        text(format!(
            "update-alternatives {}: run with --install /usr/bin/editor editor /bin/nano 40 --slave /usr/share/man/man1/editor.1.gz editor.1.gz /usr/share/man/man1/nano.1.gz\n",
            date_time(facts.install.secs + 600)
        )),
        0o644,
        ROOT,
        facts.after_install(600, "alternatives.log"),
    );
    b.dir(
        "/var/log/apt",
        0o755,
        ROOT,
        facts.after_install(1_500, "apt"),
    );
    b.file(
        "/var/log/apt/history.log",
        text(format!(
            "\nStart-Date: {}\nCommandline: apt-get -y install unattended-upgrades\nInstall: unattended-upgrades:amd64 (2.8ubuntu1)\nEnd-Date: {}\n",
            date_time(facts.install.secs + 1_400).replacen(' ', "  ", 1),
            date_time(facts.install.secs + 1_460).replacen(' ', "  ", 1)
        )),
        0o644,
        ROOT,
        facts.after_install(1_460, "history.log"),
    );
    b.file(
        "/var/log/apt/term.log",
        Data::Static(b""),
        0o640,
        Owner {
            user: "root",
            group: "adm",
        },
        facts.after_install(1_460, "term.log"),
    );
    let logins = 3 + hash(facts.seed, "wtmp") % 20;
    b.file(
        "/var/log/wtmp",
        Data::Zeros(384 * logins),
        0o664,
        ROOT_UTMP,
        facts.after_boot(60, "wtmp"),
    );
    let failures = 40 + hash(facts.seed, "btmp") % 4_000;
    b.file(
        "/var/log/btmp",
        Data::Zeros(384 * failures),
        0o660,
        ROOT_UTMP,
        facts.before_now((hash(facts.seed, "btmp-age") % 3_000) as i64, "btmp"),
    );
    b.file(
        "/var/log/lastlog",
        Data::Zeros(292_292),
        0o664,
        ROOT_UTMP,
        facts.after_boot(60, "lastlog"),
    );
    b.file(
        "/var/log/faillog",
        Data::Zeros(32_032),
        0o644,
        ROOT,
        facts.after_install(60, "faillog"),
    );
    b.dir(
        "/var/log/journal",
        0o2755,
        Owner {
            user: "root",
            group: "systemd-journal",
        },
        facts.after_install(30, "journal"),
    );
    b.dir(
        "/var/log/private",
        0o700,
        ROOT,
        facts.after_install(30, "private"),
    );
    b.dir(
        "/var/log/dist-upgrade",
        0o755,
        ROOT,
        facts.after_install(30, "dist-upgrade"),
    );
    b.dir(
        "/var/log/unattended-upgrades",
        0o750,
        Owner {
            user: "root",
            group: "adm",
        },
        facts.after_install(1_500, "unattended-upgrades"),
    );
}

/// A syslog time: `Nov 14 13:30:08` (20.04, 22.04) or RFC 3339 with microseconds (24.04).
fn stamp(secs: i64, iso: bool) -> String {
    let t: DateTime<Utc> = Timestamp { secs, nanos: 0 }.to_datetime();
    if iso {
        t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
    } else {
        t.format("%b %e %H:%M:%S").to_string()
    }
}

fn date_time(secs: i64) -> String {
    Timestamp { secs, nanos: 0 }
        .to_datetime()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `auth.log` between `from` and `to`: hourly cron sessions, an admin login a day, and
/// password guessing from the internet.
fn auth_log(facts: &Facts, host: &str, iso: bool, from: i64, to: i64) -> String {
    let mut out = String::new();
    let mut lines = 0;
    let mut pid = 1_000 + hash(facts.seed, &from.to_string()) % 20_000;
    let by = if facts.release == "20.04" {
        "root by (uid=0)"
    } else {
        "root(uid=0) by (uid=0)"
    };
    let mut hour = from - from.rem_euclid(3_600) + 17 * 60;
    while hour < to && lines < MAX_LINES {
        if hour >= from {
            pid += 1 + hash(facts.seed, &hour.to_string()) % 400;
            let t = stamp(hour + 1, iso);
            writeln!(
                out,
                "{t} {host} CRON[{pid}]: pam_unix(cron:session): session opened for user {by}"
            )
            .ok();
            writeln!(
                out,
                "{t} {host} CRON[{pid}]: pam_unix(cron:session): session closed for user root"
            )
            .ok();
            lines += 2;
            let roll = hash(facts.seed, &format!("guess{hour}"));
            if roll.is_multiple_of(3) {
                let at = hour + 600 + (roll % 1_800) as i64;
                let ip = format!(
                    "{}.{}.{}.{}",
                    [45, 61, 92, 103, 112, 141, 159, 176, 183, 194, 218][(roll % 11) as usize],
                    (roll >> 8) % 256,
                    (roll >> 16) % 256,
                    1 + (roll >> 24) % 254
                );
                let port = 30_000 + (roll >> 32) % 35_000;
                let user = [
                    "admin", "test", "oracle", "postgres", "ubuntu", "user", "git",
                ][(roll >> 40) as usize % 7];
                pid += 3;
                let t = stamp(at, iso);
                writeln!(
                    out,
                    "{t} {host} sshd[{pid}]: Invalid user {user} from {ip} port {port}"
                )
                .ok();
                writeln!(out, "{t} {host} sshd[{pid}]: Received disconnect from {ip} port {port}:11: Bye Bye [preauth]").ok();
                writeln!(out, "{t} {host} sshd[{pid}]: Disconnected from invalid user {user} {ip} port {port} [preauth]").ok();
                lines += 3;
            }
        }
        hour += 3_600;
    }
    out
}

/// The first kernel lines of the boot, as `kern.log` and `syslog` keep them. The banner is
/// `/proc/version`'s, so the two agree.
fn kernel_log(profile: &HostProfile, host: &str, iso: bool, boot: i64) -> String {
    let t = stamp(boot, iso);
    let release = &profile.kernel_release;
    let when = Timestamp {
        secs: boot,
        nanos: 0,
    }
    .to_datetime();
    let banner = crate::host::files::dynamic_file("/proc/version", profile, when)
        .map(|b| String::from_utf8_lossy(&b).trim_end().to_owned())
        .unwrap_or_else(|| format!("Linux version {release} {}", profile.kernel_version));
    let mut out = String::new();
    for (uptime, message) in [
        ("0.000000", banner),
        (
            "0.000000",
            format!(
                "Command line: BOOT_IMAGE=/boot/vmlinuz-{release} root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0"
            ),
        ),
        ("0.000000", "KERNEL supported cpus:".to_owned()),
        ("0.000000", "  Intel GenuineIntel".to_owned()),
        ("0.000000", "  AMD AuthenticAMD".to_owned()),
        ("0.000000", "  Hygon HygonGenuine".to_owned()),
        ("0.000000", "  Centaur CentaurHauls".to_owned()),
        ("0.000000", "  zhaoxin   Shanghai  ".to_owned()),
        ("0.000000", "BIOS-provided physical RAM map:".to_owned()),
        (
            "1.530118",
            "systemd[1]: Inserted module 'autofs4'".to_owned(),
        ),
    ] {
        writeln!(out, "{t} {host} kernel: [{uptime:>12}] {message}").ok();
    }
    out
}

/// `dpkg.log` lines from the install.
fn dpkg_log(facts: &Facts) -> String {
    let mut out = String::new();
    let mut t = facts.install.secs + 1_400;
    writeln!(out, "{} startup archives unpack", date_time(t)).ok();
    for package in [
        "unattended-upgrades",
        "python3-distro-info",
        "libdbus-glib-1-2",
    ] {
        t += 2;
        writeln!(
            out,
            "{} install {package}:all <none> 2.8ubuntu1",
            date_time(t)
        )
        .ok();
        writeln!(
            out,
            "{} status half-installed {package}:all 2.8ubuntu1",
            date_time(t)
        )
        .ok();
        t += 1;
        writeln!(
            out,
            "{} status unpacked {package}:all 2.8ubuntu1",
            date_time(t)
        )
        .ok();
    }
    t += 3;
    writeln!(out, "{} startup packages configure", date_time(t)).ok();
    writeln!(
        out,
        "{} configure unattended-upgrades:all 2.8ubuntu1 <none>",
        date_time(t)
    )
    .ok();
    writeln!(
        out,
        "{} status installed unattended-upgrades:all 2.8ubuntu1",
        date_time(t + 1)
    )
    .ok();
    out
}
