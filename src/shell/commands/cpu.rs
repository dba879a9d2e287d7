//! Processors: `nproc` (GNU coreutils) and `lscpu` (util-linux).
//!
//! Both read the profile's [`Cpu`](crate::host::hardware::Cpu), as `/proc/cpuinfo` does.
//! `lscpu` prints its summary the way util-linux does when its output is not a terminal
//! (flat `Key: value` rows, one column as wide as the longest key), which is what scripts and
//! `lscpu | grep Model` see; 2.34 (20.04) and 2.37+ (22.04, 24.04) order the rows differently.
//! On a terminal, 2.37+ prints a tree and long values wrap ([`tree`]).

use super::toolkit::{Opt, parse, short_name};
use super::{Command, CommandCtx, try_help, usr_bin};
use crate::host::HostProfile;
use crate::host::release::Series;

/// `nproc`: the number of processing units.
pub struct Nproc;

impl Command for Nproc {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("nproc")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv.first().map_or("nproc", String::as_str);
        let table = [
            ('\0', "all", false),
            ('\0', "ignore", true),
            ('\0', "help", false),
            ('\0', "version", false),
        ];
        let (opts, operands) = match parse(prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(prog));
                return 1;
            }
        };
        let mut ignore: u64 = 0;
        for Opt { name, value } in &opts {
            match *name {
                "help" => {
                    let text = format!(
                        "Usage: {prog} [OPTION]...\n\
                         Print the number of processing units available to the current process,\n\
                         which may be less than the number of online processors\n\n\
                         \x20     --all      print the number of installed processors\n\
                         \x20     --ignore=N  if possible, exclude N processing units\n{}{}",
                        cx.coreutils_help_options(),
                        cx.coreutils_help_footer("nproc")
                    );
                    cx.out(text);
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text("nproc", "Giuseppe Scrivano");
                    cx.out(text);
                    return 0;
                }
                "ignore" => {
                    let v = value.clone().unwrap_or_default();
                    match v.trim().parse::<u64>() {
                        Ok(n) => ignore = n,
                        Err(_) => {
                            let text = format!("{prog}: invalid number: {}\n", cx.quote(&v));
                            cx.err(text);
                            return 1;
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(extra) = operands.first() {
            let text = format!(
                "{prog}: extra operand {}\n{}",
                cx.quote(extra),
                try_help(prog)
            );
            cx.err(text);
            return 1;
        }
        let n = u64::from(cx.host.cpu.vcpus).saturating_sub(ignore).max(1);
        cx.out(format!("{n}\n"));
        0
    }
}

/// `lscpu`: CPU architecture summary.
pub struct Lscpu;

impl Command for Lscpu {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("lscpu")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "lscpu");
        let table = [
            ('a', "all", false),
            ('b', "online", false),
            ('B', "bytes", false),
            ('c', "offline", false),
            ('C', "caches", false),
            ('e', "extended", false),
            ('J', "json", false),
            ('p', "parse", false),
            ('s', "sysroot", true),
            ('x', "hex", false),
            ('y', "physical", false),
            ('h', "help", false),
            ('V', "version", false),
        ];
        let (opts, operands) = match parse(&prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(format!(
                    "{message}Try '{prog} --help' for more information.\n"
                ));
                return 1;
            }
        };
        if opts.iter().any(|o| o.name == "help") {
            cx.out(format!(
                "\nUsage:\n {prog} [options]\n\nDisplay information about the CPU architecture.\n\n\
                 Options:\n -a, --all               print both online and offline CPUs (default for -e)\n \
                 -b, --online            print online CPUs only (default for -p)\n \
                 -B, --bytes             print sizes in bytes rather than in human readable format\n \
                 -C, --caches[=<list>]   info about caches in extended readable format\n \
                 -c, --offline           print offline CPUs only\n \
                 -J, --json              use JSON for default or extended format\n \
                 -e, --extended[=<list>] print out an extended readable format\n \
                 -p, --parse[=<list>]    print out a parsable format\n \
                 -s, --sysroot <dir>     use specified directory as system root\n \
                 -x, --hex               print hexadecimal masks rather than lists of CPUs\n \
                 -y, --physical          print physical instead of logical IDs\n     \
                 --output-all        print all available columns for -e, -p or -C\n\n \
                 -h, --help              display this help\n \
                 -V, --version           display version\n\n\
                 For more details see lscpu(1).\n"
            ));
            return 0;
        }
        if opts.iter().any(|o| o.name == "version") {
            let version = cx.host.release().util_linux;
            cx.out(format!("{prog} from util-linux {version}\n"));
            return 0;
        }
        if !operands.is_empty() {
            cx.err(format!(
                "{prog}: bad usage\nTry '{prog} --help' for more information.\n"
            ));
            return 1;
        }
        let bytes = opts.iter().any(|o| o.name == "bytes");
        let text = if opts
            .iter()
            .any(|o| ["extended", "parse", "caches", "json"].contains(&o.name))
        {
            extended(cx.host)
        } else if let Some(columns) = cx.terminal() {
            tree::on_terminal(cx.host, &summary_rows(cx.host, bytes), usize::from(columns))
        } else {
            summary(cx.host, bytes)
        };
        cx.out(text);
        0
    }
}

