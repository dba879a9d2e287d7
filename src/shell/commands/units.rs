//! The systemd units of the fake host: one per daemon of the profile's process table (so
//! `systemctl` agrees with `ps`), plus the oneshot units every Ubuntu server has run at boot,
//! with the session's starts and stops applied.

use chrono::{DateTime, Duration, Utc};

use super::CommandCtx;
use crate::host::processes::Service;

/// What systemd knows about one service unit.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// Full name, `ssh.service`.
    pub name: String,
    /// `Description=`.
    pub description: &'static str,
    /// `Documentation=` entries.
    pub docs: &'static [&'static str],
    /// Whether it runs now.
    pub active: bool,
    /// Whether it is a oneshot that stays `active (exited)`.
    pub oneshot: bool,
    /// The unit file state (`enabled`, `disabled`, `static`).
    pub file_state: &'static str,
    /// The vendor preset.
    pub preset: &'static str,
    /// When it entered its current state.
    pub since: DateTime<Utc>,
    /// Its main process, when running a daemon.
    pub main: Option<Service>,
    /// Its other processes (nginx workers).
    pub others: Vec<Service>,
    /// The script in `/etc/init.d`, if it has one.
    pub sysv: Option<&'static str>,
}

/// A daemon's unit: (comm, unit, description, docs, file state, init script).
type DaemonUnit = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    Option<&'static str>,
);

/// Units of the daemons the profile may run, found by `comm` (and command line for
/// `python3`).
const DAEMONS: &[DaemonUnit] = &[
    (
        "systemd-journal",
        "systemd-journald",
        "Journal Service",
        &["man:systemd-journald.service(8)", "man:journald.conf(5)"],
        "static",
        None,
    ),
    (
        "multipathd",
        "multipathd",
        "Device-Mapper Multipath Device Controller",
        &[],
        "enabled",
        Some("multipath-tools"),
    ),
    (
        "systemd-udevd",
        "systemd-udevd",
        "Rule-based Manager for Device Events and Files",
        &["man:systemd-udevd.service(8)", "man:udev(7)"],
        "static",
        Some("udev"),
    ),
    (
        "systemd-network",
        "systemd-networkd",
        "Network Configuration",
        &["man:systemd-networkd.service(8)"],
        "enabled",
        None,
    ),
    (
        "systemd-resolve",
        "systemd-resolved",
        "Network Name Resolution",
        &[
            "man:systemd-resolved.service(8)",
            "man:org.freedesktop.resolve1(5)",
            "https://www.freedesktop.org/wiki/Software/systemd/writing-network-configuration-managers",
            "https://www.freedesktop.org/wiki/Software/systemd/writing-resolver-clients",
        ],
        "enabled",
        None,
    ),
    (
        "systemd-timesyn",
        "systemd-timesyncd",
        "Network Time Synchronization",
        &["man:systemd-timesyncd.service(8)"],
        "enabled",
        None,
    ),
    (
        "amazon-ssm-agen",
        "snap.amazon-ssm-agent.amazon-ssm-agent",
        "Service for snap application amazon-ssm-agent.amazon-ssm-agent",
        &[],
        "enabled",
        None,
    ),
    (
        "python3",
        "walinuxagent",
        "Azure Linux Agent",
        &[],
        "enabled",
        None,
    ),
    (
        "google_guest_ag",
        "google-guest-agent",
        "Google Compute Engine Guest Agent",
        &[],
        "enabled",
        None,
    ),
    (
        "droplet-agent",
        "droplet-agent",
        "The DigitalOcean Droplet Agent",
        &[],
        "enabled",
        None,
    ),
    (
        "vmtoolsd",
        "open-vm-tools",
        "Service for virtual machines hosted on VMware",
        &["http://github.com/vmware/open-vm-tools"],
        "enabled",
        Some("open-vm-tools"),
    ),
    (
        "qemu-ga",
        "qemu-guest-agent",
        "QEMU Guest Agent",
        &[],
        "static",
        Some("qemu-guest-agent"),
    ),
    (
        "cron",
        "cron",
        "Regular background program processing daemon",
        &["man:cron(8)"],
        "enabled",
        Some("cron"),
    ),
    (
        "dbus-daemon",
        "dbus",
        "D-Bus System Message Bus",
        &["man:dbus-daemon(1)"],
        "static",
        Some("dbus"),
    ),
    (
        "polkitd",
        "polkit",
        "Authorization Manager",
        &["man:polkit(8)"],
        "static",
        None,
    ),
    (
        "irqbalance",
        "irqbalance",
        "irqbalance daemon",
        &[
            "man:irqbalance(1)",
            "https://github.com/Irqbalance/irqbalance",
        ],
        "enabled",
        Some("irqbalance"),
    ),
    (
        "networkd-dispat",
        "networkd-dispatcher",
        "Dispatcher daemon for systemd-networkd",
        &[],
        "enabled",
        None,
    ),
    (
        "rsyslogd",
        "rsyslog",
        "System Logging Service",
        &[
            "man:rsyslogd(8)",
            "man:rsyslog.conf(5)",
            "https://www.rsyslog.com/doc/",
        ],
        "enabled",
        Some("rsyslog"),
    ),
    ("snapd", "snapd", "Snap Daemon", &[], "enabled", None),
    (
        "systemd-logind",
        "systemd-logind",
        "User Login Management",
        &[
            "man:sd-login(3)",
            "man:systemd-logind.service(8)",
            "man:logind.conf(5)",
            "man:org.freedesktop.login1(5)",
        ],
        "static",
        None,
    ),
    (
        "udisksd",
        "udisks2",
        "Disk Manager",
        &["man:udisks(8)"],
        "enabled",
        None,
    ),
    (
        "unattended-upgr",
        "unattended-upgrades",
        "Unattended Upgrades Shutdown",
        &["man:unattended-upgrade(8)"],
        "enabled",
        Some("unattended-upgrades"),
    ),
    (
        "ModemManager",
        "ModemManager",
        "Modem Manager",
        &[],
        "enabled",
        None,
    ),
    (
        "sshd",
        "ssh",
        "OpenBSD Secure Shell server",
        &["man:sshd(8)", "man:sshd_config(5)"],
        "enabled",
        Some("ssh"),
    ),
    (
        "nginx",
        "nginx",
        "A high performance web server and a reverse proxy server",
        &["man:nginx(8)"],
        "enabled",
        Some("nginx"),
    ),
];

