//! Expected texts are gzip 1.10's (`gzip.c`, `util.c`, `gunzip.in`, `zcat.in`) and what it
//! prints on Ubuntu 22.04 for the same files.

use crate::shell::commands::testing::{run, run_status};

#[test]
fn gzip_replaces_the_file_and_gunzip_restores_it() {
    let (out, status) = run_status(
        "cd /tmp; printf 'hi\\n' > ff; chmod 640 ff; gzip ff; ls; wc -c < ff.gz; \
         ls -l ff.gz | cut -c1-10; gunzip ff.gz; ls; cat ff; ls -l ff | cut -c1-10",
    );
    assert_eq!(status, 0, "{out}");
    // A 3-byte file with its 2-byte name stored: 10 + 3 + 5 (fixed-Huffman block) + 8.
    assert!(
        out.starts_with("ff.gz\n26\n-rw-r-----\n"),
        "gzip keeps the mode: {out}"
    );
    assert!(out.ends_with("ff\nhi\n-rw-r-----\n"), "{out}");
    assert!(!out.contains("ff.gz\nff.gz"));
}

#[test]
fn keep_stdout_and_zcat() {
    let out = run(
        "cd /tmp; echo hello > a; gzip -k a; ls a a.gz; zcat a.gz; gzip -dc a.gz; \
         gzip -c a | gunzip; cat a.gz | zcat; gunzip -c a",
    );
    assert_eq!(
        out,
        "a\na.gz\nhello\nhello\nhello\nhello\n\ngzip: a: not in gzip format\n"
    );
    // -f with -c passes data that is not compressed through unchanged.
    assert_eq!(
        run("cd /tmp; echo plain > p; zcat -f p; echo plain | gunzip -cf"),
        "plain\nplain\n"
    );
}

#[test]
fn verbose_ratios() {
    assert_eq!(
        run("cd /tmp; printf 'hi\\n' > ff; gzip -v ff"),
        "ff:\t-66.7% -- replaced with ff.gz\n"
    );
    assert_eq!(
        run("cd /tmp; printf 'hello\\n' > p2; gzip -kv p2; gzip -tv p2.gz; gzip -dvf p2.gz"),
        "p2:\t-33.3% -- created p2.gz\np2.gz:\t OK\np2.gz:\t-33.3% -- replaced with p2\n"
    );
}

