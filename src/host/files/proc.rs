//! `/proc` files, in the formats the release's kernel prints them, computed from the
//! profile at the moment they are read.

use std::net::Ipv4Addr;

use chrono::{DateTime, Utc};

use crate::host::HostProfile;
use crate::host::release::{Series, proc_version};

/// The contents of the `/proc` file `path` at `now`, if it is one Mirage generates.
pub fn file(path: &str, profile: &HostProfile, now: DateTime<Utc>) -> Option<String> {
    let uptime = profile.uptime_secs(now);
    Some(match path {
        "/proc/version" => proc_version(
            profile.series(),
            &profile.kernel_release,
            &profile.kernel_version,
        ),
        "/proc/cpuinfo" => cpuinfo(profile),
        "/proc/meminfo" => meminfo(profile, uptime),
        "/proc/uptime" => uptime_file(profile, now),
        "/proc/loadavg" => loadavg(profile, now),
        "/proc/mounts" | "/proc/self/mounts" => mounts(profile, uptime),
        "/proc/stat" => stat(profile, now),
        "/proc/swaps" => swaps(profile, uptime),
        "/proc/cmdline" => cmdline(profile),
        "/proc/net/route" => net_route(profile),
        "/proc/net/dev" => net_dev(profile, uptime),
        "/proc/net/if_inet6" => if_inet6(profile),
        "/proc/sys/kernel/hostname" => format!("{}\n", profile.hostname),
        "/proc/sys/kernel/osrelease" => format!("{}\n", profile.kernel_release),
        "/proc/sys/kernel/ostype" => format!("{}\n", profile.kernel_name),
        "/proc/sys/kernel/version" => format!("{}\n", profile.kernel_version),
        "/proc/sys/kernel/pid_max" => "4194304\n".to_owned(),
        "/proc/1/comm" => "systemd\n".to_owned(),
        "/proc/1/cmdline" => profile.services.first().map_or_else(
            || "/sbin/init\0".to_owned(),
            |s| s.args.replace(' ', "\0") + "\0",
        ),
        _ => return None,
    })
}

/// `/proc/cpuinfo`: one block per logical CPU, each followed by a blank line.
pub fn cpuinfo(profile: &HostProfile) -> String {
    let cpu = &profile.cpu;
    let per_socket = (cpu.vcpus / cpu.sockets.max(1)).max(1);
    let mut out = String::new();
    for i in 0..cpu.vcpus {
        let socket = i / per_socket;
        let core = (i % per_socket) / cpu.threads_per_core.max(1);
        let apic = if cpu.sockets > 1 { socket * 2 } else { i };
        out.push_str(&format!(
            "processor\t: {i}\n\
             vendor_id\t: {vendor}\n\
             cpu family\t: {family}\n\
             model\t\t: {model}\n\
             model name\t: {name}\n\
             stepping\t: {stepping}\n\
             microcode\t: {microcode}\n\
             cpu MHz\t\t: {mhz}\n\
             cache size\t: {cache} KB\n\
             physical id\t: {socket}\n\
             siblings\t: {per_socket}\n\
             core id\t\t: {core}\n\
             cpu cores\t: {cores}\n\
             apicid\t\t: {apic}\n\
             initial apicid\t: {apic}\n\
             fpu\t\t: yes\n\
             fpu_exception\t: yes\n\
             cpuid level\t: {level}\n\
             wp\t\t: yes\n\
             flags\t\t: {flags}\n\
             bugs\t\t: {bugs}\n\
             bogomips\t: {bogomips}\n\
             clflush size\t: 64\n\
             cache_alignment\t: 64\n\
             address sizes\t: {addr}\n\
             power management:\n\n",
            vendor = cpu.vendor_id,
            family = cpu.family,
            model = cpu.model,
            name = cpu.model_name,
            stepping = cpu.stepping,
            microcode = cpu.microcode,
            mhz = cpu.mhz,
            cache = cpu.cache_kb,
            cores = cpu.cores_per_socket(),
            level = cpu.cpuid_level,
            flags = cpu.flags,
            bugs = cpu.bugs,
            bogomips = cpu.bogomips,
            addr = cpu.address_sizes,
        ));
    }
    out
}