/// util-linux's `size_to_human_string(SIZE_SUFFIX_3LETTER | SIZE_SUFFIX_SPACE, bytes)`.
pub(crate) fn human_size(bytes: u64) -> String {
    let mut exp = 0u32;
    while exp < 60 && bytes >= 1u64 << (exp + 10) {
        exp += 10;
    }
    let letter = ['B', 'K', 'M', 'G', 'T', 'P', 'E'][(exp / 10) as usize];
    let suffix = if letter == 'B' {
        " B".to_owned()
    } else {
        format!(" {letter}iB")
    };
    let (mut dec, mut frac) = if exp == 0 {
        (bytes, 0)
    } else {
        (bytes >> exp, bytes & ((1u64 << exp) - 1))
    };
    if frac != 0 {
        frac = frac * 1000 / (1u64 << exp);
        frac = (frac + 50) / 100 * 10;
        if frac == 100 {
            dec += 1;
            frac = 0;
        }
    }
    if frac != 0 {
        let mut digits = format!("{dec}.{frac:02}");
        if digits.ends_with('0') {
            digits.pop();
        }
        format!("{digits}{suffix}")
    } else {
        format!("{dec}{suffix}")
    }
}

/// `0,1` or `0-3`: the list form of CPUs `0..n`.
fn cpu_list(n: u32) -> String {
    match n {
        0 | 1 => "0".to_owned(),
        2 => "0,1".to_owned(),
        n => format!("0-{}", n - 1),
    }
}

