//! The host facts agree across every command and file that shows them, for many seeds;
//! and no command panics, whatever its arguments.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use crate::host::HostProfile;
use crate::host::files::{dynamic_file, static_files};
use crate::shell::{Shell, ShellState};

/// A root session on `profile`, logged in a minute before `now`, with the clock stopped.
fn session(now: DateTime<Utc>) -> ShellState {
    let mut state = ShellState::login("root");
    state.set_origin(
        std::net::IpAddr::from([198, 18, 7, 9]),
        now - Duration::seconds(60),
    );
    state.clock = Some(now);
    state
}

struct Probe {
    shell: Shell,
    profile: HostProfile,
    now: DateTime<Utc>,
}

impl Probe {
    fn new(seed: u64) -> Probe {
        let profile = HostProfile::generate(seed);
        let now = profile.boot_time + Duration::days(3) + Duration::seconds(seed as i64 * 37);
        Probe {
            shell: Shell::new(Arc::new(profile.clone())),
            profile,
            now,
        }
    }

    fn run(&self, line: &str) -> String {
        let mut state = session(self.now);
        String::from_utf8_lossy(&self.shell.run_line(&mut state, line).output).into_owned()
    }

    fn file(&self, path: &str) -> String {
        let bytes = dynamic_file(path, &self.profile, self.now)
            .or_else(|| {
                static_files(&self.profile)
                    .into_iter()
                    .find(|(p, _)| p == path)
                    .map(|(_, c)| c)
            })
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// The value after `key` on the line that starts with it.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim_start_matches([':', ' ', '\t']).trim())
}

#[test]
fn every_pair_of_commands_agrees_for_20_seeds() {
    for seed in 0..20u64 {
        let p = Probe::new(seed * 7_919 + 3);
        let ctx = format!("seed {seed}: {}", p.profile.hostname);

        // CPUs: nproc == /proc/cpuinfo processors == lscpu CPU(s); same model everywhere.
        let nproc: u32 = p.run("nproc").trim().parse().unwrap_or(0);
        let cpuinfo = p.file("/proc/cpuinfo");
        let lscpu = p.run("lscpu");
        assert_eq!(nproc, p.profile.cpu.vcpus, "{ctx}");
        assert_eq!(
            cpuinfo.matches("processor\t: ").count() as u32,
            nproc,
            "{ctx}"
        );
        assert_eq!(
            field(&lscpu, "CPU(s)"),
            Some(nproc.to_string().as_str()),
            "{ctx}"
        );
        assert_eq!(
            field(&lscpu, "Model name"),
            field(&cpuinfo, "model name"),
            "{ctx}"
        );

        // Memory: free == /proc/meminfo == top.
        let meminfo = p.file("/proc/meminfo");
        let total = field(&meminfo, "MemTotal")
            .unwrap_or("")
            .trim_end_matches(" kB")
            .to_owned();
        let free = p.run("free");
        let mem_row: Vec<&str> = free
            .lines()
            .nth(1)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        assert_eq!(mem_row.get(1), Some(&total.as_str()), "{ctx}\n{free}");
        assert_eq!(
            mem_row.get(6).copied(),
            field(&meminfo, "MemAvailable").map(|v| v.trim_end_matches(" kB")),
            "{ctx}"
        );
        let top = p.run("top -b -n 1");
        let top_total = format!("{:.1}", total.parse::<f64>().unwrap_or(0.0) / 1024.0);
        assert!(
            top.lines()
                .nth(3)
                .unwrap_or("")
                .contains(&format!(" {top_total} total,")),
            "{ctx}\n{top}"
        );

        // Disks: df's / is /proc/mounts' / and mount's /.
        let mounts = p.file("/proc/mounts");
        let root_dev = mounts
            .lines()
            .find(|l| l.split(' ').nth(1) == Some("/"))
            .and_then(|l| l.split(' ').next())
            .unwrap_or("");
        assert_eq!(root_dev, p.profile.storage.root_device, "{ctx}");
        let df = p.run("df /");
        let df_row: Vec<&str> = df.lines().nth(1).unwrap_or("").split_whitespace().collect();
        assert_eq!(df_row.first(), Some(&root_dev), "{ctx}\n{df}");
        assert_eq!(
            df_row.get(1),
            Some(&p.profile.storage.root_size_kb.to_string().as_str()),
            "{ctx}"
        );
        assert!(
            p.run("mount")
                .contains(&format!("{root_dev} on / type ext4 (")),
            "{ctx}"
        );

        // Addresses: ip addr == ifconfig == hostname -I == ip route src == /etc/hosts.
        let ip = p.profile.network.ipv4.to_string();
        let prefix = p.profile.network.prefix;
        let ip_addr = p.run("ip addr");
        assert!(
            ip_addr.contains(&format!("    inet {ip}/{prefix} ")),
            "{ctx}\n{ip_addr}"
        );
        assert!(
            p.run("ifconfig").contains(&format!(
                "        inet {ip}  netmask {}",
                p.profile.network.netmask()
            )),
            "{ctx}"
        );
        assert_eq!(p.run("hostname -I"), format!("{ip} \n"), "{ctx}");
        assert!(
            p.run("ip route").starts_with(&format!(
                "default via {} dev {}",
                p.profile.network.gateway, p.profile.network.iface
            )),
            "{ctx}"
        );
        let hosts = p.file("/etc/hosts");
        let short = p.profile.short_hostname().to_owned();
        for line in hosts.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split_whitespace();
            let addr = words.next().unwrap_or("");
            if words.any(|w| w == short) {
                assert!(addr == "127.0.1.1" || addr == ip, "{ctx}: {line}");
            }
        }
        let hostname_i = p.run("hostname -i");
        assert!(
            hostname_i == "127.0.1.1\n" || hostname_i == format!("{ip}\n"),
            "{ctx}"
        );

        // Accounts: /etc/passwd login users == /home dirs == id.
        let passwd = p.file("/etc/passwd");
        let humans: Vec<(&str, &str)> = passwd
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                let uid: u32 = f.get(2)?.parse().ok()?;
                let (name, home) = (*f.first()?, *f.get(5)?);
                (1000..65534).contains(&uid).then_some((name, home))
            })
            .collect();
        let homes: Vec<String> = humans.iter().map(|(_, h)| (*h).to_owned()).collect();
        assert_eq!(homes, p.profile.home_dirs(), "{ctx}");
        for (name, _) in &humans {
            let id = p.run(&format!("id -un {name}"));
            assert_eq!(id, format!("{name}\n"), "{ctx}");
            assert!(!["richard", "phil"].contains(name), "{ctx}");
        }
        assert!(
            p.run("w").contains("\nroot     pts/0    198.18.7.9 "),
            "{ctx}"
        );

        // Time: uptime == /proc/uptime == w == top.
        let up: f64 = p
            .file("/proc/uptime")
            .split(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let days = (up as u64) / 86_400;
        let uptime = p.run("uptime");
        assert!(
            uptime.contains(&format!(" up {days} day")),
            "{ctx}: {uptime} vs {up}"
        );
        assert_eq!(p.run("w").lines().next(), uptime.lines().next(), "{ctx}");
        assert_eq!(
            top.lines().next().map(|l| l.trim_start_matches("top -")),
            uptime.lines().next(),
            "{ctx}"
        );

        // Identity: hostname == /etc/hostname == uname -n == prompt; kernel and release.
        let hostname = p.run("hostname");
        assert_eq!(p.file("/etc/hostname"), hostname, "{ctx}");
        assert_eq!(p.run("uname -n"), hostname, "{ctx}");
        assert!(
            p.shell
                .prompt(&session(p.now))
                .starts_with(&format!("root@{}:", hostname.trim())),
            "{ctx}"
        );
        let release = p.run("uname -r");
        let version = p.file("/proc/version");
        assert_eq!(version.split(' ').nth(2), Some(release.trim()), "{ctx}");
        let os = p.file("/etc/os-release");
        assert_eq!(
            field(&os, "PRETTY_NAME="),
            Some(format!("\"{}\"", p.profile.distro).as_str()),
            "{ctx}"
        );
        let version_id = field(&os, "VERSION_ID=")
            .unwrap_or("")
            .trim_matches('"')
            .to_owned();
        let kernel_series = match version_id.as_str() {
            "20.04" => "5.4.",
            "22.04" => "5.15.",
            _ => "6.8.",
        };
        assert!(release.starts_with(kernel_series), "{ctx}");

        // Sockets: sshd's PID in ps == ss == netstat.
        let sshd = p
            .profile
            .services
            .iter()
            .find(|s| s.comm == "sshd")
            .map(|s| s.pid)
            .unwrap_or(0);
        assert!(
            p.run("ps -ef").contains(&format!(" {sshd}       1 "))
                || p.run("ps -ef").contains(&format!(" {sshd}      1 ")),
            "{ctx}"
        );
        assert!(
            p.run("ss -tlnp")
                .contains(&format!("users:((\"sshd\",pid={sshd},fd=3))")),
            "{ctx}"
        );
        assert!(
            p.run("netstat -tlnp")
                .contains(&format!(" {sshd}/sshd: /usr/sbin")),
            "{ctx}"
        );
    }
}

