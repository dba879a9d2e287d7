//! Expected outputs written from util-linux's `lscpu.c` (2.34 and 2.37.2 `print_summary`,
//! libsmartcols' non-terminal table: keys padded to the longest key plus one space) and
//! coreutils' `nproc.c`, for the fixed host's facts.

use super::human_size;
use crate::shell::commands::testing::{host, run, run_status};

#[test]
fn nproc_counts_vcpus() {
    assert_eq!(run("nproc"), "2\n");
    assert_eq!(run("nproc --all"), "2\n");
    assert_eq!(run("nproc --ignore=1"), "1\n");
    // Never less than one.
    assert_eq!(run("nproc --ignore 5"), "1\n");
    assert_eq!(
        run_status("nproc --ignore=x"),
        ("nproc: invalid number: \u{2018}x\u{2019}\n".to_owned(), 1)
    );
    assert_eq!(
        run("nproc -q"),
        "nproc: invalid option -- 'q'\nTry 'nproc --help' for more information.\n"
    );
    assert!(run("nproc --version").starts_with("nproc (GNU coreutils) 8.32\n"));
}

#[test]
fn human_sizes_like_util_linux() {
    // size_to_human_string(SIZE_SUFFIX_3LETTER | SIZE_SUFFIX_SPACE, …)
    assert_eq!(human_size(32 * 1024), "32 KiB");
    assert_eq!(human_size(1024 * 1024), "1 MiB");
    assert_eq!(human_size(36_608 * 1024), "35.8 MiB");
    assert_eq!(human_size(64 * 1024), "64 KiB");
    assert_eq!(human_size(56_320 * 1024), "55 MiB");
    assert_eq!(human_size(22_528 * 1024), "22 MiB");
    assert_eq!(human_size(500), "500 B");
}

const JAMMY_LSCPU: &str = "\
Architecture:                       x86_64
CPU op-mode(s):                     32-bit, 64-bit
Address sizes:                      46 bits physical, 48 bits virtual
Byte Order:                         Little Endian
CPU(s):                             2
On-line CPU(s) list:                0,1
Vendor ID:                          GenuineIntel
Model name:                         Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz
CPU family:                         6
Model:                              85
Thread(s) per core:                 2
Core(s) per socket:                 1
Socket(s):                          1
Stepping:                           7
BogoMIPS:                           4999.99
Flags:                              FLAGS
Hypervisor vendor:                  KVM
Virtualization type:                full
L1d cache:                          32 KiB (1 instance)
L1i cache:                          32 KiB (1 instance)
L2 cache:                           1 MiB (1 instance)
L3 cache:                           35.8 MiB (1 instance)
NUMA node(s):                       1
NUMA node0 CPU(s):                  0,1
Vulnerability Gather data sampling: Unknown: Dependent on hypervisor status
Vulnerability Itlb multihit:        Not affected
Vulnerability L1tf:                 Not affected
Vulnerability Mds:                  Not affected
Vulnerability Meltdown:             Not affected
Vulnerability Mmio stale data:      Vulnerable: Clear CPU buffers attempted, no microcode; SMT Host state unknown
Vulnerability Retbleed:             Vulnerable
Vulnerability Spec rstack overflow: Not affected
Vulnerability Spec store bypass:    Vulnerable
Vulnerability Spectre v1:           Mitigation; usercopy/swapgs barriers and __user pointer sanitization
Vulnerability Spectre v2:           Mitigation; Retpolines, STIBP disabled, RSB filling, PBRSB-eIBRS Not affected
Vulnerability Srbds:                Not affected
Vulnerability Tsx async abort:      Not affected
";

#[test]
fn lscpu_summary_on_jammy() {
    let expected = JAMMY_LSCPU.replace("FLAGS", &host().cpu.flags);
    assert_eq!(run("lscpu"), expected);
    // What `lscpu | grep Model` keeps.
    let model: Vec<String> = run("lscpu")
        .lines()
        .filter(|l| l.contains("Model"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        model,
        [
            "Model name:                         Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz",
            "Model:                              85"
        ]
    );
    assert_eq!(run("lscpu --version"), "lscpu from util-linux 2.37.2\n");
    assert_eq!(
        run_status("lscpu -z"),
        (
            "lscpu: invalid option -- 'z'\nTry 'lscpu --help' for more information.\n".to_owned(),
            1
        )
    );
}

#[test]
fn lscpu_summary_on_focal_uses_the_old_order() {
    let mut h = host();
    h.distro = "Ubuntu 20.04.6 LTS".to_owned();
    h.kernel_release = "5.4.0-150-generic".to_owned();
    h.cpu.bugs =
        "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs itlb_multihit"
            .to_owned();
    let rows = super::summary_rows(&h, false);
    let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        &keys[..17],
        [
            "Architecture:",
            "CPU op-mode(s):",
            "Byte Order:",
            "Address sizes:",
            "CPU(s):",
            "On-line CPU(s) list:",
            "Thread(s) per core:",
            "Core(s) per socket:",
            "Socket(s):",
            "NUMA node(s):",
            "Vendor ID:",
            "CPU family:",
            "Model:",
            "Model name:",
            "Stepping:",
            "CPU MHz:",
            "BogoMIPS:",
        ]
    );
    assert_eq!(keys.last(), Some(&"Flags:"));
    let cache: Vec<&str> = rows
        .iter()
        .filter(|(k, _)| k.ends_with(" cache:"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(cache, ["32 KiB", "32 KiB", "1 MiB", "35.8 MiB"]);
    assert!(rows.contains(&(
        "Vulnerability Meltdown:".to_owned(),
        "Mitigation; PTI".to_owned()
    )));
    assert!(rows.contains(&(
        "Vulnerability L1tf:".to_owned(),
        "Mitigation; PTE Inversion".to_owned()
    )));
}

#[test]
fn lscpu_on_a_terminal_is_a_wrapped_tree() {
    let shell = crate::shell::Shell::new(std::sync::Arc::new(host()));
    let mut state = crate::shell::commands::testing::session("root");
    let mut overlay = shell.scratch_overlay("root");
    let out = shell.run(
        &mut state,
        &mut overlay,
        crate::shell::Terminal::Columns(80),
        "lscpu",
    );
    let text = String::from_utf8_lossy(&out.output).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    // The widest key is "Virtualization features:" (24); values start at column 25 and
    // wrap every 55 characters.
    assert_eq!(lines[0], "Architecture:            x86_64");
    assert_eq!(lines[1], "  CPU op-mode(s):        32-bit, 64-bit");
    assert_eq!(
        lines[7],
        "  Model name:            Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"
    );
    assert_eq!(lines[8], "    CPU family:          6");
    assert_eq!(
        lines[15],
        "    Flags:               fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mc"
    );
    assert_eq!(
        lines[16],
        "                         a cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscal"
    );
    assert!(text.contains("\nVirtualization features: \n  Hypervisor vendor:     KVM\n"));
    assert!(
        text.contains(
            "\nCaches (sum of all):     \n  L1d:                   32 KiB (1 instance)\n"
        )
    );
    assert!(text.contains("\nVulnerabilities:         \n  Gather data sampling:  Unknown: Dependent on hypervisor status\n"));
    assert!(lines.iter().all(|l| l.chars().count() <= 80));
}
