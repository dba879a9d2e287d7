//! Layer 3's richness setting applied to the host: the profile one session's commands see.
//!
//! Every command reads its facts from the [`HostProfile`], so the one place to make a host
//! look fresh or busy is the profile itself: [`profile`] derives the session's view from the
//! node's, and `ps`, `top`, `ss`, `netstat`, `pgrep`, `kill`, `systemctl` and `/proc` then
//! agree with each other without knowing about richness. The files that go with the extra
//! services (their configuration in `/etc`, their programs) are placed by
//! [`crate::host::staging`].
//!
//! - [`Richness::Sparse`]: a fresh VPS — the optional daemons a minimal cloud image does not
//!   start are gone, and no admin ever logged in (`last`).
//! - [`Richness::Standard`]: the profile as generated.
//! - [`Richness::Rich`]: a busy server — MySQL, Redis, Docker (with containerd) and nginx (if
//!   the profile has none) run and listen, and an admin is logged in ([`other_login`]).
//!
//! Everything is derived from the host's seed, so it is the same in every session and every
//! line of one session. The added services take PIDs between the last boot-time daemon and
//! the PIDs later processes get ([`HostProfile::pid_at`]), so a session's own PIDs do not
//! move when the setting changes.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::HostProfile;
use super::processes::{Listen, Service};
use crate::models::strategy::Richness;

/// Daemons a minimal cloud image does not run.
const OPTIONAL: &[&str] = &[
    "multipathd",
    "ModemManager",
    "udisksd",
    "polkitd",
    "snapd",
    "unattended-upgr",
    "networkd-dispat",
    "irqbalance",
    "atd",
    "upowerd",
    "packagekitd",
];

/// The services a rich host adds: (user, comm, args, VSZ KiB, RSS KiB, stat, CPU ms per
/// hour, listeners as (proto, v6, address, port, fd, backlog)).
type Extra = (
    &'static str,
    &'static str,
    &'static str,
    u64,
    u64,
    &'static str,
    u32,
    &'static [(&'static str, bool, &'static str, u16, u32, u32)],
);

const EXTRAS: &[Extra] = &[
    (
        "root",
        "containerd",
        "/usr/bin/containerd",
        1_874_236,
        47_212,
        "Ssl",
        9_000,
        &[],
    ),
    (
        "mysql",
        "mysqld",
        "/usr/sbin/mysqld",
        2_425_112,
        412_876,
        "Ssl",
        36_000,
        &[
            ("tcp", false, "127.0.0.1", 3306, 23, 151),
            ("tcp", false, "127.0.0.1", 33060, 21, 70),
        ],
    ),
    (
        "redis",
        "redis-server",
        "/usr/bin/redis-server 127.0.0.1:6379",
        67_220,
        6_140,
        "Ssl",
        4_000,
        &[
            ("tcp", false, "127.0.0.1", 6379, 6, 511),
            ("tcp", true, "::1", 6379, 7, 511),
        ],
    ),
    (
        "root",
        "dockerd",
        "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
        2_307_044,
        81_532,
        "Ssl",
        12_000,
        &[],
    ),
];

/// The profile a session with `richness` sees.
pub fn profile(base: &HostProfile, richness: Richness) -> HostProfile {
    let mut host = base.clone();
    match richness {
        Richness::Standard => {}
        Richness::Sparse => {
            host.services
                .retain(|s| !OPTIONAL.contains(&s.comm.as_str()));
            host.users.clear();
        }
        Richness::Rich => add_services(&mut host),
    }
    host
}

/// Whether the host runs nginx already (its role is a web server).
fn has_nginx(host: &HostProfile) -> bool {
    host.services.iter().any(|s| s.comm == "nginx")
}

