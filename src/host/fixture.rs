//! A fixed host for tests: every fact written out, so expected outputs can be written down
//! from the real tools' formats without running the generator.

use std::net::Ipv4Addr;

use chrono::{DateTime, TimeZone, Utc};

use super::HostProfile;
use super::accounts::User;
use super::facts::Package;
use super::hardware::{Cpu, Memory};
use super::network::Network;
use super::platform::Platform;
use super::processes::{Listen, Service};
use super::storage::{Snap, Storage};

/// When the fixed host booted: Wednesday 10 January 2024, 07:12:43 UTC.
pub fn boot() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 10, 7, 12, 43)
        .single()
        .unwrap_or_default()
}

/// The moment tests look at the fixed host: 21 February 2024, 10:03:01 UTC (42 days, 2:50
/// after boot).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, 21, 10, 3, 1)
        .single()
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn service(
    pid: u32,
    user: &str,
    comm: &str,
    args: &str,
    sizes: (u64, u64, u64),
    stat: &str,
    start: u32,
    cpu: u32,
) -> Service {
    Service {
        pid,
        ppid: if pid == 1 { 0 } else { 1 },
        user: user.to_owned(),
        comm: comm.to_owned(),
        args: args.to_owned(),
        vsz_kb: sizes.0,
        rss_kb: sizes.1,
        shr_kb: sizes.2,
        stat: stat.to_owned(),
        tty: "?".to_owned(),
        nice: if stat.contains('<') { -1 } else { 0 },
        start_offset: start,
        cpu_ms_per_hour: cpu,
        listen: Vec::new(),
    }
}

