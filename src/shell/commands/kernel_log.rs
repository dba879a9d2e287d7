//! `dmesg` (util-linux 2.37): Ubuntu restricts the kernel ring buffer to root
//! (`kernel.dmesg_restrict = 1`); root sees the first lines of this boot, built from the
//! profile's kernel, CPU, memory, disk and network, with `/proc/version`'s banner and
//! `/proc/cmdline`'s command line so that the three agree.

use super::{Command, CommandCtx, usr_bin};
use crate::host::files::dynamic_file;
use crate::host::platform::Platform;

/// The boot messages: (seconds after boot in microseconds, message).
fn boot_messages(cx: &CommandCtx<'_>) -> Vec<(u64, String)> {
    let host = cx.host;
    let boot = host.boot_time;
    let read = |path: &str| {
        dynamic_file(path, host, boot)
            .map(|b| String::from_utf8_lossy(&b).trim_end().to_owned())
            .unwrap_or_default()
    };
    let banner = read("/proc/version");
    let cmdline = read("/proc/cmdline");
    let total_kb = host.memory.total_kb;
    let aws_dmi = format!(
        "Amazon EC2 {}/, BIOS 1.0 10/16/2017",
        super::lsb::machine(cx).1
    );
    let (dmi, nic) = match host.platform {
        Platform::Aws => (aws_dmi.as_str(), "ena 0000:00:05.0"),
        Platform::AwsXen => (
            "Xen HVM domU, BIOS 4.11.amazon 08/24/2006",
            "xen_netfront vif-0",
        ),
        Platform::Gcp => (
            "Google Google Compute Engine/Google Compute Engine, BIOS Google 01/01/2011",
            "virtio_net virtio1",
        ),
        Platform::Azure => (
            "Microsoft Corporation Virtual Machine/Virtual Machine, BIOS Hyper-V UEFI Release v4.1 05/09/2022",
            "hv_netvsc 000d3a00-0000-0000-0000-000000000000",
        ),
        Platform::DigitalOcean => (
            "DigitalOcean Droplet/Droplet, BIOS 20171212 12/12/2017",
            "virtio_net virtio1",
        ),
        Platform::Hetzner => (
            "Hetzner vServer/Standard PC (Q35 + ICH9, 2009), BIOS 20171111 11/11/2017",
            "virtio_net virtio1",
        ),
        Platform::Vmware => (
            "VMware, Inc. VMware Virtual Platform/440BX Desktop Reference Platform, BIOS 6.00 11/12/2020",
            "vmxnet3 0000:0b:00.0",
        ),
        Platform::Kvm => (
            "QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.0-debian-1.16.0-5 04/01/2014",
            "virtio_net virtio0",
        ),
    };
    let hypervisor = match host.platform {
        Platform::AwsXen => "Xen HVM",
        Platform::Azure => "Microsoft Hyper-V",
        Platform::Vmware => "VMware",
        _ => "KVM",
    };
    let disk = &host.storage.disk;
    let root = host
        .storage
        .root_device
        .trim_start_matches("/dev/")
        .to_owned();
    let root = if root == "root" {
        if disk.starts_with("nvme") {
            format!("{disk}p1")
        } else {
            format!("{disk}1")
        }
    } else {
        root
    };
    let cpu = &host.cpu;
    let mut lines = vec![
        (0, banner),
        (0, format!("Command line: {cmdline}")),
        (0, "KERNEL supported cpus:".to_owned()),
        (0, "  Intel GenuineIntel".to_owned()),
        (0, "  AMD AuthenticAMD".to_owned()),
        (0, "  Hygon HygonGenuine".to_owned()),
        (0, "  Centaur CentaurHauls".to_owned()),
        (0, "  zhaoxin   Shanghai  ".to_owned()),
        (0, "BIOS-provided physical RAM map:".to_owned()),
        (
            0,
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable".to_owned(),
        ),
        (
            0,
            "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved".to_owned(),
        ),
        (
            0,
            "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved".to_owned(),
        ),
        (0, "NX (Execute Disable) protection: active".to_owned()),
        (0, "SMBIOS 2.7 present.".to_owned()),
        (0, format!("DMI: {dmi}")),
        (0, format!("Hypervisor detected: {hypervisor}")),
        (12, format!("tsc: Detected {} MHz processor", cpu.mhz)),
        (
            112_941,
            format!(
                "Memory: {}K/{}K available (16393K kernel code, 4383K rwdata, 10828K rodata, 3240K init, 6692K bss, {}K reserved, 0K cma-reserved)",
                total_kb.saturating_sub(total_kb / 40),
                total_kb + total_kb / 17,
                total_kb / 17 + total_kb / 40
            ),
        ),
        (
            215_400,
            format!(
                "smpboot: CPU0: {} (family: {:#x}, model: {:#x}, stepping: {:#x})",
                cpu.model_name, cpu.family, cpu.model, cpu.stepping
            ),
        ),
        (
            221_932,
            format!(
                "smp: Brought up 1 node, {} CPU{}",
                cpu.vcpus,
                if cpu.vcpus == 1 { "" } else { "s" }
            ),
        ),
        (
            1_403_610,
            format!(
                "EXT4-fs ({root}): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none."
            ),
        ),
        (
            1_530_118,
            "systemd[1]: Inserted module 'autofs4'".to_owned(),
        ),
        (
            2_371_842,
            format!(
                "EXT4-fs ({root}): re-mounted. Opts: discard,errors=remount-ro. Quota mode: none."
            ),
        ),
        (
            3_028_551,
            format!("{nic} {}: renamed from eth0", host.network.iface),
        ),
    ];
    lines.truncate(64);
    lines
}

/// `dmesg`.
pub struct Dmesg;

impl Command for Dmesg {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("dmesg")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        if argv.iter().any(|a| a == "-V" || a == "--version") {
            let text = format!("dmesg from util-linux {}\n", cx.host.release().util_linux);
            cx.out(text);
            return 0;
        }
        if !cx.state.is_root() {
            cx.err("dmesg: read kernel buffer failed: Operation not permitted\n");
            return 1;
        }
        let mut out = String::new();
        for (micros, message) in boot_messages(cx) {
            out.push_str(&format!(
                "[{:5}.{:06}] {message}\n",
                micros / 1_000_000,
                micros % 1_000_000
            ));
        }
        cx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from util-linux 2.37's `dmesg` on Ubuntu 22.04.

    use crate::shell::commands::testing::{run, run_as};

    #[test]
    fn users_are_refused() {
        let outcome = run_as("deploy", "dmesg");
        assert_eq!(
            String::from_utf8_lossy(&outcome.output),
            "dmesg: read kernel buffer failed: Operation not permitted\n"
        );
        assert_eq!(outcome.status, 1);
    }

    #[test]
    fn root_sees_the_boot_with_the_profile_facts() {
        let out = run("dmesg");
        let first = out.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("[    0.000000] {}", run("cat /proc/version").trim_end())
        );
        assert!(out.contains(&format!(
            "[    0.000000] Command line: {}\n",
            run("cat /proc/cmdline").trim_end()
        )));
        assert!(out.contains("] smp: Brought up 1 node, 2 CPUs\n"));
        assert!(out.contains("] ena 0000:00:05.0 ens5: renamed from eth0\n"));
        assert!(out.contains(
            "] EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.\n"
        ));
    }
}
