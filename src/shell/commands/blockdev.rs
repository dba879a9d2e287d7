//! `lsblk` (util-linux 2.37) from the profile's storage: the snaps' loop devices, the disk
//! and its partitions with the same mount points `df` and `mount` show.

use super::{Command, CommandCtx, usr_bin};
use crate::host::platform::Platform;
use crate::host::release::Series;

/// One row: tree depth and last-child marks, name, major:minor, removable, size in bytes,
/// read-only, type, mount point.
struct Row {
    prefix: String,
    name: String,
    majmin: (u32, u32),
    size: u64,
    ro: bool,
    kind: &'static str,
    mount: String,
}

/// util-linux's `size_to_human_string` with one-letter suffixes: base 1024, one decimal
/// rounded half up, none when it is zero (`30G`, `24.8M`).
fn human(bytes: u64) -> String {
    const SUFFIX: [&str; 7] = ["B", "K", "M", "G", "T", "P", "E"];
    let mut exp = 0;
    while exp + 1 < SUFFIX.len() && bytes >= 1u64 << (10 * (exp + 1)) {
        exp += 1;
    }
    if exp == 0 {
        return format!("{bytes}B");
    }
    let unit = 1u64 << (10 * exp);
    let mut whole = bytes / unit;
    let frac = bytes % unit;
    let mut tenth = 0;
    if frac > 0 {
        let thousandths = (u128::from(frac) * 1000 / u128::from(unit)) as u64;
        tenth = (thousandths + 50) / 100;
        if tenth == 10 {
            whole += 1;
            tenth = 0;
        }
    }
    if tenth == 0 {
        format!("{whole}{}", SUFFIX[exp])
    } else {
        format!("{whole}.{tenth}{}", SUFFIX[exp])
    }
}

/// The rows of the machine's block devices, in lsblk's order.
fn rows(cx: &CommandCtx<'_>) -> Vec<Row> {
    let host = cx.host;
    let storage = &host.storage;
    let mut rows = Vec::new();
    for (i, snap) in storage.snaps.iter().enumerate() {
        rows.push(Row {
            prefix: String::new(),
            name: format!("loop{i}"),
            majmin: (7, i as u32),
            size: snap.size_kb * 1024,
            ro: true,
            kind: "loop",
            mount: format!("/snap/{}/{}", snap.name, snap.revision),
        });
    }
    let disk = storage.disk.clone();
    let major = match disk.as_str() {
        d if d.starts_with("nvme") => 259,
        d if d.starts_with("xvd") => 202,
        d if d.starts_with("vd") => 252,
        _ => 8,
    };
    let part = |n: u32| {
        if disk.starts_with("nvme") {
            format!("{disk}p{n}")
        } else {
            format!("{disk}{n}")
        }
    };
    // The root partition from the file system's size (ext4 keeps about 1/62 for itself).
    let root_part_kb = storage.root_size_kb * 62 / 61;
    const GIB_KB: u64 = 1 << 20;
    if host.platform.is_cloud() {
        let efi_kb = 108_544;
        let boot_kb = storage.boot.as_ref().map_or(0, |b| b.1 * 62 / 61);
        let total = root_part_kb + efi_kb + boot_kb + 5_120;
        let disk_kb = total.saturating_sub(1024).div_ceil(GIB_KB) * GIB_KB;
        rows.push(Row {
            prefix: String::new(),
            name: disk.clone(),
            majmin: (major, 0),
            size: disk_kb * 1024,
            ro: false,
            kind: "disk",
            mount: String::new(),
        });
        let mut parts: Vec<(u32, u64, String)> = vec![
            (1, root_part_kb, "/".to_owned()),
            (14, 4096, String::new()),
            (15, efi_kb, "/boot/efi".to_owned()),
        ];
        if host.series() == Series::Noble && storage.boot.is_some() {
            parts.push((16, boot_kb, "/boot".to_owned()));
        }
        let count = parts.len();
        for (i, (n, kb, mount)) in parts.into_iter().enumerate() {
            let minor = if major == 259 { i as u32 + 1 } else { n };
            rows.push(Row {
                prefix: if i + 1 == count { "└─" } else { "├─" }.to_owned(),
                name: part(n),
                majmin: (major, minor),
                size: kb * 1024,
                ro: false,
                kind: "part",
                mount,
            });
        }
        if host.platform == Platform::Azure
            && let Some((_, kb)) = &storage.temp_disk
        {
            let part_kb = kb * 62 / 61;
            rows.push(Row {
                prefix: String::new(),
                name: "sdb".to_owned(),
                majmin: (8, 16),
                size: (part_kb + 1024).div_ceil(GIB_KB) * GIB_KB * 1024,
                ro: false,
                kind: "disk",
                mount: String::new(),
            });
            rows.push(Row {
                prefix: "└─".to_owned(),
                name: "sdb1".to_owned(),
                majmin: (8, 17),
                size: part_kb * 1024,
                ro: false,
                kind: "part",
                mount: "/mnt".to_owned(),
            });
        }
    } else {
        // Subiquity's layout: a BIOS boot partition, /boot, and LVM on the rest; the
        // logical volume takes half the volume group.
        let lv_kb = root_part_kb.div_ceil(GIB_KB) * GIB_KB;
        let disk_kb = (lv_kb * 2 + 2 * GIB_KB).max(lv_kb + 3 * GIB_KB);
        let pv_kb = disk_kb - 2 * GIB_KB - 2048 - 1024;
        rows.push(Row {
            prefix: String::new(),
            name: disk.clone(),
            majmin: (major, 0),
            size: disk_kb * 1024,
            ro: false,
            kind: "disk",
            mount: String::new(),
        });
        for (n, kb, mount, last) in [
            (1, 1024, "", false),
            (2, 2 * GIB_KB, "/boot", false),
            (3, pv_kb, "", true),
        ] {
            rows.push(Row {
                prefix: if last { "└─" } else { "├─" }.to_owned(),
                name: part(n),
                majmin: (major, n),
                size: kb * 1024,
                ro: false,
                kind: "part",
                mount: mount.to_owned(),
            });
        }
        rows.push(Row {
            prefix: "  └─".to_owned(),
            name: "ubuntu--vg-ubuntu--lv".to_owned(),
            majmin: (253, 0),
            size: lv_kb * 1024,
            ro: false,
            kind: "lvm",
            mount: "/".to_owned(),
        });
    }
    rows
}

