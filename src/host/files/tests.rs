//! Expected contents written from the kernel's `/proc` formats (`show_cpuinfo`,
//! `meminfo_proc_show`, `uptime_proc_show`, `loadavg_proc_show`, `rt_cache_seq_show`) and
//! Ubuntu's `base-files`, for the fixed host.

use chrono::{Duration, TimeZone, Utc};

use super::{dynamic_file, static_files};
use crate::host::HostProfile;
use crate::host::fixture::{jammy, now};

fn file(path: &str) -> String {
    let bytes = dynamic_file(path, &jammy(), now())
        .or_else(|| {
            static_files(&jammy())
                .into_iter()
                .find(|(p, _)| p == path)
                .map(|(_, c)| c)
        })
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn cpuinfo_blocks() {
    let text = file("/proc/cpuinfo");
    let first = text.split("\n\n").next().unwrap_or_default();
    let expected = format!(
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n\
         model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz\nstepping\t: 7\n\
         microcode\t: 0x5003604\ncpu MHz\t\t: 2499.998\ncache size\t: 36608 KB\n\
         physical id\t: 0\nsiblings\t: 2\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\n\
         initial apicid\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\n\
         flags\t\t: {}\nbugs\t\t: {}\nbogomips\t: 4999.99\nclflush size\t: 64\n\
         cache_alignment\t: 64\naddress sizes\t: 46 bits physical, 48 bits virtual\n\
         power management:",
        jammy().cpu.flags,
        jammy().cpu.bugs
    );
    assert_eq!(first, expected);
    assert_eq!(text.matches("processor\t: ").count(), 2);
    assert!(text.contains("processor\t: 1\n"));
    // Hyper-threads of one core share its core id.
    assert_eq!(text.matches("core id\t\t: 0\n").count(), 2);
    assert!(text.ends_with("power management:\n\n"));
}

#[test]
fn meminfo_layout() {
    let text = file("/proc/meminfo");
    let m = jammy().memory_at(now());
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(format!("MemTotal:       {:>8} kB", m.total).as_str())
    );
    assert_eq!(
        lines.next(),
        Some(format!("MemFree:        {:>8} kB", m.free).as_str())
    );
    assert_eq!(
        lines.next(),
        Some(format!("MemAvailable:   {:>8} kB", m.available).as_str())
    );
    assert!(text.contains("\nVmallocTotal:   34359738367 kB\n"));
    assert!(text.contains("\nHardwareCorrupted:     0 kB\n"));
    assert!(text.contains("\nHugePages_Total:       0\nHugePages_Free:        0\n"));
    assert!(text.contains("\nHugepagesize:       2048 kB\n"));
    assert!(text.ends_with("DirectMap1G:           0 kB\n"));
    assert!(!text.contains("Zswap"), "5.15 has no Zswap line");
}

#[test]
fn version_uptime_loadavg() {
    assert_eq!(
        file("/proc/version"),
        "Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n"
    );
    // 42 days 2:50:18 up; idle time is summed over both CPUs.
    assert_eq!(file("/proc/uptime"), "3639018.00 7132475.28\n");
    let load = file("/proc/loadavg");
    let parts: Vec<&str> = load.split_whitespace().collect();
    assert_eq!(parts.len(), 5, "{load}");
    assert!(
        parts[..3]
            .iter()
            .all(|v| v.len() == 4 && v.as_bytes()[1] == b'.'),
        "{load}"
    );
    assert!(parts[3].starts_with("1/"), "{load}");
}

#[test]
fn route_table_in_kernel_hex() {
    let text = file("/proc/net/route");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|l| l.len() == 127), "{text}");
    assert_eq!(
        lines[0].trim_end(),
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
    );
    assert_eq!(
        lines[1].trim_end(),
        "ens5\t00000000\t01101FAC\t0003\t0\t0\t100\t00000000\t0\t0\t0"
    );
    assert_eq!(
        lines[3].trim_end(),
        "ens5\t00101FAC\t00000000\t0001\t0\t0\t100\t00F0FFFF\t0\t0\t0"
    );
}

