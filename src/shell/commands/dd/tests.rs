//! Formats from GNU coreutils 8.32 `dd`; the timing varies, so tests check its shape.

use super::size;
use super::summary::{g_format, human};
use crate::shell::commands::testing::{run, run_as, run_status};

#[test]
fn mirai_reads_an_elf_header() {
    let outcome = run_as("root", "dd bs=52 count=1 if=/bin/echo");
    assert_eq!(outcome.status, 0);
    assert!(outcome.output.len() > 52);
    let stats = String::from_utf8_lossy(&outcome.output[52..]);
    assert!(outcome.output.starts_with(b"\x7fELF\x02\x01\x01\0"));
    assert_eq!(outcome.output[18], 0x3e, "x86-64 machine field");
    assert!(
        stats.starts_with("1+0 records in\n1+0 records out\n52 bytes copied, "),
        "{stats}"
    );
    assert!(
        stats.ends_with(" kB/s\n") || stats.ends_with(" MB/s\n"),
        "{stats}"
    );
    let busybox = run_as("root", "/bin/busybox dd bs=52 count=1 if=/bin/echo");
    assert!(busybox.output.starts_with(b"\x7fELF"));
}

#[test]
fn records_and_files() {
    let out = run("printf hello | dd bs=2 2>&1 >/dev/null");
    assert!(
        out.starts_with("2+1 records in\n2+1 records out\n5 bytes copied, "),
        "{out}"
    );
    assert_eq!(run("printf hello | dd bs=2 skip=1 status=none"), "llo");
    assert_eq!(
        run("printf hello | dd count=1 bs=3 status=none conv=ucase"),
        "HEL"
    );
    assert_eq!(
        run("printf abcdef | dd of=/tmp/x bs=1 count=4 status=noxfer; cat /tmp/x"),
        "4+0 records in\n4+0 records out\nabcd"
    );
    assert_eq!(
        run(
            "printf abcdef > /tmp/y; printf XY | dd of=/tmp/y bs=1 seek=2 conv=notrunc status=none; cat /tmp/y"
        ),
        "abXYef"
    );
    let out = run("dd if=/dev/zero of=/tmp/z bs=1M count=2 2>&1; stat -c %s /tmp/z");
    assert!(
        out.starts_with(
            "2+0 records in\n2+0 records out\n2097152 bytes (2.1 MB, 2.0 MiB) copied, "
        ),
        "{out}"
    );
    assert!(out.ends_with("\n2097152\n"), "{out}");
    let out = run("dd if=/dev/urandom of=/dev/null bs=1000 count=1 2>&1");
    assert!(out.contains("\n1000 bytes (1.0 kB) copied, "), "{out}");
    assert_eq!(
        run("dd if=/dev/zero bs=1 count=1 status=none | wc -c"),
        "1\n"
    );
}

#[test]
fn errors_like_coreutils() {
    assert_eq!(
        run_status("dd if=nosuch"),
        (
            "dd: failed to open 'nosuch': No such file or directory\n".into(),
            1
        )
    );
    assert_eq!(
        run_status("dd foo=1"),
        (
            "dd: unrecognized operand \u{2018}foo=1\u{2019}\nTry 'dd --help' for more information.\n".into(),
            1
        )
    );
    assert_eq!(
        run_status("dd bs=x"),
        ("dd: invalid number: \u{2018}x\u{2019}\n".into(), 1)
    );
    assert_eq!(
        run_status("dd bs=0"),
        ("dd: invalid number: \u{2018}0\u{2019}\n".into(), 1)
    );
    assert_eq!(
        run_status("dd if=/dev/zero of=/nonexist/x count=1"),
        (
            "dd: failed to open '/nonexist/x': No such file or directory\n".into(),
            1
        )
    );
    assert_eq!(
        run_status("dd conv=foo"),
        (
            "dd: invalid conversion: \u{2018}foo\u{2019}\nTry 'dd --help' for more information.\n"
                .into(),
            1
        )
    );
    assert!(run("dd --help").starts_with("Usage: dd [OPERAND]...\n  or:  dd OPTION\n"));
}

#[test]
fn number_and_rate_formats() {
    assert_eq!(size("1M"), Some(1 << 20));
    assert_eq!(size("1kB"), Some(1000));
    assert_eq!(size("2x512"), Some(1024));
    assert_eq!(size("1b"), Some(512));
    assert_eq!(size("k"), None);
    assert_eq!(human(1_048_576.0, 1000.0, "B"), "1.0 MB");
    assert_eq!(human(1_048_576.0, 1024.0, "iB"), "1.0 MiB");
    assert_eq!(human(104_857_600.0, 1000.0, "B"), "105 MB");
    assert_eq!(human(52.0, 1000.0, "B"), "52 B");
    assert_eq!(g_format(0.000151), "0.000151");
    assert_eq!(g_format(0.0000246663), "2.46663e-05");
    assert_eq!(g_format(0.00493913), "0.00493913");
    assert_eq!(g_format(1.5), "1.5");
}

#[test]
fn urandom_replays_identically() {
    let line = "dd if=/dev/urandom bs=32 count=2 2>/dev/null | base64 -w 100";
    let first = run(line);
    assert_eq!(first.len(), 89, "64 bytes in base64: {first}");
    assert_eq!(run(line), first, "a replayed session reads the same bytes");
    assert_ne!(
        run("dd if=/dev/urandom bs=32 count=1 2>/dev/null | base64 -w0; echo; dd if=/dev/urandom bs=32 count=1 2>/dev/null | base64 -w0")
            .lines()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        1,
        "two reads in a session differ"
    );
}