/// The value after `key` on the line that starts with it after its padding (`hostnamectl`).
fn padded<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| l.trim_start().strip_prefix(key))
}

#[test]
fn admin_and_network_tools_agree_for_20_seeds() {
    for seed in 0..20u64 {
        let p = Probe::new(seed * 7_919 + 3);
        let ctx = format!("seed {seed}: {}", p.profile.hostname);

        // The default gateway: ip route == route -n == arp -n == ip neigh.
        let ip_route = p.run("ip route");
        let gateway = ip_route
            .lines()
            .find_map(|l| l.strip_prefix("default via "))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("")
            .to_owned();
        assert!(!gateway.is_empty(), "{ctx}\n{ip_route}");
        let route = p.run("route -n");
        assert!(
            route
                .lines()
                .any(|l| l.starts_with("0.0.0.0") && l.split_whitespace().nth(1) == Some(&gateway)),
            "{ctx}\n{route}"
        );
        assert!(p.run("arp -n").contains(&gateway), "{ctx}");
        assert!(p.run("ip neigh").contains(&gateway), "{ctx}");

        // Identity: hostnamectl and lsb_release say what hostname, uname and os-release say.
        let hostnamectl = p.run("hostnamectl");
        assert_eq!(
            padded(&hostnamectl, "Static hostname:").map(str::trim),
            Some(p.run("hostname").trim()),
            "{ctx}\n{hostnamectl}"
        );
        assert_eq!(
            padded(&hostnamectl, "Operating System:").map(str::trim),
            Some(p.profile.distro.as_str()),
            "{ctx}"
        );
        assert_eq!(
            padded(&hostnamectl, "Kernel:").map(str::trim),
            Some(format!("Linux {}", p.run("uname -r").trim()).as_str()),
            "{ctx}"
        );
        assert_eq!(p.run("lsb_release -ds").trim(), p.profile.distro, "{ctx}");

        // Services: systemctl's main PID for sshd is ps's sshd.
        let sshd = p
            .profile
            .services
            .iter()
            .find(|s| s.comm == "sshd")
            .map(|s| s.pid)
            .unwrap_or(0);
        let status = p.run("systemctl status ssh");
        assert!(
            status.contains(&format!("Main PID: {sshd} (sshd)")),
            "{ctx}\n{status}"
        );
        assert!(
            p.run("pidof sshd")
                .split_whitespace()
                .any(|pid| pid == sshd.to_string()),
            "{ctx}"
        );

        // Packages: the OpenSSH client dpkg lists is the version `ssh -V` reports.
        let ssh_v = p.run("ssh -V");
        let upstream = ssh_v
            .strip_prefix("OpenSSH_")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("");
        let debian = ssh_v
            .split_once('-')
            .and_then(|(_, rest)| rest.split([',', ' ']).next())
            .unwrap_or("");
        let dpkg = p.run("dpkg -l openssh-client");
        assert!(
            dpkg.lines().any(|l| l.starts_with("ii  openssh-client")
                && l.contains(&format!("1:{upstream}-{debian}"))),
            "{ctx}\n{ssh_v}\n{dpkg}"
        );

        // Disks: lsblk mounts a partition at / and dmesg boots the kernel uname names.
        assert!(p.run("lsblk").lines().any(|l| l.ends_with(" /")), "{ctx}");
        let release = p.run("uname -r");
        assert!(p.run("dmesg").contains(release.trim()), "{ctx}");
    }
}