/// An Ubuntu 22.04 EC2 instance (t3.medium: 2 vCPUs, 4 GiB) named `web-prod-03`.
///
/// The struct update fills whatever fields other parts of Mirage add to the profile later.
#[allow(clippy::needless_update)]
pub fn jammy() -> HostProfile {
    let mut sshd = service(
        733,
        "root",
        "sshd",
        "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
        (15_436, 9_004, 7_520),
        "Ss",
        5,
        600,
    );
    sshd.listen = vec![
        Listen {
            proto: "tcp".into(),
            v6: false,
            addr: Some("0.0.0.0".into()),
            dev: None,
            port: 22,
            fd: 3,
            backlog: 128,
        },
        Listen {
            proto: "tcp".into(),
            v6: true,
            addr: Some("::".into()),
            dev: None,
            port: 22,
            fd: 4,
            backlog: 128,
        },
    ];
    let mut resolved = service(
        403,
        "systemd-resolve",
        "systemd-resolve",
        "/lib/systemd/systemd-resolved",
        (25_528, 12_552, 8_320),
        "Ss",
        2,
        150,
    );
    resolved.listen = vec![
        Listen {
            proto: "udp".into(),
            v6: false,
            addr: Some("127.0.0.53".into()),
            dev: Some("lo".into()),
            port: 53,
            fd: 13,
            backlog: 0,
        },
        Listen {
            proto: "tcp".into(),
            v6: false,
            addr: Some("127.0.0.53".into()),
            dev: Some("lo".into()),
            port: 53,
            fd: 14,
            backlog: 4096,
        },
    ];
    let mut networkd = service(
        401,
        "systemd-network",
        "systemd-network",
        "/lib/systemd/systemd-networkd",
        (16_124, 8_012, 7_044),
        "Ss",
        2,
        60,
    );
    networkd.listen = vec![Listen {
        proto: "udp".into(),
        v6: false,
        addr: None,
        dev: None,
        port: 68,
        fd: 18,
        backlog: 0,
    }];
    HostProfile {
        seed: 0,
        hostname: "web-prod-03".to_owned(),
        kernel_name: "Linux".to_owned(),
        kernel_release: "5.15.0-91-generic".to_owned(),
        kernel_version: "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023".to_owned(),
        machine: "x86_64".to_owned(),
        processor: "x86_64".to_owned(),
        hardware_platform: "x86_64".to_owned(),
        os: "GNU/Linux".to_owned(),
        distro: "Ubuntu 22.04.3 LTS".to_owned(),
        coreutils_version: "8.32".to_owned(),
        platform: Platform::Aws,
        cpu: Cpu {
            vendor_id: "GenuineIntel".to_owned(),
            model_name: "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz".to_owned(),
            family: 6,
            model: 85,
            stepping: 7,
            microcode: "0x5003604".to_owned(),
            mhz: "2499.998".to_owned(),
            cache_kb: 36608,
            cpuid_level: 13,
            bogomips: "4999.99".to_owned(),
            address_sizes: "46 bits physical, 48 bits virtual".to_owned(),
            flags: "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch invpcid_single fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid mpx avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves ida arat pku ospke avx512_vnni".to_owned(),
            bugs: "spectre_v1 spectre_v2 spec_store_bypass swapgs mmio_stale_data retbleed eibrs_pbrsb gds".to_owned(),
            vcpus: 2,
            threads_per_core: 2,
            sockets: 1,
            l1d_kb: 32,
            l1i_kb: 32,
            l2_kb: 1024,
            l3_kb: 36608,
            hypervisor: "KVM".to_owned(),
        },
        memory: Memory {
            total_kb: 3_964_656,
            swap_kb: 0,
            base_used_kb: 240_000,
            cache_share: 450,
        },
        storage: Storage {
            root_device: "/dev/root".to_owned(),
            disk: "nvme0n1".to_owned(),
            root_size_kb: 30_297_152,
            root_used_kb: 2_412_344,
            efi: Some("/dev/nvme0n1p15".to_owned()),
            boot: None,
            snaps: vec![
                Snap { name: "core20".to_owned(), revision: 2182, size_kb: 65_408 },
                Snap { name: "snapd".to_owned(), revision: 20671, size_kb: 39_808 },
            ],
            temp_disk: None,
        },
        network: Network {
            iface: "ens5".to_owned(),
            altname: Some("enp0s5".to_owned()),
            mac: "0a:3c:5e:71:9b:2d".to_owned(),
            ipv4: Ipv4Addr::new(172, 31, 20, 7),
            prefix: 20,
            gateway: Ipv4Addr::new(172, 31, 16, 1),
            dns_route: Some(Ipv4Addr::new(172, 31, 0, 2)),
            mtu: 9001,
            dhcp_lease: Some(3600),
            qdisc: "mq".to_owned(),
            rx_rate: 1_000,
            tx_rate: 500,
        },
        users: vec![
            User {
                name: "ubuntu".to_owned(),
                uid: 1000,
                gid: 1000,
                gecos: "Ubuntu".to_owned(),
                groups: ["adm", "dialout", "cdrom", "floppy", "sudo", "audio", "dip", "video", "plugdev", "netdev", "lxd"]
                    .iter()
                    .map(|g| (*g).to_owned())
                    .collect(),
                password_hash: "!".to_owned(),
            },
            User {
                name: "deploy".to_owned(),
                uid: 1001,
                gid: 1001,
                gecos: ",,,".to_owned(),
                groups: vec!["sudo".to_owned()],
                password_hash: "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq".to_owned(),
            },
        ],
        packages: vec![Package {
            name: "openssh-server".to_owned(),
            version: "1:8.9p1-3ubuntu0.10".to_owned(),
            arch: "amd64".to_owned(),
        }],
        services: vec![
            service(1, "root", "systemd", "/sbin/init", (167_700, 12_900, 8_424), "Ss", 0, 1_400),
            service(241, "root", "systemd-journal", "/lib/systemd/systemd-journald", (55_412, 17_240, 16_088), "S<s", 1, 600),
            networkd,
            resolved,
            service(512, "root", "cron", "/usr/sbin/cron -f -P", (7_288, 2_764, 2_504), "Ss", 3, 50),
            service(531, "syslog", "rsyslogd", "/usr/sbin/rsyslogd -n -iNONE", (222_404, 5_812, 4_520), "Ssl", 3, 90),
            sshd,
        ],
        boot_time: boot(),
        machine_id: "5f4dcc3b5aa765d61d8327deb882cf99".to_owned(),
        ..HostProfile::generate(0)
    }
}
