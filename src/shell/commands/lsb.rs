//! What the machine says it is: `lsb_release` (lsb-release 11.1) and `hostnamectl`
//! (systemd 249), from the profile's release, hostname, kernel and platform.

use super::{Command, CommandCtx, usr_bin};
use crate::host::platform::Platform;

/// `lsb_release`.
pub struct LsbRelease;

const LSB_USAGE: &str = "Usage: lsb_release [options]\n";

impl Command for LsbRelease {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("lsb_release")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (mut id, mut desc, mut rel, mut code, mut version, mut short) =
            (false, false, false, false, false, false);
        for arg in argv.iter().skip(1) {
            let letters: Vec<char> = match arg.as_str() {
                "--id" => vec!['i'],
                "--description" => vec!['d'],
                "--release" => vec!['r'],
                "--codename" => vec!['c'],
                "--all" => vec!['a'],
                "--short" => vec!['s'],
                "--version" => vec!['v'],
                "--help" => vec!['h'],
                a if a.starts_with("--") => {
                    cx.err(format!(
                        "{LSB_USAGE}\nlsb_release: error: no such option: {a}\n"
                    ));
                    return 2;
                }
                a if a.starts_with('-') && a.len() > 1 => a.chars().skip(1).collect(),
                _ => {
                    cx.err(format!(
                        "{LSB_USAGE}\nlsb_release: error: No arguments are permitted\n"
                    ));
                    return 2;
                }
            };
            for c in letters {
                match c {
                    'i' => id = true,
                    'd' => desc = true,
                    'r' => rel = true,
                    'c' => code = true,
                    'v' => version = true,
                    's' => short = true,
                    'a' => {
                        id = true;
                        desc = true;
                        rel = true;
                        code = true;
                        version = true;
                    }
                    'h' => {
                        cx.out(format!(
                            "{LSB_USAGE}\nOptions:\n  -h, --help         show this help message and exit\n  -v, --version      show LSB modules this system supports\n  -i, --id           show distributor ID\n  -d, --description  show description of this distribution\n  -r, --release      show release number of this distribution\n  -c, --codename     show code name of this distribution\n  -a, --all          show all of the above information\n  -s, --short        show requested information in short format\n"
                        ));
                        return 0;
                    }
                    other => {
                        cx.err(format!(
                            "{LSB_USAGE}\nlsb_release: error: no such option: -{other}\n"
                        ));
                        return 2;
                    }
                }
            }
        }
        if !(id || desc || rel || code) {
            version = true;
        }
        if version {
            cx.err("No LSB modules are available.\n");
        }
        let release = cx.host.release();
        let distributor = cx
            .host
            .distro
            .split_whitespace()
            .next()
            .unwrap_or("Ubuntu")
            .to_owned();
        let fields = [
            (id, "Distributor ID", distributor),
            (desc, "Description", cx.host.distro.clone()),
            (rel, "Release", release.version_id.to_owned()),
            (code, "Codename", release.codename.to_owned()),
        ];
        let mut out = String::new();
        let shown: Vec<&String> = fields.iter().filter(|f| f.0).map(|f| &f.2).collect();
        if short {
            if !shown.is_empty() {
                let values: Vec<&str> = shown.iter().map(|s| s.as_str()).collect();
                out.push_str(&values.join(" "));
                out.push('\n');
            }
        } else {
            for (on, label, value) in &fields {
                if *on {
                    out.push_str(&format!("{label}:\t{value}\n"));
                }
            }
        }
        cx.out(out);
        0
    }
}

/// The DMI vendor and model, and systemd's virtualization id, of `platform`.
pub(crate) fn machine(cx: &CommandCtx<'_>) -> (&'static str, String, &'static str) {
    match cx.host.platform {
        Platform::Aws => {
            let gib = cx.host.memory.total_kb.div_ceil(1 << 20);
            let model = match (cx.host.cpu.vcpus, gib) {
                (2, 0..=1) => "t3.micro",
                (2, 2) => "t3.small",
                (2, 3..=4) => "t3.medium",
                (2, _) => "t3.large",
                (4, _) => "t3.xlarge",
                (8, _) => "t3.2xlarge",
                _ => "m5.large",
            };
            ("Amazon EC2", model.to_owned(), "amazon")
        }
        Platform::AwsXen => ("Xen", "HVM domU".to_owned(), "xen"),
        Platform::Gcp => ("Google", "Google Compute Engine".to_owned(), "google"),
        Platform::Azure => (
            "Microsoft Corporation",
            "Virtual Machine".to_owned(),
            "microsoft",
        ),
        Platform::DigitalOcean => ("DigitalOcean", "Droplet".to_owned(), "kvm"),
        Platform::Hetzner => ("Hetzner", "vServer".to_owned(), "kvm"),
        Platform::Vmware => (
            "VMware, Inc.",
            "VMware Virtual Platform".to_owned(),
            "vmware",
        ),
        Platform::Kvm => (
            "QEMU",
            "Standard PC _i440FX + PIIX, 1996_".to_owned(),
            "kvm",
        ),
    }
}