#[test]
fn facts_are_plausible_together() {
    for seed in 0..200u64 {
        let p = HostProfile::generate(seed);
        let ctx = format!("seed {seed}: {}", p.hostname);
        let gib = p.memory.total_kb as f64 / 1_048_576.0;
        // A cloud VM has 1 to 16 GiB, at least half a GiB per vCPU.
        assert!((0.9..=16.5).contains(&gib), "{ctx}: {gib}");
        assert!(gib >= 0.45 * f64::from(p.cpu.vcpus), "{ctx}");
        assert!(p.network.ipv4.is_private(), "{ctx}");
        if let Some(rest) = p.hostname.strip_prefix("ip-") {
            assert_eq!(rest.replace('-', "."), p.network.ipv4.to_string(), "{ctx}");
        }
        if p.hostname.starts_with("ubuntu-s-") {
            let vcpus = format!("-{}vcpu-", p.cpu.vcpus);
            assert!(p.hostname.contains(&vcpus), "{ctx}");
        }
        assert_eq!(p.cpu.vcpus % p.cpu.threads_per_core, 0, "{ctx}");
        assert!(p.storage.root_size_kb > 5_000_000, "{ctx}");
        assert!(p.storage.root_used_kb < p.storage.root_size_kb / 2, "{ctx}");
        assert!(
            !p.users
                .iter()
                .any(|u| u.name == "richard" || u.name == "phil"),
            "{ctx}"
        );
        let pids: Vec<u32> = p.services.iter().map(|s| s.pid).collect();
        assert!(pids.windows(2).all(|w| w[0] < w[1]), "{ctx}: {pids:?}");
        assert!(
            p.packages
                .iter()
                .any(|pkg| pkg.name.starts_with("linux-image-")),
            "{ctx}"
        );
    }
}

