//! Disks and mounts: the root file system on the platform's disk, the EFI and boot
//! partitions the release's images have, snaps on loop devices, and the pseudo and tmpfs
//! mounts systemd sets up.
//!
//! `/proc/mounts`, `mount` and `df` all list [`HostProfile::mounts`], so they agree, and tmpfs
//! sizes follow the memory size as the kernel computes them.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::platform::Platform;
use super::release::Series;
use crate::host::HostProfile;

/// The disks of the machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Storage {
    /// The root device as `/proc/mounts` names it: `/dev/root`, `/dev/vda1`,
    /// `/dev/mapper/ubuntu--vg-ubuntu--lv`…
    pub root_device: String,
    /// The whole disk: `nvme0n1`, `xvda`, `sda`, `vda`.
    pub disk: String,
    /// Size of the root file system in 1K blocks (what `df` shows).
    pub root_size_kb: u64,
    /// Used 1K blocks on the root file system at boot.
    pub root_used_kb: u64,
    /// The EFI system partition, if mounted on `/boot/efi`.
    pub efi: Option<String>,
    /// A separate `/boot` partition and its size in 1K blocks.
    pub boot: Option<(String, u64)>,
    /// Snaps mounted from loop devices, in mount order.
    pub snaps: Vec<Snap>,
    /// Azure's temporary resource disk on `/mnt`: device and size in 1K blocks.
    pub temp_disk: Option<(String, u64)>,
}

/// A snap mounted at `/snap/<name>/<revision>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snap {
    /// Snap name.
    pub name: String,
    /// Revision.
    pub revision: u32,
    /// Size of the squashfs in 1K blocks.
    pub size_kb: u64,
}

/// One mounted file system with what `df` reports for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The source (`/dev/root`, `tmpfs`, `proc`…).
    pub device: String,
    /// The mount point.
    pub dir: String,
    /// The file system type.
    pub fstype: String,
    /// Mount options as `/proc/mounts` shows them.
    pub options: String,
    /// Size in 1K blocks (0 for pseudo file systems).
    pub size_kb: u64,
    /// Used 1K blocks.
    pub used_kb: u64,
    /// Blocks available to unprivileged users.
    pub avail_kb: u64,
    /// Inodes in total.
    pub inodes: u64,
    /// Inodes in use.
    pub iused: u64,
    /// Whether `df` without `-a` lists it.
    pub listed: bool,
}

fn gib_kb(gib: u64) -> u64 {
    gib * 1024 * 1024
}

/// ext4's usable size on a partition of `part_kb`: inode tables and the journal take ~1.6 %.
fn ext4_size(part_kb: u64) -> u64 {
    part_kb - part_kb / 62
}