/// Oneshot units that ran at boot and stay `active (exited)`: (unit, description, file
/// state, init script).
const ONESHOTS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "apparmor",
        "Load AppArmor profiles",
        "enabled",
        Some("apparmor"),
    ),
    (
        "apport",
        "LSB: automatic crash report generation",
        "generated",
        Some("apport"),
    ),
    (
        "blk-availability",
        "Availability of block devices",
        "enabled",
        None,
    ),
    (
        "console-setup",
        "Set console font and keymap",
        "enabled",
        Some("console-setup.sh"),
    ),
    (
        "keyboard-setup",
        "Set the console keyboard layout",
        "enabled",
        Some("keyboard-setup.sh"),
    ),
    (
        "kmod-static-nodes",
        "Create List of Static Device Nodes",
        "static",
        Some("kmod"),
    ),
    (
        "plymouth-quit-wait",
        "Hold until boot process finishes up",
        "static",
        None,
    ),
    (
        "plymouth-quit",
        "Terminate Plymouth Boot Screen",
        "static",
        None,
    ),
    (
        "plymouth-read-write",
        "Tell Plymouth To Write Out Runtime Data",
        "static",
        None,
    ),
    ("setvtrgb", "Set console scheme", "enabled", None),
    (
        "systemd-journal-flush",
        "Flush Journal to Persistent Storage",
        "static",
        None,
    ),
    (
        "systemd-modules-load",
        "Load Kernel Modules",
        "static",
        None,
    ),
    (
        "systemd-random-seed",
        "Load/Save Random Seed",
        "static",
        None,
    ),
    (
        "systemd-remount-fs",
        "Remount Root and Kernel File Systems",
        "enabled-runtime",
        None,
    ),
    (
        "systemd-sysctl",
        "Apply Kernel Variables",
        "static",
        Some("procps"),
    ),
    (
        "systemd-tmpfiles-setup-dev",
        "Create Static Device Nodes in /dev",
        "static",
        None,
    ),
    (
        "systemd-tmpfiles-setup",
        "Create Volatile Files and Directories",
        "static",
        None,
    ),
    (
        "systemd-udev-trigger",
        "Coldplug All udev Devices",
        "static",
        None,
    ),
    (
        "systemd-update-utmp",
        "Record System Boot/Shutdown in UTMP",
        "static",
        None,
    ),
    (
        "systemd-user-sessions",
        "Permit User Sessions",
        "static",
        None,
    ),
    ("ufw", "Uncomplicated firewall", "enabled", Some("ufw")),
];

