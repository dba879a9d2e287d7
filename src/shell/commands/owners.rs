//! Which Ubuntu package installs each program the shell emulates (what `dpkg -S` answers),
//! so that the host profile's package list can be checked against the registry: a program
//! on disk whose package `dpkg -l` does not know is a tell.

/// Program (its bare name) to package, as on Ubuntu 22.04.
const OWNERS: &[(&str, &str)] = &[
    ("adduser", "adduser"),
    ("apt", "apt"),
    ("apt-get", "apt"),
    ("arch", "coreutils"),
    ("arp", "net-tools"),
    ("awk", "mawk"),
    ("base64", "coreutils"),
    ("basename", "coreutils"),
    ("bash", "bash"),
    ("busybox", "busybox-static"),
    ("cat", "coreutils"),
    ("chattr", "e2fsprogs"),
    ("chgrp", "coreutils"),
    ("chmod", "coreutils"),
    ("chown", "coreutils"),
    ("chpasswd", "passwd"),
    ("clear", "ncurses-bin"),
    ("cmp", "diffutils"),
    ("cp", "coreutils"),
    ("crontab", "cron"),
    ("curl", "curl"),
    ("cut", "coreutils"),
    ("date", "coreutils"),
    ("dd", "coreutils"),
    ("df", "coreutils"),
    ("dir", "coreutils"),
    ("dirname", "coreutils"),
    ("dmesg", "util-linux"),
    ("dpkg", "dpkg"),
    ("dpkg-query", "dpkg"),
    ("du", "coreutils"),
    ("echo", "coreutils"),
    ("env", "coreutils"),
    ("expr", "coreutils"),
    ("false", "coreutils"),
    ("file", "file"),
    ("find", "findutils"),
    ("free", "procps"),
    ("getconf", "libc-bin"),
    ("grep", "grep"),
    ("groupadd", "passwd"),
    ("groups", "coreutils"),
    ("gunzip", "gzip"),
    ("gzip", "gzip"),
    ("head", "coreutils"),
    ("hostname", "hostname"),
    ("hostnamectl", "systemd"),
    ("id", "coreutils"),
    ("ifconfig", "net-tools"),
    ("ip", "iproute2"),
    ("iptables", "iptables"),
    ("kill", "procps"),
    ("killall", "psmisc"),
    ("last", "util-linux"),
    ("lastlog", "login"),
    ("ln", "coreutils"),
    ("ls", "coreutils"),
    ("lsattr", "e2fsprogs"),
    ("lsb_release", "lsb-release"),
    ("lsblk", "util-linux"),
    ("lscpu", "util-linux"),
    ("md5sum", "coreutils"),
    ("mkdir", "coreutils"),
    ("mktemp", "coreutils"),
    ("mount", "mount"),
    ("mv", "coreutils"),
    ("nc", "netcat-openbsd"),
    ("netstat", "net-tools"),
    ("nl", "coreutils"),
    ("nohup", "coreutils"),
    ("nproc", "coreutils"),
    ("od", "coreutils"),
    ("passwd", "passwd"),
    ("perl", "perl-base"),
    ("pgrep", "procps"),
    ("pidof", "sysvinit-utils"),
    ("ping", "iputils-ping"),
    ("pkill", "procps"),
    ("printenv", "coreutils"),
    ("printf", "coreutils"),
    ("ps", "procps"),
    ("pwd", "coreutils"),
    ("python3", "python3"),
    ("readlink", "coreutils"),
    ("realpath", "coreutils"),
    ("rev", "util-linux"),
    ("rm", "coreutils"),
    ("rmdir", "coreutils"),
    ("route", "net-tools"),
    ("scp", "openssh-client"),
    ("sed", "sed"),
    ("seq", "coreutils"),
    ("service", "init-system-helpers"),
    ("sh", "dash"),
    ("sleep", "coreutils"),
    ("sort", "coreutils"),
    ("ss", "iproute2"),
    ("ssh", "openssh-client"),
    ("stat", "coreutils"),
    ("strings", "binutils"),
    ("su", "util-linux"),
    ("sudo", "sudo"),
    ("sync", "coreutils"),
    ("systemctl", "systemd"),
    ("tac", "coreutils"),
    ("tail", "coreutils"),
    ("tar", "tar"),
    ("tee", "coreutils"),
    ("telnet", "telnet"),
    ("test", "coreutils"),
    ("timeout", "coreutils"),
    ("top", "procps"),
    ("touch", "coreutils"),
    ("tr", "coreutils"),
    ("true", "coreutils"),
    ("tty", "coreutils"),
    ("uname", "coreutils"),
    ("uniq", "coreutils"),
    ("uptime", "procps"),
    ("useradd", "passwd"),
    ("userdel", "passwd"),
    ("users", "coreutils"),
    ("w", "procps"),
    ("wc", "coreutils"),
    ("wget", "wget"),
    ("which", "debianutils"),
    ("who", "coreutils"),
    ("whoami", "coreutils"),
    ("xargs", "findutils"),
    ("yes", "coreutils"),
    ("zcat", "gzip"),
];

/// Programs the shell answers to that a stock Ubuntu does not have: busybox applets that
/// droppers try first (`ftpget`) and clients of optional packages. `bash` says "command not
/// found" for neither, by design, so they need no package.
const NOT_ON_UBUNTU: &[&str] = &["ftpget", "tftp"];

/// The package that installs `program` (a bare name), if the shell knows it.
pub(crate) fn package_of(program: &str) -> Option<&'static str> {
    OWNERS
        .iter()
        .find(|(name, _)| *name == program)
        .map(|(_, package)| *package)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::release::Series;
    use crate::shell::commands::COMMANDS;

    /// Every registered program (a command with a path among its names) belongs to a
    /// package every release's profile lists as installed.
    #[test]
    fn every_program_has_an_installed_package() {
        let mut missing = Vec::new();
        for seed in [1, 2, 3, 4, 5, 6] {
            let host = crate::host::HostProfile::generate(seed);
            for command in COMMANDS {
                let names = command.names();
                if !names.iter().any(|n| n.contains('/')) {
                    continue;
                }
                let program = names[0].rsplit('/').next().unwrap_or(names[0]);
                if NOT_ON_UBUNTU.contains(&program) {
                    continue;
                }
                match package_of(program) {
                    None => missing.push(format!("{program}: no package known")),
                    Some(package) if !host.packages.iter().any(|p| p.name == package) => {
                        missing.push(format!(
                            "{program}: {package} not installed on {:?}",
                            Series::of_distro(&host.distro)
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn dpkg_lists_the_firewall_package() {
        let shell =
            crate::shell::Shell::new(std::sync::Arc::new(crate::host::HostProfile::generate(7)));
        let mut state = crate::shell::commands::testing::session("root");
        let out = shell.run_line(
            &mut state,
            "dpkg -l iptables | tail -1 | awk '{print $1, $2}'",
        );
        assert_eq!(
            (String::from_utf8_lossy(&out.output).as_ref(), out.status),
            ("ii iptables\n", 0)
        );
    }
}