/// The disks of a `platform` host with `gib` GiB of memory running `series`.
pub(super) fn generate_storage(
    rng: &mut StdRng,
    platform: Platform,
    series: Series,
    shape: (u32, u32),
) -> Storage {
    let disk_gib: u64 = match platform {
        Platform::Aws | Platform::AwsXen => [8, 8, 16, 20, 30, 30, 50, 100][rng.gen_range(0..8)],
        Platform::Gcp => [10, 10, 20, 50][rng.gen_range(0..4)],
        Platform::Azure => 30,
        // Droplets and Hetzner servers get the disk their plan includes.
        Platform::DigitalOcean => match shape {
            (1, 1) => 25,
            (1, 2) => 50,
            (2, 2) => 60,
            (2, 4) => 80,
            _ => 160,
        },
        Platform::Hetzner => u64::from(shape.1) * 10 + 20,
        Platform::Vmware | Platform::Kvm => [32, 40, 50, 64, 100][rng.gen_range(0..5)],
    };
    let (disk, part) = match platform {
        Platform::Aws => ("nvme0n1", "nvme0n1p"),
        Platform::AwsXen => ("xvda", "xvda"),
        Platform::DigitalOcean => ("vda", "vda"),
        _ => ("sda", "sda"),
    };
    let cloud = platform.is_cloud();
    let efi_kb = 108_544;
    let (root_device, efi, boot, part_kb) = if cloud {
        let boot = (series == Series::Noble).then(|| (format!("/dev/{part}16"), 901_520));
        let root_part = gib_kb(disk_gib) - efi_kb - boot.as_ref().map_or(0, |b| b.1) - 5_120;
        let shown = match platform {
            // The kernel mounts these by PARTUUID itself, so the root shows as /dev/root.
            Platform::Aws | Platform::AwsXen | Platform::Gcp | Platform::Azure => {
                "/dev/root".to_owned()
            }
            _ => format!("/dev/{part}1"),
        };
        (shown, Some(format!("/dev/{part}15")), boot, root_part)
    } else {
        // Subiquity's default: a 2G /boot and an LVM volume using up to half the disk.
        let lv = (gib_kb(disk_gib) - gib_kb(2)) / 2;
        let lv = lv.clamp(gib_kb(10).min(gib_kb(disk_gib) - gib_kb(3)), gib_kb(100));
        (
            "/dev/mapper/ubuntu--vg-ubuntu--lv".to_owned(),
            None,
            Some(("/dev/sda2".to_owned(), 1_992_552)),
            lv,
        )
    };
    let root_size_kb = ext4_size(part_kb);
    let base_used = rng.gen_range(1_900_000..3_200_000) + rng.gen_range(0..disk_gib) * 40_000;
    let snaps = snaps_for(rng, platform, series);
    let temp_disk = (platform == Platform::Azure).then(|| {
        let gib = u64::from(shape.0) * 8;
        ("/dev/sdb1".to_owned(), ext4_size(gib_kb(gib)))
    });
    Storage {
        root_device,
        disk: disk.to_owned(),
        root_size_kb,
        root_used_kb: base_used.min(root_size_kb / 2),
        efi,
        boot,
        snaps,
        temp_disk,
    }
}

fn snaps_for(rng: &mut StdRng, platform: Platform, series: Series) -> Vec<Snap> {
    // (name, revisions seen in the field, size in 1K blocks)
    let table: &[(&str, &[u32], u64)] = &[
        ("amazon-ssm-agent", &[7628, 7993, 9565], 25_344),
        ("core18", &[2812, 2829, 2846], 56_832),
        ("core20", &[2182, 2264, 2318], 65_408),
        ("core22", &[1380, 1586, 1663], 75_648),
        ("lxd", &[24322, 27037, 29619], 94_080),
        ("snapd", &[20671, 21184, 21759], 39_808),
    ];
    let aws = matches!(platform, Platform::Aws | Platform::AwsXen);
    let wanted: &[&str] = match series {
        Series::Noble if aws => &["amazon-ssm-agent", "core22", "snapd"],
        Series::Noble => &[],
        Series::Focal if aws => &["amazon-ssm-agent", "core18", "core20", "lxd", "snapd"],
        _ if aws => &["amazon-ssm-agent", "core18", "core20", "lxd", "snapd"],
        _ => &["core20", "lxd", "snapd"],
    };
    table
        .iter()
        .filter(|(name, _, _)| wanted.contains(name))
        .map(|(name, revisions, size)| Snap {
            name: (*name).to_owned(),
            revision: revisions[rng.gen_range(0..revisions.len())],
            size_kb: *size,
        })
        .collect()
}