/// `lsblk`.
pub struct Lsblk;

impl Command for Lsblk {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("lsblk")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut bytes = false;
        for arg in argv.iter().skip(1) {
            match arg.as_str() {
                "-b" | "--bytes" => bytes = true,
                "-V" | "--version" => {
                    let text = format!("lsblk from util-linux {}\n", cx.host.release().util_linux);
                    cx.out(text);
                    return 0;
                }
                "-a" | "--all" | "-l" | "--list" | "-p" | "--paths" => {}
                a if a.starts_with('-') => {
                    let shown = a.strip_prefix("--").map_or_else(
                        || format!("invalid option -- '{}'", a.chars().nth(1).unwrap_or('-')),
                        |_| format!("unrecognized option '{a}'"),
                    );
                    cx.err(format!(
                        "lsblk: {shown}\nTry 'lsblk --help' for more information.\n"
                    ));
                    return 1;
                }
                a => {
                    let name = a.strip_prefix("/dev/").unwrap_or(a);
                    if !rows(cx).iter().any(|r| r.name == name) {
                        cx.err(format!("lsblk: {a}: not a block device\n"));
                        return 32;
                    }
                }
            }
        }
        let rows = rows(cx);
        let names: Vec<String> = rows
            .iter()
            .map(|r| format!("{}{}", r.prefix, r.name))
            .collect();
        let sizes: Vec<String> = rows
            .iter()
            .map(|r| {
                if bytes {
                    r.size.to_string()
                } else {
                    human(r.size)
                }
            })
            .collect();
        let name_w = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let size_w = sizes.iter().map(String::len).max().unwrap_or(4).max(4);
        let mut out = format!(
            "{:name_w$} MAJ:MIN RM {:>size_w$} RO TYPE MOUNTPOINTS\n",
            "NAME", "SIZE"
        );
        for ((row, name), size) in rows.iter().zip(&names).zip(&sizes) {
            let pad = name_w - name.chars().count();
            out.push_str(&format!(
                "{name}{} {:>3}:{:<3} {:>2} {size:>size_w$} {:>2} {:4} {}\n",
                " ".repeat(pad),
                row.majmin.0,
                row.majmin.1,
                0,
                u8::from(row.ro),
                row.kind,
                row.mount
            ));
        }
        cx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    //! Expected layout from util-linux 2.37's `lsblk` on an EC2 Nitro instance.

    use crate::shell::commands::testing::run_status;

    #[test]
    fn lsblk_shows_snaps_disk_and_partitions() {
        let (out, status) = run_status("lsblk");
        assert_eq!(status, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "NAME         MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS"
        );
        assert_eq!(
            lines[1],
            "loop0          7:0    0 63.9M  1 loop /snap/core20/2182"
        );
        assert_eq!(
            lines[2],
            "loop1          7:1    0 38.9M  1 loop /snap/snapd/20671"
        );
        assert_eq!(lines[3], "nvme0n1      259:0    0   30G  0 disk ");
        assert!(lines[4].starts_with("├─nvme0n1p1  259:1    0 "));
        assert!(lines[4].ends_with(" 0 part /"));
        assert_eq!(lines[5], "├─nvme0n1p14 259:2    0    4M  0 part ");
        assert_eq!(lines[6], "└─nvme0n1p15 259:3    0  106M  0 part /boot/efi");
        assert_eq!(lines.len(), 7);
        assert_eq!(
            run_status("lsblk /dev/sdz"),
            ("lsblk: /dev/sdz: not a block device\n".into(), 32)
        );
    }

    #[test]
    fn human_sizes_like_util_linux() {
        assert_eq!(super::human(30 << 30), "30G");
        assert_eq!(super::human(111_149_056), "106M");
        assert_eq!(super::human(25_952_256), "24.8M");
        assert_eq!(super::human(512), "512B");
    }
}
