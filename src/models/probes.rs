//! The public honeypot probes: command lines attackers and their tools run to tell a
//! honeypot from a real host.
//!
//! The list is what is written up about Cowrie/Kippo fingerprinting (default host and user
//! names, `/proc/cpuinfo` vs `nproc`, `echo -e` handling, `busybox` answers, the SSH banner
//! vs `ssh -V`, missing interpreters, downloads that "succeed", instant package installs,
//! an empty-looking host, instant disk writes). Layer 3 uses [`revealing`] to penalise a
//! strategy when an attacker leaves right after such a probe; the simulator's detectors
//! (`mirage simulate`) run the same probes, named the same way.
//!
//! Pure and deterministic: a line in, the probe's name out.

/// One known probe: a stable name and how to recognise its command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Stable name, used in reports and events (`cpu_count`, `echo_escape`, ...).
    pub name: &'static str,
    /// What the probe checks, for people reading a report.
    pub checks: &'static str,
    /// Matches any of these substrings of the (lowercased) command line.
    needles: &'static [&'static str],
}

/// The probes, most specific first (the first match names a line).
pub const PROBES: &[Probe] = &[
    Probe {
        name: "canary_download",
        checks: "a download of a URL the attacker controls reports success although the attacker's server never saw a request",
        needles: &["wget ", "curl ", "tftp ", "ftpget "],
    },
    Probe {
        name: "package_install",
        checks: "`apt-get install`/`yum install` finishing instantly or succeeding without network",
        needles: &[
            "apt-get install",
            "apt install",
            "yum install",
            "dnf install",
            "apk add",
        ],
    },
    Probe {
        name: "disk_write_speed",
        checks: "`dd` to disk finishing in no time",
        needles: &["dd if=", "dd of="],
    },
    Probe {
        name: "echo_escape",
        checks: "`echo -e '\\x41'` answered as a real bash answers it",
        needles: &["echo -e", "printf '\\x", "printf \"\\x"],
    },
    Probe {
        name: "cpu_count",
        checks: "`nproc` against the processors in /proc/cpuinfo",
        needles: &["nproc", "/proc/cpuinfo", "lscpu"],
    },
    Probe {
        name: "kernel_version",
        checks: "`uname -a` against /proc/version",
        needles: &["/proc/version", "uname -a", "uname -r", "uname -v"],
    },
    Probe {
        name: "busybox",
        checks: "`busybox` answering on a host whose package database has no busybox",
        needles: &["busybox"],
    },
    Probe {
        name: "ssh_version",
        checks: "`ssh -V` against the SSH server's banner",
        needles: &["ssh -v", "sshd -v", "dpkg -l openssh", "dpkg -l | grep ssh"],
    },
    Probe {
        name: "missing_commands",
        checks: "interpreters and compilers the installed packages claim are missing (`which python3 perl gcc`)",
        needles: &["which ", "command -v ", "type -p "],
    },
    Probe {
        name: "default_names",
        checks: "default honeypot host and user names (svr04, phil, richard)",
        needles: &[
            "hostname",
            "/etc/hostname",
            "/etc/passwd",
            "ls /home",
            "whoami",
            "id ",
        ],
    },
    Probe {
        name: "empty_host",
        checks: "an empty-looking host: few processes, no other users, no history, only sshd listening",
        needles: &[
            "ps aux",
            "ps -ef",
            "ss -",
            "netstat",
            "w ",
            "last",
            "history",
            "crontab -l",
            "who",
        ],
    },
    Probe {
        name: "write_persistence",
        checks: "a file written and read back is really there",
        needles: &["> /tmp/.", ">/tmp/.", "cat /tmp/."],
    },
];

/// The name of the known honeypot probe `line` runs, if any.
///
/// Matching is by substring on the lowercased line, so `cat /proc/cpuinfo | grep name | wc
/// -l` is `cpu_count` and `echo -e "\x41"` is `echo_escape`. Bare `w` and `id` count too.
pub fn revealing(line: &str) -> Option<&'static str> {
    let lower = line.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    if lower == "w" || lower == "id" || lower == "who" {
        return Some(if lower == "id" {
            "default_names"
        } else {
            "empty_host"
        });
    }
    PROBES
        .iter()
        .find(|p| p.needles.iter().any(|n| lower.contains(n)))
        .map(|p| p.name)
}

/// The probe called `name`, if it is one of [`PROBES`].
pub fn probe(name: &str) -> Option<&'static Probe> {
    PROBES.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_probes_are_recognised_and_ordinary_commands_are_not() {
        assert_eq!(
            revealing("cat /proc/cpuinfo | grep processor | wc -l"),
            Some("cpu_count")
        );
        assert_eq!(revealing("nproc"), Some("cpu_count"));
        assert_eq!(revealing("echo -e '\\x41'"), Some("echo_escape"));
        assert_eq!(revealing("uname -a"), Some("kernel_version"));
        assert_eq!(revealing("busybox"), Some("busybox"));
        assert_eq!(revealing("ssh -V"), Some("ssh_version"));
        assert_eq!(
            revealing("which python3 perl gcc"),
            Some("missing_commands")
        );
        assert_eq!(
            revealing("wget http://203.0.113.9/c"),
            Some("canary_download")
        );
        assert_eq!(
            revealing("apt-get install -y nmap"),
            Some("package_install")
        );
        assert_eq!(
            revealing("dd if=/dev/zero of=/tmp/t bs=1M count=100"),
            Some("disk_write_speed")
        );
        assert_eq!(revealing("ps aux | wc -l"), Some("empty_host"));
        assert_eq!(revealing("w"), Some("empty_host"));
        assert_eq!(revealing("cat /etc/hostname"), Some("default_names"));
        assert_eq!(revealing("cd /tmp"), None);
        assert_eq!(revealing("ls -la"), None);
        assert_eq!(revealing(""), None);
        assert_eq!(revealing("   "), None);
    }

    #[test]
    fn every_probe_has_a_unique_name_that_can_be_looked_up() {
        let mut names: Vec<_> = PROBES.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PROBES.len());
        for p in PROBES {
            assert_eq!(probe(p.name), Some(p));
        }
    }
}
