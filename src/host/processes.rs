//! Services and the process table: what `ps`, `top`, `ss` and `netstat` show.
//!
//! Daemons are drawn once per node (which ones a release, platform and role run, with PIDs
//! in boot order) and stored in the profile. Kernel threads follow from the release and the
//! CPU count. CPU time, PIDs of later processes and the load average are functions of the
//! uptime, so two commands asked at the same moment agree.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::kthreads::kernel_threads;
use super::platform::Platform;
use super::release::Series;

/// A long-running process started at boot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// Process id.
    pub pid: u32,
    /// Parent process id (1 for daemons, the master for workers).
    pub ppid: u32,
    /// The user it runs as.
    pub user: String,
    /// The command name (`comm`, at most 15 bytes), as `top` and `ps -o comm` show it.
    pub comm: String,
    /// The full command line.
    pub args: String,
    /// Virtual size in KiB.
    pub vsz_kb: u64,
    /// Resident size in KiB.
    pub rss_kb: u64,
    /// Shared memory in KiB (`top`'s SHR).
    pub shr_kb: u64,
    /// BSD state (`Ss`, `Ssl`, `S<s`, `SLsl`…).
    pub stat: String,
    /// Controlling terminal (`?` for none).
    pub tty: String,
    /// Nice value.
    pub nice: i32,
    /// Seconds after boot it started.
    pub start_offset: u32,
    /// CPU milliseconds it uses per hour of uptime.
    pub cpu_ms_per_hour: u32,
    /// Sockets it listens on.
    #[serde(default)]
    pub listen: Vec<Listen>,
}

/// A listening (or, for UDP, bound) socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listen {
    /// `tcp` or `udp`.
    pub proto: String,
    /// Whether it is an IPv6 socket.
    pub v6: bool,
    /// Local address without brackets (`0.0.0.0`, `127.0.0.53`, `::`); `None` means the
    /// primary interface address.
    pub addr: Option<String>,
    /// The interface it is bound to (`lo` for the stub resolver), shown by `ss` as `%lo`.
    pub dev: Option<String>,
    /// Port.
    pub port: u16,
    /// The file descriptor (for `ss -p`).
    pub fd: u32,
    /// Accept backlog (TCP listeners).
    pub backlog: u32,
}

impl Service {
    /// CPU seconds used after `uptime` seconds.
    pub fn cpu_secs(&self, uptime: u64) -> u64 {
        let running = uptime.saturating_sub(u64::from(self.start_offset));
        running * u64::from(self.cpu_ms_per_hour) / 3_600_000
    }
}

/// One row of the static service table.
struct Daemon {
    user: &'static str,
    comm: &'static str,
    args: String,
    vsz: u64,
    rss: u64,
    stat: &'static str,
    tty: &'static str,
    cpu: u32,
}

fn d(
    user: &'static str,
    comm: &'static str,
    args: &str,
    vsz: u64,
    rss: u64,
    stat: &'static str,
    cpu: u32,
) -> Daemon {
    Daemon {
        user,
        comm,
        args: args.to_owned(),
        vsz,
        rss,
        stat,
        tty: "?",
        cpu,
    }
}

fn listen(
    proto: &str,
    v6: bool,
    addr: Option<&str>,
    dev: Option<&str>,
    port: u16,
    fd: u32,
    backlog: u32,
) -> Listen {
    Listen {
        proto: proto.to_owned(),
        v6,
        addr: addr.map(str::to_owned),
        dev: dev.map(str::to_owned),
        port,
        fd,
        backlog,
    }
}

