//! Expected outputs written from coreutils `df.c` (minimum column widths 14/4/5/5/5/4,
//! numbers right-aligned, one space apart, `-h` rounding up as gnulib's `human_readable`)
//! and util-linux `mount` (`SOURCE on TARGET type FSTYPE (OPTIONS)`), for the fixed host.

use super::human;
use crate::shell::commands::testing::{run, run_as, run_status};

#[test]
fn human_sizes_round_up() {
    assert_eq!(human(30_297_152, 1024, 1024), "29G");
    assert_eq!(human(2_539_309, 1024, 1024), "2.5G");
    assert_eq!(human(1_068, 1024, 1024), "1.1M");
    assert_eq!(human(4, 1024, 1024), "4.0K");
    assert_eq!(human(0, 1024, 1024), "0");
    assert_eq!(human(106_858, 1024, 1024), "105M");
    assert_eq!(human(100_672, 1024, 1024), "99M");
    assert_eq!(human(5_120, 1024, 1024), "5.0M");
    assert_eq!(human(1_982_328, 1024, 1024), "1.9G");
    assert_eq!(human(396_464, 1024, 1024), "388M");
    // 1023.5 KiB rounds up to the next unit.
    assert_eq!(human(1_048_575, 1024, 1024), "1.0G");
    assert_eq!(human(30_297_152, 1024, 1000), "32G");
}

#[test]
fn df_default_and_human() {
    // The widest source, /dev/nvme0n1p15, sets the first column to 15.
    let out = run("df -h");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("Filesystem       Size  Used Avail Use% Mounted on")
    );
    assert_eq!(
        lines.next(),
        Some("tmpfs            388M  1.1M  387M   1% /run")
    );
    let root = lines.next().unwrap_or_default();
    assert!(
        root.starts_with("/dev/root         29G  2.5G   26G  "),
        "{root}"
    );
    assert!(root.ends_with("% /"), "{root}");
    assert_eq!(
        lines.next(),
        Some("tmpfs            1.9G     0  1.9G   0% /dev/shm")
    );
    assert_eq!(
        lines.next(),
        Some("tmpfs            5.0M     0  5.0M   0% /run/lock")
    );
    assert_eq!(
        lines.next(),
        Some("/dev/loop0        64M   64M     0 100% /snap/core20/2182")
    );
    assert_eq!(
        lines.next(),
        Some("/dev/loop1        39M   39M     0 100% /snap/snapd/20671")
    );
    assert_eq!(
        lines.next(),
        Some("/dev/nvme0n1p15  105M  6.1M   99M   6% /boot/efi")
    );
    assert_eq!(
        lines.next(),
        Some("tmpfs            388M  4.0K  388M   1% /run/user/0")
    );
    assert_eq!(lines.next(), None);

    let out = run("df");
    assert_eq!(
        out.lines().next(),
        Some("Filesystem      1K-blocks    Used Available Use% Mounted on")
    );
    assert!(
        out.contains("\ntmpfs                5120       0      5120   0% /run/lock\n"),
        "{out}"
    );
    assert!(
        out.contains("\n/dev/nvme0n1p15    106858    6186    100672   6% /boot/efi\n"),
        "{out}"
    );
}

#[test]
fn df_type_inodes_and_files() {
    let out = run("df -T");
    assert_eq!(
        out.lines().next(),
        Some("Filesystem      Type     1K-blocks    Used Available Use% Mounted on")
    );
    assert!(
        out.contains(
            "\n/dev/loop0      squashfs     65408   65408         0 100% /snap/core20/2182\n"
        ),
        "{out}"
    );
    let inodes = run("df -i /");
    assert!(inodes.starts_with("Filesystem      Inodes "), "{inodes}");
    assert!(
        inodes
            .lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("/dev/root      1893572 "),
        "{inodes}"
    );
    assert!(inodes.ends_with("% /\n"), "{inodes}");
    assert_eq!(
        run("df -h /boot/efi").lines().nth(1),
        Some("/dev/nvme0n1p15  105M  6.1M   99M   6% /boot/efi")
    );
    assert_eq!(
        run_status("df -x"),
        (
            "df: option requires an argument -- 'x'\nTry 'df --help' for more information.\n"
                .to_owned(),
            1
        )
    );
}

#[test]
fn mount_lists_proc_mounts() {
    let out = run("mount");
    assert!(out.starts_with(
        "sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)\n\
         proc on /proc type proc (rw,nosuid,nodev,noexec,relatime)\n\
         udev on /dev type devtmpfs (rw,nosuid,relatime,size=1982328k,nr_inodes=495582,mode=755,inode64)\n"
    ));
    assert!(out.contains("\n/dev/root on / type ext4 (rw,relatime,discard,errors=remount-ro)\n"));
    assert!(out.ends_with("tmpfs on /run/user/0 type tmpfs (rw,nosuid,nodev,relatime,size=396464k,nr_inodes=99116,mode=700,uid=0,gid=0,inode64)\n"));
    assert_eq!(
        run("mount -t vfat"),
        "/dev/nvme0n1p15 on /boot/efi type vfat (rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro)\n"
    );
    let user = run_as("deploy", "mount /dev/sdb1 /mnt");
    assert_eq!(
        String::from_utf8_lossy(&user.output),
        "mount: only root can do that\n"
    );
    assert_eq!(user.status, 1);
}