/// The commands this slice adds, and options they know or might be given.
const COMMANDS: &[&str] = &[
    "nproc", "lscpu", "free", "df", "mount", "ip", "ifconfig", "uptime", "w", "who", "users",
    "last", "ps", "top", "ss", "netstat", "id", "hostname",
];

const WORDS: &[&str] = &[
    "-a",
    "-h",
    "-H",
    "-n",
    "-s",
    "-t",
    "-u",
    "-l",
    "-p",
    "-e",
    "-f",
    "-x",
    "-b",
    "-m",
    "-g",
    "-k",
    "-c",
    "-w",
    "-i",
    "-I",
    "-T",
    "-4",
    "-6",
    "-r",
    "-o",
    "-0",
    "-br",
    "aux",
    "ax",
    "x",
    "-ef",
    "--help",
    "--version",
    "--si",
    "--total",
    "--all",
    "--ignore=2",
    "addr",
    "route",
    "link",
    "show",
    "dev",
    "lo",
    "eth0",
    "get",
    "8.8.8.8",
    "/",
    "/nonexistent",
    "root",
    "nobody",
    "3",
    "-1",
    "--",
    "=",
    "%",
    "\u{e9}",
    "-n5",
    "-5",
    "--limit",
    "--wide",
    "-Gn",
    "reboot",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn commands_never_panic(
        command in prop::sample::select(COMMANDS),
        picks in prop::collection::vec(prop::sample::select(WORDS), 0..5),
        junk in "[ -~]{0,12}",
        seed in 0u64..50,
    ) {
        let profile = HostProfile::generate(seed);
        let now = profile.boot_time + Duration::hours(30);
        let shell = Shell::new(Arc::new(profile));
        let mut state = session(now);
        let mut words: Vec<String> = picks.iter().map(|w| (*w).to_owned()).collect();
        if !junk.trim().is_empty() {
            words.push(format!("'{}'", junk.replace('\'', "")));
        }
        let line = format!("{command} {}", words.join(" "));
        let outcome = shell.run_line(&mut state, &line);
        prop_assert!(outcome.output.len() < 1 << 20);
    }
}