/// One `/proc/meminfo` line: the label padded to 16 columns, the value to 8.
fn kb_line(out: &mut String, label: &str, value: u64) {
    out.push_str(&format!("{label:<16}{value:>8} kB\n"));
}

/// `/proc/meminfo` after `uptime` seconds.
pub fn meminfo(profile: &HostProfile, uptime: u64) -> String {
    let m = profile.memory.at(profile.seed, uptime);
    let series = profile.series();
    let active_file = (m.cached + m.buffers) * 3 / 10;
    let inactive_file = (m.cached + m.buffers).saturating_sub(active_file + m.shmem);
    let active_anon = m.anon / 50 + m.shmem / 4;
    let inactive_anon = m.anon.saturating_sub(active_anon) + m.shmem;
    let unevictable = 23_040 + m.total / 1_000;
    let slab = m.sreclaimable + m.sunreclaim;
    let mut out = String::new();
    let mut kb = |label: &str, value: u64| kb_line(&mut out, label, value);
    kb("MemTotal:", m.total);
    kb("MemFree:", m.free);
    kb("MemAvailable:", m.available);
    kb("Buffers:", m.buffers);
    kb("Cached:", m.cached);
    kb("SwapCached:", 0);
    kb("Active:", active_anon + active_file);
    kb("Inactive:", inactive_anon + inactive_file);
    kb("Active(anon):", active_anon);
    kb("Inactive(anon):", inactive_anon);
    kb("Active(file):", active_file);
    kb("Inactive(file):", inactive_file);
    kb("Unevictable:", unevictable);
    kb("Mlocked:", unevictable);
    kb("SwapTotal:", m.swap_total);
    kb("SwapFree:", m.swap_free);
    if series == Series::Noble {
        kb("Zswap:", 0);
        kb("Zswapped:", 0);
    }
    kb("Dirty:", m.dirty);
    kb("Writeback:", 0);
    kb("AnonPages:", m.anon);
    kb("Mapped:", m.mapped);
    kb("Shmem:", m.shmem);
    kb("KReclaimable:", m.sreclaimable);
    kb("Slab:", slab);
    kb("SReclaimable:", m.sreclaimable);
    kb("SUnreclaim:", m.sunreclaim);
    kb("KernelStack:", m.kernel_stack);
    kb("PageTables:", m.page_tables);
    if series == Series::Noble {
        kb("SecPageTables:", 0);
    }
    kb("NFS_Unstable:", 0);
    kb("Bounce:", 0);
    kb("WritebackTmp:", 0);
    kb("CommitLimit:", m.total / 2 + m.swap_total);
    kb("Committed_AS:", m.committed);
    kb("VmallocTotal:", 34_359_738_367);
    kb(
        "VmallocUsed:",
        14_000 + u64::from(profile.cpu.vcpus) * 1_800,
    );
    kb("VmallocChunk:", 0);
    kb("Percpu:", u64::from(profile.cpu.vcpus) * 1_216);
    out.push_str(&format!("HardwareCorrupted: {:>5} kB\n", 0));
    for label in [
        "AnonHugePages:",
        "ShmemHugePages:",
        "ShmemPmdMapped:",
        "FileHugePages:",
        "FilePmdMapped:",
    ] {
        kb_line(&mut out, label, 0);
    }
    if series == Series::Noble {
        kb_line(&mut out, "Unaccepted:", 0);
    }
    out.push_str(
        "HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\nHugePages_Surp:        0\n",
    );
    kb_line(&mut out, "Hugepagesize:", 2048);
    kb_line(&mut out, "Hugetlb:", 0);
    let direct_4k = 120_000 + (profile.seed % 64) * 2_048;
    let mapped_total = (m.total + 200_000).div_ceil(2_048) * 2_048;
    kb_line(&mut out, "DirectMap4k:", direct_4k);
    kb_line(
        &mut out,
        "DirectMap2M:",
        mapped_total.saturating_sub(direct_4k) / 2_048 * 2_048,
    );
    kb_line(&mut out, "DirectMap1G:", 0);
    out
}

/// Hundredths of a second since boot at `now`.
fn uptime_centis(profile: &HostProfile, now: DateTime<Utc>) -> u64 {
    u64::try_from((now - profile.boot_time).num_milliseconds() / 10).unwrap_or(0)
}