/// The current boot's random id (`/proc/sys/kernel/random/boot_id` without dashes), stable
/// for the boot: a hash of the machine id and the boot time.
fn boot_id(cx: &CommandCtx<'_>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::new();
    for round in 0..2u64 {
        for b in cx
            .host
            .machine_id
            .bytes()
            .chain(cx.host.boot_time.timestamp().to_le_bytes())
            .chain(round.to_le_bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// `hostnamectl`.
pub struct Hostnamectl;

impl Command for Hostnamectl {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("hostnamectl")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let words: Vec<&str> = argv
            .iter()
            .skip(1)
            .map(String::as_str)
            .filter(|a| !a.starts_with('-'))
            .collect();
        if argv.iter().any(|a| a == "--version") {
            cx.out("systemd 249 (249.11-0ubuntu3.12)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT +GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY -P11KIT -QRENCODE +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified\n");
            return 0;
        }
        match words.as_slice() {
            [] | ["status"] => {
                let (vendor, model, virt) = machine(cx);
                let host = cx.host;
                let arch = if host.machine == "x86_64" {
                    "x86-64".to_owned()
                } else {
                    host.machine.clone()
                };
                cx.out(format!(
                    " Static hostname: {}\n       Icon name: computer-vm\n         Chassis: vm\n      Machine ID: {}\n         Boot ID: {}\n  Virtualization: {virt}\nOperating System: {}\n          Kernel: {} {}\n    Architecture: {arch}\n Hardware Vendor: {vendor}\n  Hardware Model: {model}\n",
                    host.hostname,
                    host.machine_id,
                    boot_id(cx),
                    host.distro,
                    host.kernel_name,
                    host.kernel_release,
                ));
                0
            }
            ["hostname"] => {
                cx.out(format!("{}\n", cx.host.hostname));
                0
            }
            ["set-hostname" | "hostname", _, ..] => {
                if !cx.state.is_root() {
                    cx.err("Could not set static hostname: Interactive authentication required.\n");
                    return 1;
                }
                0
            }
            [other, ..] => {
                cx.err(format!("Unknown command verb {other}.\n"));
                1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from lsb-release 11.1 and systemd 249 on Ubuntu 22.04 (an EC2
    //! t3.medium for the fixed host).

    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn lsb_release_fields() {
        assert_eq!(
            run_status("lsb_release -a"),
            (
                "No LSB modules are available.\n\
                 Distributor ID:\tUbuntu\n\
                 Description:\tUbuntu 22.04.3 LTS\n\
                 Release:\t22.04\n\
                 Codename:\tjammy\n"
                    .into(),
                0
            )
        );
        assert_eq!(run_status("lsb_release -sc"), ("jammy\n".into(), 0));
        assert_eq!(run_status("lsb_release -rs"), ("22.04\n".into(), 0));
        assert_eq!(
            run_status("lsb_release -d"),
            ("Description:\tUbuntu 22.04.3 LTS\n".into(), 0)
        );
        assert_eq!(
            run_status("lsb_release -z"),
            (
                "Usage: lsb_release [options]\n\nlsb_release: error: no such option: -z\n".into(),
                2
            )
        );
    }

    #[test]
    fn hostnamectl_status() {
        let (out, status) = run_status("hostnamectl");
        assert_eq!(status, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], " Static hostname: web-prod-03");
        assert_eq!(
            lines[3],
            "      Machine ID: 5f4dcc3b5aa765d61d8327deb882cf99"
        );
        assert!(lines[4].starts_with("         Boot ID: ") && lines[4].len() == 50);
        assert_eq!(
            &lines[5..],
            [
                "  Virtualization: amazon",
                "Operating System: Ubuntu 22.04.3 LTS",
                "          Kernel: Linux 5.15.0-91-generic",
                "    Architecture: x86-64",
                " Hardware Vendor: Amazon EC2",
                "  Hardware Model: t3.medium",
            ]
        );
        let outcome = run_as("deploy", "hostnamectl set-hostname x");
        assert_eq!(
            String::from_utf8_lossy(&outcome.output),
            "Could not set static hostname: Interactive authentication required.\n"
        );
    }
}