fn add_services(host: &mut HostProfile) {
    let Some(last) = host.services.last().cloned() else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(host.seed ^ 0x7269_6368_6e65_7373);
    let mut pid = last.pid;
    let mut added = Vec::new();
    let push = |added: &mut Vec<Service>, pid: u32, ppid: u32, extra: &Extra, rng: &mut StdRng| {
        let (user, comm, args, vsz, rss, stat, cpu, listen) = *extra;
        let rss = rss + rng.gen_range(0..rss / 20 + 1);
        added.push(Service {
            pid,
            ppid,
            user: user.to_owned(),
            comm: comm.to_owned(),
            args: args.to_owned(),
            vsz_kb: vsz + rng.gen_range(0..vsz / 20 + 1),
            rss_kb: rss,
            shr_kb: rss * rng.gen_range(10..40) / 100,
            stat: stat.to_owned(),
            tty: "?".to_owned(),
            nice: 0,
            start_offset: last.start_offset + rng.gen_range(1..4),
            cpu_ms_per_hour: cpu * rng.gen_range(80..120) / 100,
            listen: listen
                .iter()
                .map(|(proto, v6, addr, port, fd, backlog)| Listen {
                    proto: (*proto).to_owned(),
                    v6: *v6,
                    addr: Some((*addr).to_owned()),
                    dev: None,
                    port: *port,
                    fd: *fd,
                    backlog: *backlog,
                })
                .collect(),
        });
    };
    for extra in EXTRAS {
        pid += rng.gen_range(3..12);
        push(&mut added, pid, 1, extra, &mut rng);
    }
    if !has_nginx(host) {
        const MASTER: Extra = (
            "root",
            "nginx",
            "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;",
            55_208,
            1_636,
            "Ss",
            5,
            &[
                ("tcp", false, "0.0.0.0", 80, 6, 511),
                ("tcp", true, "::", 80, 7, 511),
            ],
        );
        const WORKER: Extra = (
            "www-data",
            "nginx",
            "nginx: worker process",
            55_876,
            5_520,
            "S",
            30,
            &[],
        );
        pid += rng.gen_range(3..12);
        let master = pid;
        push(&mut added, pid, 1, &MASTER, &mut rng);
        for _ in 0..host.cpu.vcpus.min(8) {
            pid += 1;
            push(&mut added, pid, master, &WORKER, &mut rng);
        }
    }
    // The last boot-time daemon stays last: later PIDs count from it.
    let at = host.services.len() - 1;
    let mut moved = added;
    for (i, service) in moved.iter_mut().enumerate() {
        // Keep the PIDs below the last daemon's + 180 (the first later PID) and unique.
        service.pid = service.pid.min(last.pid + 150 + i as u32);
    }
    let tail = host.services.split_off(at);
    host.services.extend(moved);
    host.services.extend(tail);
}

/// Someone else logged in on a rich host: the admin in `w`, `who` and `users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherLogin {
    /// Login name.
    pub user: String,
    /// Terminal (`pts/1`).
    pub tty: String,
    /// Where from.
    pub from: String,
    /// When they logged in.
    pub login: DateTime<Utc>,
    /// Seconds idle at `now`.
    pub idle_secs: u64,
    /// What they run (`w`'s WHAT).
    pub what: String,
}

/// The admin logged in on a host with `richness` at `now`, if any: one of the profile's
/// users (or `ubuntu`), from an address in the host's own private range, since earlier today.
pub fn other_login(
    host: &HostProfile,
    richness: Richness,
    now: DateTime<Utc>,
) -> Option<OtherLogin> {
    if richness != Richness::Rich {
        return None;
    }
    let user = host
        .users
        .first()
        .map_or_else(|| "ubuntu".to_owned(), |u| u.name.clone());
    // A new login every day, at a time fixed by the seed and the date.
    let day = now.timestamp().div_euclid(86_400);
    let mut rng = StdRng::seed_from_u64(host.seed ^ (day as u64).wrapping_mul(0x9e37_79b9));
    let minutes = rng.gen_range(25..300);
    let login = (now - Duration::minutes(minutes)).max(host.boot_time);
    let idle_secs = rng.gen_range(40..1_500);
    let [a, b, ..] = host.network.ipv4.octets();
    let from = format!("{a}.{b}.{}.{}", rng.gen_range(0..4), rng.gen_range(2..250));
    let what = [
        "-bash",
        "htop",
        "tail -f /var/log/nginx/access.log",
        "vim /etc/nginx/nginx.conf",
    ][rng.gen_range(0..4)]
    .to_owned();
    Some(OtherLogin {
        user,
        tty: "pts/1".to_owned(),
        from,
        login,
        idle_secs,
        what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_drops_optional_daemons_and_rich_adds_listening_services() {
        let base = HostProfile::generate(42);
        let sparse = profile(&base, Richness::Sparse);
        assert!(sparse.services.len() < base.services.len());
        assert!(sparse.users.is_empty());
        assert_eq!(profile(&base, Richness::Standard), base);
        let rich = profile(&base, Richness::Rich);
        let ports: Vec<u16> = rich
            .services
            .iter()
            .flat_map(|s| s.listen.iter().map(|l| l.port))
            .collect();
        for port in [3306, 6379, 80, 22] {
            assert!(ports.contains(&port), "{port} in {ports:?}");
        }
        // The last daemon (and so every later PID) is where it was.
        assert_eq!(rich.services.last(), base.services.last());
        let mut pids: Vec<u32> = rich.services.iter().map(|s| s.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        assert_eq!(pids.len(), rich.services.len(), "PIDs are unique");
        assert_eq!(profile(&base, Richness::Rich), rich, "stable");
    }
}