impl HostProfile {
    /// Every mount, in `/proc/mounts` order, after `uptime` seconds. `session_uid` adds the
    /// `/run/user/<uid>` tmpfs that logind mounts for a logged-in user.
    pub fn mounts(&self, session_uid: Option<u32>, uptime: u64) -> Vec<Mount> {
        let series = self.series();
        let pages = self.memory.total_kb / 4;
        let pct = |p: u64| pages * p / 100 * 4;
        let mut mounts = Vec::new();
        let nosuid = "rw,nosuid,nodev,noexec,relatime";
        push_pseudo(&mut mounts, "sysfs", "/sys", "sysfs", nosuid);
        push_pseudo(&mut mounts, "proc", "/proc", "proc", nosuid);
        let inode64 = if series == Series::Focal {
            ""
        } else {
            ",inode64"
        };
        let udev_kb = pct(50);
        mounts.push(tmpfs_like(
            "udev",
            "/dev",
            "devtmpfs",
            format!(
                "rw,nosuid,relatime,size={udev_kb}k,nr_inodes={},mode=755{inode64}",
                udev_kb / 4
            ),
            udev_kb,
            0,
            series == Series::Focal,
        ));
        push_pseudo(
            &mut mounts,
            "devpts",
            "/dev/pts",
            "devpts",
            "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000",
        );
        let run_kb = pct(10);
        let run_used = 900 + (uptime / 86_400).min(60) * 4 + self.seed % 300;
        mounts.push(tmpfs_like(
            "tmpfs",
            "/run",
            "tmpfs",
            format!("rw,nosuid,nodev,noexec,relatime,size={run_kb}k,mode=755{inode64}"),
            run_kb,
            run_used,
            true,
        ));
        let root_used = self.storage.root_used_kb + (uptime / 86_400) * 3_000 + uptime % 997;
        let root_used = root_used.min(self.storage.root_size_kb);
        let discard = if matches!(self.platform, Platform::Aws | Platform::Gcp) {
            "discard,"
        } else {
            ""
        };
        mounts.push(disk_mount(
            &self.storage.root_device,
            "/",
            "ext4",
            &format!("rw,relatime,{discard}errors=remount-ro"),
            self.storage.root_size_kb,
            root_used,
        ));
        push_pseudo(
            &mut mounts,
            "securityfs",
            "/sys/kernel/security",
            "securityfs",
            nosuid,
        );
        mounts.push(tmpfs_like(
            "tmpfs",
            "/dev/shm",
            "tmpfs",
            format!("rw,nosuid,nodev{inode64}"),
            pct(50),
            0,
            true,
        ));
        mounts.push(tmpfs_like(
            "tmpfs",
            "/run/lock",
            "tmpfs",
            format!("rw,nosuid,nodev,noexec,relatime,size=5120k{inode64}"),
            5_120,
            0,
            true,
        ));
        if series == Series::Focal {
            mounts.push(tmpfs_like(
                "tmpfs",
                "/sys/fs/cgroup",
                "tmpfs",
                "ro,nosuid,nodev,noexec,mode=755".to_owned(),
                pct(50),
                0,
                true,
            ));
            push_pseudo(
                &mut mounts,
                "cgroup2",
                "/sys/fs/cgroup/unified",
                "cgroup2",
                "rw,nosuid,nodev,noexec,relatime,nsdelegate",
            );
        } else {
            push_pseudo(
                &mut mounts,
                "cgroup2",
                "/sys/fs/cgroup",
                "cgroup2",
                "rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot",
            );
        }
        push_pseudo(&mut mounts, "pstore", "/sys/fs/pstore", "pstore", nosuid);
        push_pseudo(
            &mut mounts,
            "bpf",
            "/sys/fs/bpf",
            "bpf",
            "rw,nosuid,nodev,noexec,relatime,mode=700",
        );
        push_pseudo(
            &mut mounts,
            "systemd-1",
            "/proc/sys/fs/binfmt_misc",
            "autofs",
            "rw,relatime,fd=29,pgrp=1,timeout=0,minproto=5,maxproto=5,direct,pipe_ino=15473",
        );
        push_pseudo(
            &mut mounts,
            "hugetlbfs",
            "/dev/hugepages",
            "hugetlbfs",
            "rw,relatime,pagesize=2M",
        );
        push_pseudo(&mut mounts, "mqueue", "/dev/mqueue", "mqueue", nosuid);
        push_pseudo(
            &mut mounts,
            "debugfs",
            "/sys/kernel/debug",
            "debugfs",
            nosuid,
        );
        push_pseudo(
            &mut mounts,
            "tracefs",
            "/sys/kernel/tracing",
            "tracefs",
            nosuid,
        );
        push_pseudo(
            &mut mounts,
            "fusectl",
            "/sys/fs/fuse/connections",
            "fusectl",
            nosuid,
        );
        push_pseudo(
            &mut mounts,
            "configfs",
            "/sys/kernel/config",
            "configfs",
            nosuid,
        );
        for (i, snap) in self.storage.snaps.iter().enumerate() {
            let mut m = disk_mount(
                &format!("/dev/loop{i}"),
                &format!("/snap/{}/{}", snap.name, snap.revision),
                "squashfs",
                "ro,nodev,relatime,errors=continue",
                snap.size_kb,
                snap.size_kb,
            );
            m.avail_kb = 0;
            m.inodes = snap.size_kb / 60;
            m.iused = m.inodes;
            mounts.push(m);
        }
        if let Some((device, size)) = &self.storage.boot {
            mounts.push(disk_mount(
                device,
                "/boot",
                "ext4",
                "rw,relatime",
                *size,
                180_000 + self.seed % 90_000,
            ));
        }
        if let Some(device) = &self.storage.efi {
            let mut m = disk_mount(
                device,
                "/boot/efi",
                "vfat",
                "rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro",
                106_858,
                6_186,
            );
            m.avail_kb = 100_672;
            m.inodes = 0;
            m.iused = 0;
            mounts.push(m);
        }
        if let Some((device, size)) = &self.storage.temp_disk {
            mounts.push(disk_mount(device, "/mnt", "ext4", "rw,relatime", *size, 28));
        }
        push_pseudo(
            &mut mounts,
            "binfmt_misc",
            "/proc/sys/fs/binfmt_misc",
            "binfmt_misc",
            nosuid,
        );
        if let Some(uid) = session_uid {
            let size = pct(10);
            mounts.push(tmpfs_like(
                "tmpfs",
                &format!("/run/user/{uid}"),
                "tmpfs",
                format!(
                    "rw,nosuid,nodev,relatime,size={size}k,nr_inodes={},mode=700,uid={uid},gid={uid}{inode64}",
                    size / 4
                ),
                size,
                4,
                true,
            ));
        }
        mounts
    }
}