/// The vulnerability rows the running kernel reports for this CPU, in sysfs order.
fn vulnerabilities(host: &HostProfile) -> Vec<(&'static str, String)> {
    let cpu = &host.cpu;
    let has = |bug: &str| cpu.bugs.split(' ').any(|b| b == bug);
    let abi: u32 = host
        .kernel_release
        .split('-')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let series = host.series();
    let new_mitigations = match series {
        Series::Focal => abi >= 150,
        Series::Jammy => abi >= 88,
        Series::Noble => true,
    };
    let clear = "Vulnerable: Clear CPU buffers attempted, no microcode; SMT Host state unknown";
    let amd = cpu.vendor_id == "AuthenticAMD";
    let mut rows: Vec<(&'static str, String)> = Vec::new();
    if new_mitigations {
        rows.push((
            "Gather data sampling",
            if has("gds") {
                "Unknown: Dependent on hypervisor status"
            } else {
                "Not affected"
            }
            .to_owned(),
        ));
    }
    rows.push((
        "Itlb multihit",
        if has("itlb_multihit") {
            "KVM: Mitigation: VMX unsupported"
        } else {
            "Not affected"
        }
        .to_owned(),
    ));
    rows.push((
        "L1tf",
        if has("l1tf") {
            "Mitigation; PTE Inversion"
        } else {
            "Not affected"
        }
        .to_owned(),
    ));
    rows.push((
        "Mds",
        if has("mds") { clear } else { "Not affected" }.to_owned(),
    ));
    rows.push((
        "Meltdown",
        if has("cpu_meltdown") {
            "Mitigation; PTI"
        } else {
            "Not affected"
        }
        .to_owned(),
    ));
    if series != Series::Focal || abi >= 122 {
        let mmio = if has("mmio_stale_data") {
            clear
        } else if has("mmio_unknown") {
            "Unknown: No mitigations"
        } else {
            "Not affected"
        };
        rows.push(("Mmio stale data", mmio.to_owned()));
    }
    if series == Series::Noble && abi >= 41 {
        rows.push(("Reg file data sampling", "Not affected".to_owned()));
    }
    if series != Series::Focal || abi >= 122 {
        let retbleed = if !has("retbleed") {
            "Not affected"
        } else if amd {
            "Mitigation; untrained return thunk; SMT enabled with STIBP protection"
        } else {
            "Vulnerable"
        };
        rows.push(("Retbleed", retbleed.to_owned()));
    }
    if new_mitigations {
        let srso = if amd {
            "Mitigation; safe RET, no microcode"
        } else {
            "Not affected"
        };
        rows.push(("Spec rstack overflow", srso.to_owned()));
    }
    let ssb = if cpu.flags.split(' ').any(|f| f == "ssbd") {
        if series == Series::Focal {
            "Mitigation; Speculative Store Bypass disabled via prctl and seccomp"
        } else {
            "Mitigation; Speculative Store Bypass disabled via prctl"
        }
    } else {
        "Vulnerable"
    };
    rows.push(("Spec store bypass", ssb.to_owned()));
    rows.push((
        "Spectre v1",
        "Mitigation; usercopy/swapgs barriers and __user pointer sanitization".to_owned(),
    ));
    let v2 = match series {
        Series::Focal => "Mitigation; Full generic retpoline, STIBP disabled, RSB filling",
        Series::Jammy => {
            "Mitigation; Retpolines, STIBP disabled, RSB filling, PBRSB-eIBRS Not affected"
        }
        Series::Noble => {
            "Mitigation; Retpolines; STIBP disabled; RSB filling; PBRSB-eIBRS Not affected; BHI Retpoline"
        }
    };
    rows.push(("Spectre v2", v2.to_owned()));
    rows.push(("Srbds", "Not affected".to_owned()));
    rows.push((
        "Tsx async abort",
        if has("taa") { clear } else { "Not affected" }.to_owned(),
    ));
    rows
}

/// The summary rows, in the order the release's util-linux prints them.
pub(crate) fn summary_rows(host: &HostProfile, bytes: bool) -> Vec<(String, String)> {
    let cpu = &host.cpu;
    let cores = cpu.cores();
    let cache = |per_instance_kb: u32, instances: u32, old: bool| {
        let total = u64::from(per_instance_kb) * 1024 * u64::from(instances);
        let size = if bytes {
            total.to_string()
        } else {
            human_size(total)
        };
        if old {
            size
        } else {
            let plural = if instances == 1 {
                "instance"
            } else {
                "instances"
            };
            format!("{size} ({instances} {plural})")
        }
    };
    let s = |v: &str| v.to_owned();
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: String| rows.push((k.to_owned(), v));
    if host.series() == Series::Focal {
        push("Architecture:", s("x86_64"));
        push("CPU op-mode(s):", s("32-bit, 64-bit"));
        push("Byte Order:", s("Little Endian"));
        push("Address sizes:", cpu.address_sizes.clone());
        push("CPU(s):", cpu.vcpus.to_string());
        push("On-line CPU(s) list:", cpu_list(cpu.vcpus));
        push("Thread(s) per core:", cpu.threads_per_core.to_string());
        push("Core(s) per socket:", cpu.cores_per_socket().to_string());
        push("Socket(s):", cpu.sockets.to_string());
        push("NUMA node(s):", s("1"));
        push("Vendor ID:", cpu.vendor_id.clone());
        push("CPU family:", cpu.family.to_string());
        push("Model:", cpu.model.to_string());
        push("Model name:", cpu.model_name.clone());
        push("Stepping:", cpu.stepping.to_string());
        push("CPU MHz:", cpu.mhz.clone());
        push("BogoMIPS:", cpu.bogomips.clone());
        push("Hypervisor vendor:", cpu.hypervisor.clone());
        push("Virtualization type:", s("full"));
        push("L1d cache:", cache(cpu.l1d_kb, cores, true));
        push("L1i cache:", cache(cpu.l1i_kb, cores, true));
        push("L2 cache:", cache(cpu.l2_kb, cores, true));
        push("L3 cache:", cache(cpu.l3_kb, cpu.sockets, true));
        push("NUMA node0 CPU(s):", cpu_list(cpu.vcpus));
        for (name, text) in vulnerabilities(host) {
            rows.push((format!("Vulnerability {name}:"), text));
        }
        rows.push(("Flags:".to_owned(), cpu.flags.clone()));
    } else {
        push("Architecture:", s("x86_64"));
        push("CPU op-mode(s):", s("32-bit, 64-bit"));
        push("Address sizes:", cpu.address_sizes.clone());
        push("Byte Order:", s("Little Endian"));
        push("CPU(s):", cpu.vcpus.to_string());
        push("On-line CPU(s) list:", cpu_list(cpu.vcpus));
        push("Vendor ID:", cpu.vendor_id.clone());
        push("Model name:", cpu.model_name.clone());
        push("CPU family:", cpu.family.to_string());
        push("Model:", cpu.model.to_string());
        push("Thread(s) per core:", cpu.threads_per_core.to_string());
        push("Core(s) per socket:", cpu.cores_per_socket().to_string());
        push("Socket(s):", cpu.sockets.to_string());
        push("Stepping:", cpu.stepping.to_string());
        push("BogoMIPS:", cpu.bogomips.clone());
        push("Flags:", cpu.flags.clone());
        push("Hypervisor vendor:", cpu.hypervisor.clone());
        push("Virtualization type:", s("full"));
        push("L1d cache:", cache(cpu.l1d_kb, cores, false));
        push("L1i cache:", cache(cpu.l1i_kb, cores, false));
        push("L2 cache:", cache(cpu.l2_kb, cores, false));
        push("L3 cache:", cache(cpu.l3_kb, cpu.sockets, false));
        push("NUMA node(s):", s("1"));
        push("NUMA node0 CPU(s):", cpu_list(cpu.vcpus));
        for (name, text) in vulnerabilities(host) {
            rows.push((format!("Vulnerability {name}:"), text));
        }
    }
    rows
}

/// The summary as libsmartcols prints it: keys padded to the longest, one space, values.
fn summary(host: &HostProfile, bytes: bool) -> String {
    let rows = summary_rows(host, bytes);
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    // `{k:<width$} {v}\n` for each row, written straight into one string (the flags row
    // alone is over a kilobyte).
    let mut out = String::with_capacity(rows.iter().map(|(_, v)| width + v.len() + 2).sum());
    for (k, v) in &rows {
        out.push_str(k);
        out.extend(std::iter::repeat_n(
            ' ',
            width.saturating_sub(k.chars().count()),
        ));
        out.push(' ');
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// `lscpu -e`: one row per CPU.
fn extended(host: &HostProfile) -> String {
    let cpu = &host.cpu;
    let mut out = "CPU NODE SOCKET CORE L1d:L1i:L2:L3 ONLINE\n".to_owned();
    let per_socket = (cpu.vcpus / cpu.sockets.max(1)).max(1);
    for i in 0..cpu.vcpus {
        let socket = i / per_socket;
        let core = i / cpu.threads_per_core.max(1);
        let caches = format!("{core}:{core}:{core}:{socket}");
        out.push_str(&format!(
            "{i:>3} {:>4} {socket:>6} {core:>4} {caches:<13} {:>6}\n",
            0, "yes"
        ));
    }
    out
}

#[cfg(test)]
mod tests;
mod tree;