fn uptime_file(profile: &HostProfile, now: DateTime<Utc>) -> String {
    let up = uptime_centis(profile, now);
    // Idle time adds up over every CPU; an idle server's CPUs idle ~98 % of the time.
    let idle = up * u64::from(profile.cpu.vcpus) * 98 / 100;
    format!(
        "{}.{:02} {}.{:02}\n",
        up / 100,
        up % 100,
        idle / 100,
        idle % 100
    )
}

/// Threads in the system (what `/proc/loadavg`'s second field counts).
pub fn thread_count(profile: &HostProfile) -> usize {
    let user: usize = profile
        .services
        .iter()
        .map(|s| {
            if s.stat.contains('l') {
                2 + (s.vsz_kb / 150_000) as usize
            } else {
                1
            }
        })
        .sum();
    profile.kernel_threads().len() + user + 2
}

fn loadavg(profile: &HostProfile, now: DateTime<Utc>) -> String {
    let load = profile.load_at(now);
    let last = profile.pid_at(profile.uptime_secs(now));
    format!(
        "{:.2} {:.2} {:.2} 1/{} {last}\n",
        load.avg[0],
        load.avg[1],
        load.avg[2],
        thread_count(profile)
    )
}

fn mounts(profile: &HostProfile, uptime: u64) -> String {
    profile
        .mounts(Some(0), uptime)
        .iter()
        .map(|m| format!("{} {} {} {} 0 0\n", m.device, m.dir, m.fstype, m.options))
        .collect()
}

fn stat(profile: &HostProfile, now: DateTime<Utc>) -> String {
    let up = uptime_centis(profile, now);
    let cpus = u64::from(profile.cpu.vcpus.max(1));
    let per_cpu = |i: u64| {
        let total = up + i * 7;
        let user = total / 90 + i * 13;
        let nice = total / 4_000;
        let system = total / 170 + i * 5;
        let iowait = total / 2_500;
        let softirq = total / 1_800;
        let steal = total / 3_000;
        let idle = total.saturating_sub(user + nice + system + iowait + softirq + steal);
        [user, nice, system, idle, iowait, 0, softirq, steal, 0, 0]
    };
    let mut sum = [0u64; 10];
    let mut lines = String::new();
    for i in 0..cpus {
        let fields = per_cpu(i);
        for (s, f) in sum.iter_mut().zip(fields) {
            *s += f;
        }
        let joined: Vec<String> = fields.iter().map(u64::to_string).collect();
        lines.push_str(&format!("cpu{i} {}\n", joined.join(" ")));
    }
    let joined: Vec<String> = sum.iter().map(u64::to_string).collect();
    let uptime = up / 100;
    let irqs = uptime * 37 * cpus + 51_234;
    let mut intr = format!("intr {irqs} 9 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
    for _ in 0..48 {
        intr.push_str(" 0");
    }
    format!(
        "cpu  {}\n{lines}{intr}\nctxt {}\nbtime {}\nprocesses {}\nprocs_running 1\nprocs_blocked 0\nsoftirq {} 0 {} 2 {} {} 0 {} {} 0 {}\n",
        joined.join(" "),
        uptime * 211 * cpus + 812_345,
        profile.boot_time.timestamp(),
        profile.pid_at(uptime),
        uptime * 19 + 4_321,
        uptime * 5 + 211,
        uptime * 3 + 97,
        uptime + 41,
        uptime * 4 + 7,
        uptime * 6 + 120,
        uptime * 7 + 3_001,
    )
}

fn swaps(profile: &HostProfile, uptime: u64) -> String {
    let mut out = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n".to_owned();
    let m = profile.memory.at(profile.seed, uptime);
    if m.swap_total > 0 {
        let name = "/swap.img";
        let used = m.swap_total - m.swap_free;
        let pad = 40usize.saturating_sub(name.len()).max(1);
        out.push_str(&format!(
            "{name}{:pad$}file\t\t{}\t{}{}\t{}-2\n",
            "",
            m.swap_total,
            if m.swap_total < 10_000_000 { "\t" } else { "" },
            used,
            if used < 10_000_000 { "\t" } else { "" },
        ));
    }
    out
}

fn cmdline(profile: &HostProfile) -> String {
    let k = &profile.kernel_release;
    if profile.platform.is_cloud() {
        let id = profile.machine_id.as_bytes();
        let part = |r: std::ops::Range<usize>| {
            String::from_utf8_lossy(id.get(r).unwrap_or_default()).into_owned()
        };
        format!(
            "BOOT_IMAGE=/boot/vmlinuz-{k} root=PARTUUID={}-{}-{}-{}-{} ro console=tty1 console=ttyS0 panic=-1\n",
            part(0..8),
            part(8..12),
            part(12..16),
            part(16..20),
            part(20..32)
        )
    } else {
        format!("BOOT_IMAGE=/vmlinuz-{k} root=/dev/mapper/ubuntu--vg-ubuntu--lv ro\n")
    }
}

/// A route as the kernel's main table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Destination network.
    pub dest: Ipv4Addr,
    /// Prefix length.
    pub prefix: u8,
    /// Next hop, if not directly connected.
    pub via: Option<Ipv4Addr>,
    /// `proto`: `kernel`, `dhcp`, `static`.
    pub proto: &'static str,
    /// `scope link` routes (directly reachable).
    pub link: bool,
    /// Metric (0: none).
    pub metric: u32,
    /// Whether the route carries `src` (the interface address).
    pub src: bool,
}