#[test]
fn etc_identity_files() {
    assert_eq!(file("/etc/hostname"), "web-prod-03\n");
    assert_eq!(
        file("/etc/os-release"),
        "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n\
         VERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n\
         HOME_URL=\"https://www.ubuntu.com/\"\nSUPPORT_URL=\"https://help.ubuntu.com/\"\n\
         BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n\
         PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n\
         UBUNTU_CODENAME=jammy\n"
    );
    assert_eq!(
        file("/etc/lsb-release"),
        "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.3 LTS\"\n"
    );
    assert_eq!(file("/etc/issue"), "Ubuntu 22.04.3 LTS \\n \\l\n\n");
    assert_eq!(file("/etc/issue.net"), "Ubuntu 22.04.3 LTS\n");
    assert_eq!(file("/etc/debian_version"), "bookworm/sid\n");
    assert_eq!(
        file("/etc/machine-id"),
        "5f4dcc3b5aa765d61d8327deb882cf99\n"
    );
    assert_eq!(file("/etc/timezone"), "Etc/UTC\n");
}

#[test]
fn accounts_files() {
    let passwd = file("/etc/passwd");
    assert!(passwd.starts_with(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    ));
    assert!(passwd.contains("\nsshd:x:106:65534::/run/sshd:/usr/sbin/nologin\n"));
    assert!(passwd.ends_with("ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\ndeploy:x:1001:1001:,,,:/home/deploy:/bin/bash\n"));
    assert!(!passwd.contains("richard") && !passwd.contains("phil"));
    let group = file("/etc/group");
    assert!(group.contains("\nadm:x:4:syslog,ubuntu\n"));
    assert!(group.contains("\nsudo:x:27:ubuntu,deploy\n"));
    assert!(group.ends_with("ubuntu:x:1000:\ndeploy:x:1001:\n"));
    let shadow = super::etc::shadow(&jammy());
    assert!(
        !static_files(&jammy())
            .iter()
            .any(|(p, _)| p == "/etc/shadow")
    );
    assert_eq!(shadow.lines().count(), passwd.lines().count());
    let root = shadow.lines().next().unwrap_or_default();
    assert!(root.starts_with("root:$y$j9T$"), "{root}");
    assert!(shadow.contains("\ndaemon:*:"));
    assert!(shadow.contains("\nubuntu:!:"));
    assert!(shadow.lines().all(|l| l.ends_with(":0:99999:7:::")));
}

#[test]
fn releases_differ_where_base_files_does() {
    let mut focal = jammy();
    focal.distro = "Ubuntu 20.04.6 LTS".to_owned();
    let os = super::etc::os_release(&focal);
    assert!(
        os.starts_with("NAME=\"Ubuntu\"\nVERSION=\"20.04.6 LTS (Focal Fossa)\"\nID=ubuntu\n"),
        "{os}"
    );
    let mut noble = jammy();
    noble.distro = "Ubuntu 24.04 LTS".to_owned();
    assert!(super::etc::os_release(&noble).ends_with("UBUNTU_CODENAME=noble\nLOGO=ubuntu-logo\n"));
    assert!(super::etc::os_release(&noble).contains("VERSION=\"24.04 LTS (Noble Numbat)\"\n"));
}

#[test]
fn dynamic_files_move_with_time() {
    let p: HostProfile = jammy();
    let later = now() + Duration::hours(5);
    assert_ne!(
        dynamic_file("/proc/uptime", &p, now()),
        dynamic_file("/proc/uptime", &p, later)
    );
    assert_eq!(dynamic_file("/etc/passwd", &p, now()), None);
    // Before the boot (a clock gone wrong) nothing panics.
    let before = Utc
        .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    assert!(dynamic_file("/proc/uptime", &p, before).is_some());
}