#[test]
fn errors_and_warnings_like_gzip() {
    assert_eq!(
        run_status("gzip nope"),
        ("gzip: nope: No such file or directory\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("gunzip nope"),
        ("gzip: nope.gz: No such file or directory\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("zcat nope.gz"),
        ("gzip: nope.gz: No such file or directory\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("cd /tmp; echo x > plain; gunzip plain"),
        ("gzip: plain: unknown suffix -- ignored\n".to_owned(), 2)
    );
    assert_eq!(
        run_status("cd /tmp; echo notgz > bad.gz; gunzip bad.gz; ls bad*"),
        ("\ngzip: bad.gz: not in gzip format\nbad.gz\n".to_owned(), 0)
    );
    assert_eq!(
        run_status("cd /tmp; echo notgz > bad.gz; gunzip bad.gz"),
        ("\ngzip: bad.gz: not in gzip format\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("cd /tmp; echo a > x.gz; gzip x.gz"),
        (
            "gzip: x.gz already has .gz suffix -- unchanged\n".to_owned(),
            2
        )
    );
    assert_eq!(
        run_status("cd /tmp; echo a > x.tgz; gzip -q x.tgz"),
        (String::new(), 2)
    );
    assert_eq!(
        run_status("cd /tmp; echo a > g; echo b > g.gz; gzip g"),
        (
            "gzip: g.gz already exists;\tnot overwritten\n".to_owned(),
            2
        )
    );
    assert_eq!(
        run_status("cd /tmp; echo a > g; echo b > g.gz; gzip -f g; zcat g.gz").0,
        "a\n"
    );
    assert_eq!(
        run_status("gzip /tmp"),
        ("gzip: /tmp is a directory -- ignored\n".to_owned(), 2)
    );
    assert_eq!(
        run_status("gzip /dev/null"),
        (
            "gzip: /dev/null is not a directory or a regular file - ignored\n".to_owned(),
            2
        )
    );
    assert_eq!(
        run_status("cd /tmp; echo a > t; ln -s t l; gzip l"),
        ("gzip: l: Too many levels of symbolic links\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("echo junk | gunzip"),
        ("\ngzip: stdin: not in gzip format\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("gzip -z"),
        (
            "gzip: invalid option -- 'z'\nTry `gzip --help' for more information.\n".to_owned(),
            1
        )
    );
    // A truncated member.
    assert_eq!(
        run("cd /tmp; echo some text here > s; gzip s; head -c 20 s.gz > t.gz; gunzip t.gz"),
        "\ngzip: t.gz: unexpected end of file\n"
    );
}

#[test]
fn list_mode() {
    let heading = "         compressed        uncompressed  ratio uncompressed_name\n";
    assert_eq!(
        run("cd /tmp; printf 'hi\\n' > gzt; gzip gzt; gzip -l gzt.gz"),
        format!("{heading}                 27                   3 -66.7% gzt\n")
    );
    assert_eq!(
        run("cd /tmp; printf 'hi\\n' > gzt; gzip gzt; cp gzt.gz g2.gz; gzip -l gzt.gz g2.gz"),
        format!(
            "{heading}                 27                   3 -66.7% gzt\n\
             \x20                27                   3 -66.7% g2\n\
             \x20                54                   6 -433.3% (totals)\n"
        )
    );
    // Compressed from a pipe: no name, time 0 (gzip 1.10 stores no time for non-files).
    assert_eq!(
        run("printf 'hi\\n' | gzip | gzip -lv"),
        "method  crc     date  time           compressed        uncompressed  ratio uncompressed_name\n\
         defla ed6f7a7a Jan  1 00:00                  23                   3 -66.7% stdout\n"
    );
}

#[test]
fn help_and_version_texts() {
    let help = run("gzip --help");
    assert!(help.starts_with("Usage: gzip [OPTION]... [FILE]...\nCompress or uncompress FILEs (by default, compress FILES in-place).\n"));
    assert!(help.contains("\n  -9, --best        compress better\n\nWith no FILE, or when FILE is -, read standard input.\n\nReport bugs to <bug-gzip@gnu.org>.\n"));
    assert_eq!(run("gzip -h"), help);
    assert_eq!(
        run("gzip -V"),
        "gzip 1.10\nCopyright (C) 2018 Free Software Foundation, Inc.\nCopyright (C) 1993 Jean-loup Gailly.\n\
         This is free software.  You may redistribute copies of it under the terms of\n\
         the GNU General Public License <https://www.gnu.org/licenses/gpl.html>.\n\
         There is NO WARRANTY, to the extent permitted by law.\n\nWritten by Jean-loup Gailly.\n"
    );
    let gunzip = run("gunzip --help");
    assert!(gunzip.starts_with("Usage: /usr/bin/gunzip [OPTION]... [FILE]...\nUncompress FILEs (by default, in-place).\n\nMandatory arguments"));
    assert!(gunzip.contains("  -k, --keep        keep (don't delete) input files\n  -l, --list "));
    assert!(run("/bin/gunzip --help").starts_with("Usage: /bin/gunzip [OPTION]"));
    assert_eq!(
        run("zcat --help"),
        "Usage: /usr/bin/zcat [OPTION]... [FILE]...\nUncompress FILEs to standard output.\n\n\
         \x20 -f, --force       force; read compressed data even from a terminal\n\
         \x20 -l, --list        list compressed file contents\n\
         \x20 -q, --quiet       suppress all warnings\n\
         \x20 -r, --recursive   operate recursively on directories\n\
         \x20 -S, --suffix=SUF  use suffix SUF on compressed files\n\
         \x20     --synchronous synchronous output (safer if system crashes, but slower)\n\
         \x20 -t, --test        test compressed file integrity\n\
         \x20 -v, --verbose     verbose mode\n\
         \x20     --help        display this help and exit\n\
         \x20     --version     display version information and exit\n\n\
         With no FILE, or when FILE is -, read standard input.\n\nReport bugs to <bug-gzip@gnu.org>.\n"
    );
    assert!(run("zcat --version").starts_with(
        "zcat (gzip) 1.10\nCopyright (C) 2007, 2011-2018 Free Software Foundation, Inc.\n"
    ));
    assert!(run("gunzip --version").ends_with("\n\nWritten by Paul Eggert.\n"));
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
fn no_compressed_data_to_a_terminal() {
    assert_eq!(
        run_on_terminal("echo a | gzip"),
        "gzip: compressed data not written to a terminal. Use -f to force compression.\n\
         For help, type: gzip -h\n"
    );
    assert_eq!(
        run_on_terminal("gunzip"),
        "gzip: compressed data not read from a terminal. Use -f to force decompression.\n\
         For help, type: gzip -h\n"
    );
}

use proptest::strategy::Strategy as _;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Attackers type anything: no argument soup makes `gzip, gunzip, zcat` panic.
    #[test]
    fn argument_soup_never_panics(
        words in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec!["-d", "-c", "-k", "-f", "-v", "-l", "-t", "-r", "-S", "-9", "/etc/hostname", "/tmp", "-", "x.gz", "--help"]).prop_map(str::to_owned),
                "[ -~]{0,12}",
            ],
            0..6,
        ),
        which in 0usize..3,
    ) {
        let command = ["gzip", "gunzip", "zcat"][which];
        let line = format!("{command} {}", words.iter().map(|w| format!("'{}'", w.replace('\'', ""))).collect::<Vec<_>>().join(" "));
        let (_, status) = run_status(&line);
        proptest::prop_assert!((0..=255).contains(&status));
    }
}
