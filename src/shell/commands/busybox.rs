//! `busybox`: the multi-call binary, as the host's `busybox-static` package answers.
//!
//! `busybox` alone (or `--help`) prints the banner and the applet list; `--list` lists the
//! applets one per line; `busybox APPLET ARGS…` runs our command of that name (`ls`, `cat`,
//! `wget`, `tftp`, …) as if invoked as `APPLET`. A name that is no applet gets
//! `APPLET: applet not found` and status 127, which is what IoT bots probe for
//! (`/bin/busybox MIRAI`). The texts are those of Debian's busybox 1.35 with the banner of the
//! version `dpkg -l` lists; applets we do not emulate run as if they did nothing and succeeded.

use super::fetch_more::busybox_banner;
use super::{Command, CommandCtx, lookup, usr_bin};

/// The help text after the banner line.
const HELP: &str = include_str!("busybox/help.txt");
/// The applets, one per line.
const APPLETS: &str = include_str!("busybox/applets.txt");

/// `busybox`.
pub struct Busybox;

impl Command for Busybox {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("busybox")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        // `busybox busybox ls` is `busybox ls`.
        let skip = argv
            .iter()
            .skip(1)
            .take_while(|a| a.rsplit('/').next() == Some("busybox"))
            .count();
        let args = argv.get(1 + skip..).unwrap_or_default();
        let Some(applet) = args.first() else {
            cx.out(format!("{}{HELP}", busybox_banner(cx.host)));
            return 0;
        };
        match applet.as_str() {
            "--help" => {
                cx.out(format!("{}{HELP}", busybox_banner(cx.host)));
                return 0;
            }
            "--list" => {
                cx.out(APPLETS);
                return 0;
            }
            "--list-full" => {
                let full: String = APPLETS
                    .lines()
                    .map(|a| format!("{}{a}\n", applet_dir(a)))
                    .collect();
                cx.out(full);
                return 0;
            }
            _ => {}
        }
        let name = applet.rsplit('/').next().unwrap_or(applet);
        if !APPLETS.lines().any(|a| a == name) {
            cx.err(format!("{applet}: applet not found\n"));
            return 127;
        }
        match lookup(name) {
            Some(command) => {
                let mut sub: Vec<String> = args.to_vec();
                sub[0] = name.to_owned();
                super::utils::run_nested(command, cx, &sub)
            }
            None => 0,
        }
    }
}

/// Where `busybox --list-full` says an applet lives.
fn applet_dir(applet: &str) -> &'static str {
    const SBIN: &[&str] = &[
        "acpid",
        "adjtimex",
        "arp",
        "blkid",
        "blockdev",
        "brctl",
        "depmod",
        "devmem",
        "fdisk",
        "findfs",
        "freeramdisk",
        "fsfreeze",
        "fstrim",
        "getty",
        "halt",
        "hwclock",
        "ifconfig",
        "ifdown",
        "ifup",
        "init",
        "insmod",
        "klogd",
        "loadkmap",
        "losetup",
        "lsmod",
        "mdev",
        "mkdosfs",
        "mke2fs",
        "mkswap",
        "modinfo",
        "modprobe",
        "nameif",
        "pivot_root",
        "poweroff",
        "reboot",
        "rmmod",
        "route",
        "run-init",
        "start-stop-daemon",
        "swapoff",
        "swapon",
        "switch_root",
        "sysctl",
        "syslogd",
        "udhcpc",
        "uevent",
        "vconfig",
        "watchdog",
    ];
    const BIN: &[&str] = &[
        "ash",
        "cat",
        "chgrp",
        "chmod",
        "chown",
        "cp",
        "cpio",
        "date",
        "dd",
        "df",
        "dmesg",
        "echo",
        "egrep",
        "false",
        "fgrep",
        "grep",
        "gunzip",
        "gzip",
        "hostname",
        "kill",
        "ln",
        "login",
        "ls",
        "mkdir",
        "mknod",
        "mktemp",
        "more",
        "mount",
        "mv",
        "netstat",
        "pidof",
        "ping",
        "ps",
        "pwd",
        "rm",
        "rmdir",
        "run-parts",
        "sed",
        "sh",
        "sleep",
        "stty",
        "sync",
        "tar",
        "touch",
        "true",
        "umount",
        "uname",
        "zcat",
    ];
    if applet == "linuxrc" {
        ""
    } else if SBIN.contains(&applet) {
        "sbin/"
    } else if BIN.contains(&applet) {
        "bin/"
    } else {
        "usr/bin/"
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn unknown_applet_like_busybox() {
        assert_eq!(
            run_status("busybox MIRAI"),
            ("MIRAI: applet not found\n".to_owned(), 127)
        );
        assert_eq!(
            run_status("/bin/busybox ECCHI x y; echo $?"),
            ("ECCHI: applet not found\n127\n".to_owned(), 0)
        );
        assert_eq!(
            run_status("busybox --foo"),
            ("--foo: applet not found\n".to_owned(), 127)
        );
    }

    #[test]
    fn the_banner_names_the_version_dpkg_lists_on_every_release() {
        let mut releases = std::collections::HashSet::new();
        for seed in 0..64 {
            let host = crate::host::HostProfile::generate(seed);
            let package = host
                .packages
                .iter()
                .find(|p| p.name == "busybox-static")
                .expect("every host lists busybox-static");
            let banner = super::busybox_banner(&host);
            assert!(
                banner.starts_with(&format!("BusyBox v{}", upstream(&package.version)))
                    && banner.contains(&format!("(Ubuntu {})", package.version)),
                "{banner} vs {}",
                package.version
            );
            releases.insert(package.version.clone());
        }
        assert!(releases.len() > 1, "the seeds cover several releases");
    }

    /// `1:1.36.1-6ubuntu3.1` → `1.36.1`.
    fn upstream(version: &str) -> &str {
        let v = version.split_once(':').map_or(version, |(_, v)| v);
        v.split('-').next().unwrap_or(v)
    }

    #[test]
    fn banner_and_applets() {
        let out = run("busybox");
        assert!(out.starts_with(
            "BusyBox v1.30.1 (Ubuntu 1:1.30.1-7ubuntu3) multi-call binary.\n\
             BusyBox is copyrighted by many authors between 1998-2015.\n"
        ));
        assert!(out.contains("Currently defined functions:\n\t[, [[, acpid,"));
        assert!(run("busybox --list").starts_with("[\n[[\nacpid\n"));
    }

    #[test]
    fn runs_our_applets() {
        assert_eq!(run("busybox echo hi"), "hi\n");
        assert_eq!(run("busybox busybox echo hi"), "hi\n");
        assert_eq!(run_status("busybox httpd"), (String::new(), 0));
    }
}