/// The main routing table, in the kernel's (ascending) order.
pub fn routes(profile: &HostProfile) -> Vec<Route> {
    let n = &profile.network;
    let dhcp = n.dhcp_lease.is_some();
    let metric = if dhcp { 100 } else { 0 };
    let mut routes = vec![Route {
        dest: Ipv4Addr::UNSPECIFIED,
        prefix: 0,
        via: Some(n.gateway),
        proto: if dhcp { "dhcp" } else { "static" },
        link: false,
        metric,
        src: dhcp,
    }];
    if n.prefix < 32 {
        routes.push(Route {
            dest: n.network(),
            prefix: n.prefix,
            via: None,
            proto: "kernel",
            link: true,
            // networkd (22.04+) gives the prefix route the DHCP metric too.
            metric: if dhcp && profile.series() != Series::Focal {
                100
            } else {
                0
            },
            src: true,
        });
    }
    if dhcp {
        for host in std::iter::once(n.gateway).chain(n.dns_route) {
            routes.push(Route {
                dest: host,
                prefix: 32,
                via: None,
                proto: "dhcp",
                link: true,
                metric: 100,
                src: true,
            });
        }
    }
    routes.sort_by_key(|r| (u32::from(r.dest), r.prefix));
    routes
}

fn hex_le(addr: Ipv4Addr) -> String {
    format!("{:08X}", u32::from_le_bytes(addr.octets()))
}

fn net_route(profile: &HostProfile) -> String {
    let iface = &profile.network.iface;
    let mut out = format!(
        "{:<127}\n",
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
    );
    for r in routes(profile) {
        let mask = if r.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(r.prefix))
        };
        let flags = 0x0001
            | if r.via.is_some() { 0x0002 } else { 0 }
            | if r.prefix == 32 { 0x0004 } else { 0 };
        let line = format!(
            "{iface}\t{}\t{}\t{flags:04X}\t0\t0\t{}\t{}\t0\t0\t0",
            hex_le(r.dest),
            hex_le(r.via.unwrap_or(Ipv4Addr::UNSPECIFIED)),
            r.metric,
            hex_le(Ipv4Addr::from(mask)),
        );
        out.push_str(&format!("{line:<127}\n"));
    }
    out
}

fn net_dev(profile: &HostProfile, uptime: u64) -> String {
    let n = &profile.network;
    let mut out = "Inter-|   Receive                                                |  Transmit\n \
                   face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
        .to_owned();
    for (name, c) in [
        ("lo", n.loopback_counters(uptime)),
        (n.iface.as_str(), n.counters(uptime)),
    ] {
        out.push_str(&format!("{name:>6}:{:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>10} {:>9} {:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>7} {:>10}\n",
            c.rx_bytes, c.rx_packets, 0, 0, 0, 0, 0, 0, c.tx_bytes, c.tx_packets, 0, 0, 0, 0, 0, 0
        ));
    }
    out
}

fn if_inet6(profile: &HostProfile) -> String {
    let n = &profile.network;
    let hex: String = n
        .ipv6_link_local()
        .octets()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{hex} 02 40 20 80 {:>8}\n00000000000000000000000000000001 01 80 10 80 {:>8}\n",
        n.iface, "lo"
    )
}