/// The daemons a `series` host on `platform` runs, in start order; `web` adds nginx.
/// PIDs start after the kernel threads and grow in boot order.
pub(super) fn generate_services(
    rng: &mut StdRng,
    series: Series,
    platform: Platform,
    vcpus: u32,
    web: bool,
    dhcp: bool,
) -> Vec<Service> {
    let lib = if series == Series::Noble {
        "/usr/lib/systemd"
    } else {
        "/lib/systemd"
    };
    let init = if platform.is_cloud() || series != Series::Focal {
        "/sbin/init"
    } else {
        "/sbin/init maybe-ubiquity"
    };
    let journald = format!("{lib}/systemd-journald");
    let udevd = format!("{lib}/systemd-udevd");
    let networkd = format!("{lib}/systemd-networkd");
    let resolved = format!("{lib}/systemd-resolved");
    let timesyncd = format!("{lib}/systemd-timesyncd");
    let logind = format!("{lib}/systemd-logind");
    let mut table: Vec<(Daemon, Vec<Listen>)> = vec![
        (
            d("root", "systemd", init, 167_700, 12_900, "Ss", 1_400),
            vec![],
        ),
        (
            d(
                "root",
                "systemd-journal",
                &journald,
                55_412,
                17_240,
                "S<s",
                600,
            ),
            vec![],
        ),
        (
            d(
                "root",
                "multipathd",
                "/sbin/multipathd -d -s",
                289_312,
                27_100,
                "SLsl",
                900,
            ),
            vec![],
        ),
        (
            d("root", "systemd-udevd", &udevd, 25_236, 6_472, "Ss", 120),
            vec![],
        ),
        (
            d(
                "systemd-network",
                "systemd-network",
                &networkd,
                16_124,
                8_012,
                "Ss",
                60,
            ),
            if dhcp {
                vec![listen("udp", false, None, None, 68, 18, 0)]
            } else {
                vec![]
            },
        ),
        (
            d(
                "systemd-resolve",
                "systemd-resolve",
                &resolved,
                25_528,
                12_552,
                "Ss",
                150,
            ),
            {
                let mut l = vec![
                    listen("udp", false, Some("127.0.0.53"), Some("lo"), 53, 13, 0),
                    listen("tcp", false, Some("127.0.0.53"), Some("lo"), 53, 14, 4096),
                ];
                if series == Series::Noble {
                    l.push(listen("udp", false, Some("127.0.0.54"), None, 53, 15, 0));
                    l.push(listen("tcp", false, Some("127.0.0.54"), None, 53, 16, 4096));
                }
                l
            },
        ),
        (
            d(
                "systemd-timesync",
                "systemd-timesyn",
                &timesyncd,
                89_356,
                6_604,
                "Ssl",
                30,
            ),
            vec![],
        ),
    ];
    match platform {
        Platform::Aws | Platform::AwsXen => table.push((
            d(
                "root",
                "amazon-ssm-agen",
                "/snap/amazon-ssm-agent/7628/amazon-ssm-agent",
                1_318_300,
                18_900,
                "Ssl",
                2_500,
            ),
            vec![],
        )),
        Platform::Azure => table.push((
            d(
                "root",
                "python3",
                "/usr/bin/python3 -u /usr/sbin/waagent -daemon",
                31_224,
                23_156,
                "Ss",
                200,
            ),
            vec![],
        )),
        Platform::Gcp => table.push((
            d(
                "root",
                "google_guest_ag",
                "/usr/bin/google_guest_agent",
                1_238_584,
                21_992,
                "Ssl",
                1_800,
            ),
            vec![],
        )),
        Platform::DigitalOcean => table.push((
            d(
                "root",
                "droplet-agent",
                "/opt/digitalocean/bin/droplet-agent -syslog",
                1_232_392,
                11_604,
                "Ssl",
                900,
            ),
            vec![],
        )),
        Platform::Vmware => table.push((
            d(
                "root",
                "vmtoolsd",
                "/usr/bin/vmtoolsd",
                245_688,
                8_920,
                "Ssl",
                2_200,
            ),
            vec![],
        )),
        Platform::Kvm => table.push((
            d(
                "root",
                "qemu-ga",
                "/usr/sbin/qemu-ga",
                162_032,
                3_924,
                "Ssl",
                40,
            ),
            vec![],
        )),
        Platform::Hetzner => {}
    }
    let cron = if series == Series::Focal {
        "/usr/sbin/cron -f"
    } else {
        "/usr/sbin/cron -f -P"
    };
    let dbus = match series {
        Series::Focal => {
            "/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only"
        }
        _ => {
            "@dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only"
        }
    };
    let polkit = match series {
        Series::Focal => d(
            "root",
            "polkitd",
            "/usr/lib/policykit-1/polkitd --no-debug",
            232_716,
            7_368,
            "Ssl",
            20,
        ),
        Series::Jammy => d(
            "root",
            "polkitd",
            "/usr/libexec/polkitd --no-debug",
            234_484,
            6_868,
            "Ssl",
            20,
        ),
        Series::Noble => d(
            "polkitd",
            "polkitd",
            "/usr/lib/polkit-1/polkitd --no-debug",
            308_164,
            7_808,
            "Ssl",
            20,
        ),
    };
    table.push((d("root", "cron", cron, 7_288, 2_764, "Ss", 50), vec![]));
    table.push((
        d("messagebus", "dbus-daemon", dbus, 8_860, 4_984, "Ss", 80),
        vec![],
    ));
    if series != Series::Noble {
        table.push((
            d(
                "root",
                "irqbalance",
                "/usr/sbin/irqbalance --foreground",
                82_836,
                3_952,
                "Ssl",
                300,
            ),
            vec![],
        ));
    }
    table.push((
        d(
            "root",
            "networkd-dispat",
            "/usr/bin/python3 /usr/bin/networkd-dispatcher --run-startup-triggers",
            32_652,
            19_204,
            "Ss",
            10,
        ),
        vec![],
    ));
    table.push((polkit, vec![]));
    table.push((
        d(
            "syslog",
            "rsyslogd",
            "/usr/sbin/rsyslogd -n -iNONE",
            222_404,
            5_812,
            "Ssl",
            90,
        ),
        vec![],
    ));
    table.push((
        d(
            "root",
            "snapd",
            "/usr/lib/snapd/snapd",
            1_467_872,
            33_416,
            "Ssl",
            700,
        ),
        vec![],
    ));
    table.push((
        d("root", "systemd-logind", &logind, 15_032, 7_404, "Ss", 40),
        vec![],
    ));
    let udisks = if series == Series::Focal {
        "/usr/lib/udisks2/udisksd"
    } else {
        "/usr/libexec/udisks2/udisksd"
    };
    table.push((
        d("root", "udisksd", udisks, 392_588, 12_948, "Ssl", 60),
        vec![],
    ));
    if platform.is_cloud() {
        table.push((
            Daemon {
                tty: "ttyS0",
                ..d(
                    "root",
                    "agetty",
                    "/sbin/agetty -o -p -- \\u --keep-baud 115200,57600,38400,9600 ttyS0 vt220",
                    6_220,
                    2_112,
                    "Ss+",
                    0,
                )
            },
            vec![],
        ));
    }
    table.push((
        Daemon {
            tty: "tty1",
            ..d(
                "root",
                "agetty",
                "/sbin/agetty -o -p -- \\u --noclear tty1 linux",
                6_176,
                1_972,
                "Ss+",
                0,
            )
        },
        vec![],
    ));
    table.push((
        d("root", "unattended-upgr", "/usr/bin/python3 /usr/share/unattended-upgrades/unattended-upgrade-shutdown --wait-for-signal", 110_088, 21_236, "Ssl", 10),
        vec![],
    ));
    if series != Series::Noble {
        table.push((
            d(
                "root",
                "ModemManager",
                "/usr/sbin/ModemManager",
                317_032,
                11_860,
                "Ssl",
                20,
            ),
            vec![],
        ));
    }
    table.push((
        d(
            "root",
            "sshd",
            "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
            15_436,
            9_004,
            "Ss",
            600,
        ),
        vec![
            listen("tcp", false, Some("0.0.0.0"), None, 22, 3, 128),
            listen("tcp", true, Some("::"), None, 22, 4, 128),
        ],
    ));
    if web {
        table.push((
            d(
                "root",
                "nginx",
                "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;",
                55_208,
                1_636,
                "Ss",
                5,
            ),
            vec![
                listen("tcp", false, Some("0.0.0.0"), None, 80, 6, 511),
                listen("tcp", true, Some("::"), None, 80, 7, 511),
            ],
        ));
        for _ in 0..vcpus {
            table.push((
                d(
                    "www-data",
                    "nginx",
                    "nginx: worker process",
                    55_876,
                    5_520,
                    "S",
                    30,
                ),
                vec![],
            ));
        }
    }
    // PIDs in boot order: kernel threads first, then units as systemd starts them.
    let mut pid = 1;
    let mut next_pid = kthread_count(series, vcpus) + rng.gen_range(80..160);
    let mut offset = 0;
    let mut master = 0;
    table
        .into_iter()
        .enumerate()
        .map(|(i, (daemon, listen))| {
            if i > 0 {
                next_pid += rng.gen_range(1..40);
                pid = next_pid;
                offset = (offset + rng.gen_range(0..2)).min(30) + u32::from(i > 8);
            }
            let ppid = match (i, daemon.args.as_str()) {
                (0, _) => 0,
                (_, "nginx: worker process") => master,
                _ => 1,
            };
            if daemon.args.starts_with("nginx: master") {
                master = pid;
            }
            let jitter = |v: u64, rng: &mut StdRng| {
                if v == 0 {
                    0
                } else {
                    v + rng.gen_range(0..v / 20 + 1)
                }
            };
            let rss = jitter(daemon.rss, rng);
            Service {
                pid,
                ppid,
                user: daemon.user.to_owned(),
                comm: daemon.comm.to_owned(),
                args: daemon.args.clone(),
                vsz_kb: jitter(daemon.vsz, rng),
                rss_kb: rss,
                shr_kb: rss * rng.gen_range(45..80) / 100,
                stat: daemon.stat.to_owned(),
                tty: daemon.tty.to_owned(),
                nice: if daemon.stat.contains('<') { -1 } else { 0 },
                start_offset: if i == 0 { 0 } else { 2 + offset },
                cpu_ms_per_hour: daemon.cpu * rng.gen_range(80..120) / 100,
                listen,
            }
        })
        .collect()
}

/// How many kernel threads run before userspace starts.
fn kthread_count(series: Series, vcpus: u32) -> u32 {
    kernel_threads(series, vcpus, "sda").len() as u32 + 60
}