fn push_pseudo(mounts: &mut Vec<Mount>, device: &str, dir: &str, fstype: &str, options: &str) {
    mounts.push(Mount {
        device: device.to_owned(),
        dir: dir.to_owned(),
        fstype: fstype.to_owned(),
        options: options.to_owned(),
        size_kb: 0,
        used_kb: 0,
        avail_kb: 0,
        inodes: 0,
        iused: 0,
        listed: false,
    });
}

fn tmpfs_like(
    device: &str,
    dir: &str,
    fstype: &str,
    options: String,
    size_kb: u64,
    used_kb: u64,
    listed: bool,
) -> Mount {
    Mount {
        device: device.to_owned(),
        dir: dir.to_owned(),
        fstype: fstype.to_owned(),
        options,
        size_kb,
        used_kb,
        avail_kb: size_kb.saturating_sub(used_kb),
        inodes: size_kb / 4,
        iused: 1 + used_kb / 2,
        listed,
    }
}

/// A block-device file system; ext4 keeps 5 % for root, which `df`'s Avail leaves out.
fn disk_mount(
    device: &str,
    dir: &str,
    fstype: &str,
    options: &str,
    size_kb: u64,
    used_kb: u64,
) -> Mount {
    let reserved = if fstype == "ext4" { size_kb / 20 } else { 0 };
    let inodes = if fstype == "ext4" { size_kb / 16 } else { 0 };
    Mount {
        device: device.to_owned(),
        dir: dir.to_owned(),
        fstype: fstype.to_owned(),
        options: options.to_owned(),
        size_kb,
        used_kb,
        avail_kb: size_kb.saturating_sub(used_kb).saturating_sub(reserved),
        inodes,
        iused: if inodes > 0 {
            (used_kb / 28).clamp(11, inodes)
        } else {
            0
        },
        listed: true,
    }
}