/// Init scripts in `/etc/init.d` that have no running or exited unit: (script, unit).
pub(crate) const IDLE_SCRIPTS: &[&str] = &[
    "cryptdisks",
    "cryptdisks-early",
    "grub-common",
    "hwclock.sh",
    "iscsid",
    "lvm2",
    "open-iscsi",
    "plymouth",
    "plymouth-log",
    "rsync",
    "screen-cleanup",
    "uuidd",
];

/// Every loaded service unit, sorted by name, with the session's changes applied.
pub(crate) fn units(cx: &CommandCtx<'_>) -> Vec<Unit> {
    let host = cx.host;
    let mut list = Vec::new();
    for &(comm, unit, description, docs, file_state, sysv) in DAEMONS {
        let mut matching = host.services.iter().filter(|s| s.comm == comm);
        let Some(main) = matching.next() else {
            continue;
        };
        let others: Vec<Service> = matching.filter(|s| s.ppid == main.pid).cloned().collect();
        list.push(Unit {
            name: format!("{unit}.service"),
            description,
            docs,
            active: true,
            oneshot: false,
            file_state,
            preset: "enabled",
            since: host.boot_time + Duration::seconds(i64::from(main.start_offset)),
            main: Some(main.clone()),
            others,
            sysv,
        });
    }
    for &(unit, description, file_state, sysv) in ONESHOTS {
        list.push(Unit {
            name: format!("{unit}.service"),
            description,
            docs: &[],
            active: true,
            oneshot: true,
            file_state,
            preset: "enabled",
            since: host.boot_time + Duration::seconds(3),
            main: None,
            others: Vec::new(),
            sysv,
        });
    }
    for unit in &mut list {
        if let Some(change) = cx.state.admin.units.get(&unit.name) {
            if let Some(active) = change.active {
                unit.active = active;
            }
            if let Some(since) = change.since {
                unit.since = since;
            }
            match change.enabled {
                Some(true) if unit.file_state == "disabled" => unit.file_state = "enabled",
                Some(false) if unit.file_state == "enabled" => unit.file_state = "disabled",
                _ => {}
            }
        }
    }
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}

/// The unit `name` stands for: `ssh`, `ssh.service`, or an alias (`sshd`).
pub(crate) fn find(cx: &CommandCtx<'_>, name: &str) -> Option<Unit> {
    let full = unit_name(name);
    let full = match full.as_str() {
        "sshd.service" => "ssh.service".to_owned(),
        "syslog.service" => "rsyslog.service".to_owned(),
        "dbus-org.freedesktop.resolve1.service" => "systemd-resolved.service".to_owned(),
        _ => full,
    };
    units(cx).into_iter().find(|u| u.name == full)
}

/// `name` with `.service` appended unless it names a unit type already.
pub(crate) fn unit_name(name: &str) -> String {
    const TYPES: &[&str] = &[
        ".service",
        ".socket",
        ".target",
        ".timer",
        ".mount",
        ".path",
        ".slice",
        ".scope",
        ".device",
        ".swap",
        ".automount",
    ];
    if TYPES.iter().any(|t| name.ends_with(t)) {
        name.to_owned()
    } else {
        format!("{name}.service")
    }
}
