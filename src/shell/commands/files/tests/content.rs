//! `cat`, `head`, `tail`, `wc`, `tee`, `grep`, `cut`, `sort`, `uniq`.

use super::Session;

fn files() -> Session {
    let mut s = Session::root();
    let setup = "cd /tmp && echo -e 'one two\\nthree\\n\\nfour five six' > f && echo -e 'b\\na\\nc\\na\\n10\\n9' > s \
        && echo -e 'x:1:a\\ny:2:b\\nz:3:c' > c";
    assert_eq!(s.run(setup), "");
    s
}

#[test]
fn cat_like_gnu() {
    let mut s = files();
    assert_eq!(
        s.run("cat -n f"),
        "     1\tone two\n     2\tthree\n     3\t\n     4\tfour five six\n"
    );
    assert_eq!(
        s.run("cat -b f"),
        "     1\tone two\n     2\tthree\n\n     3\tfour five six\n"
    );
    assert_eq!(s.run("cat -A f"), "one two$\nthree$\n$\nfour five six$\n");
    assert_eq!(
        s.status("cat nope /tmp 'a b'"),
        (
            "cat: nope: No such file or directory\ncat: /tmp: Is a directory\ncat: 'a b': No such file or directory\n".to_owned(),
            1
        )
    );
    assert_eq!(
        s.run("cat -z"),
        "cat: invalid option -- 'z'\nTry 'cat --help' for more information.\n"
    );
    assert_eq!(s.run("echo piped | cat - f | head -n 1"), "piped\n");
    assert_eq!(
        s.run("cat /etc/hostname"),
        format!(
            "{}\n",
            crate::shell::commands::testing::host().short_hostname()
        )
    );
}

#[test]
fn head_and_tail_like_gnu() {
    let mut s = files();
    assert_eq!(s.run("head -n 2 f"), "one two\nthree\n");
    assert_eq!(s.run("head -c 5 f"), "one t");
    assert_eq!(s.run("tail -n 1 f"), "four five six\n");
    assert_eq!(s.run("tail -n +3 f"), "\nfour five six\n");
    assert_eq!(s.run("head -n -2 f"), "one two\nthree\n");
    assert_eq!(s.run("head -1 f"), "one two\n");
    assert_eq!(
        s.run("head f s"),
        "==> f <==\none two\nthree\n\nfour five six\n\n==> s <==\nb\na\nc\na\n10\n9\n"
    );
    assert_eq!(
        s.run("tail -n 2 f s"),
        "==> f <==\n\nfour five six\n\n==> s <==\n10\n9\n"
    );
    assert_eq!(
        s.run("head nope"),
        "head: cannot open 'nope' for reading: No such file or directory\n"
    );
    assert_eq!(
        s.run("tail /tmp"),
        "tail: error reading '/tmp': Is a directory\n"
    );
    assert_eq!(
        s.run("head -n x f"),
        "head: invalid number of lines: \u{2018}x\u{2019}\n"
    );
    assert_eq!(s.run("head -c 4 /dev/zero | wc -c"), "4\n");
}

#[test]
fn wc_like_gnu() {
    let mut s = files();
    assert_eq!(s.run("wc f"), " 4  6 29 f\n");
    assert_eq!(s.run("wc -l f"), "4 f\n");
    assert_eq!(s.run("wc -w f"), "6 f\n");
    assert_eq!(s.run("wc f s"), " 4  6 29 f\n 6  6 13 s\n10 12 42 total\n");
    assert_eq!(s.run("echo -e 'a b\\nc' | wc"), "      2       3       6\n");
    assert_eq!(s.run("echo -e 'a b\\nc' | wc -l"), "2\n");
    assert_eq!(
        s.status("wc /tmp"),
        (
            "wc: /tmp: Is a directory\n      0       0       0 /tmp\n".to_owned(),
            1
        )
    );
    assert_eq!(s.run("wc nope"), "wc: nope: No such file or directory\n");
}

#[test]
fn grep_like_gnu() {
    let mut s = files();
    assert_eq!(s.run("grep -n o f"), "1:one two\n4:four five six\n");
    assert_eq!(s.run("grep -c o f s"), "f:2\ns:0\n");
    assert_eq!(s.run("grep -v o f"), "three\n\n");
    assert_eq!(s.run("grep -i ONE f"), "one two\n");
    assert_eq!(s.run("grep -E 't(wo|hree)' f"), "one two\nthree\n");
    assert_eq!(s.run("grep -o 'o.' f"), "on\nou\n");
    assert_eq!(s.run("grep -w two f"), "one two\n");
    assert_eq!(s.run("grep -l a f s"), "s\n");
    assert_eq!(s.status("grep zzz f"), (String::new(), 1));
    assert_eq!(
        s.status("grep x nope"),
        ("grep: nope: No such file or directory\n".to_owned(), 2)
    );
    assert_eq!(
        s.status("grep x /tmp"),
        ("grep: /tmp: Is a directory\n".to_owned(), 2)
    );
    assert_eq!(s.run("grep 'a\\(' f"), "grep: Unmatched ( or \\(\n");
    assert_eq!(
        s.run("grep '[a' f"),
        "grep: Unmatched [, [^, [:, [., or [=\n"
    );
    assert_eq!(
        s.run("grep"),
        "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
    );
    assert_eq!(
        s.run("grep -k x f"),
        "grep: invalid option -- 'k'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
    );
    assert_eq!(s.run("cat /proc/version | grep -c Linux"), "1\n");
    assert_eq!(s.run("grep -r three /tmp"), "/tmp/f:three\n");
    // A binary file (grep 3.7 on the 22.04 host reports on stderr).
    assert_eq!(s.run("grep -c ELF /bin/ls"), "1\n");
    assert_eq!(
        s.run("grep ELF /bin/ls"),
        "grep: /bin/ls: binary file matches\n"
    );
}

#[test]
fn cut_sort_uniq_like_gnu() {
    let mut s = files();
    assert_eq!(s.run("cut -d: -f1,3 c"), "x:a\ny:b\nz:c\n");
    assert_eq!(s.run("cut -c1-3 c"), "x:1\ny:2\nz:3\n");
    assert_eq!(
        s.run("cut c"),
        "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n"
    );
    assert_eq!(
        s.run("cut -f0 c"),
        "cut: fields are numbered from 1\nTry 'cut --help' for more information.\n"
    );
    assert_eq!(
        s.run("cut -d ab -f1 c"),
        "cut: the delimiter must be a single character\nTry 'cut --help' for more information.\n"
    );
    assert_eq!(s.run("sort s"), "10\n9\na\na\nb\nc\n");
    assert_eq!(s.run("sort -n s"), "a\na\nb\nc\n9\n10\n");
    assert_eq!(s.run("sort -r s"), "c\nb\na\na\n9\n10\n");
    assert_eq!(s.run("sort -u s"), "10\n9\na\nb\nc\n");
    assert_eq!(s.run("sort -t: -k2 -n -r c"), "z:3:c\ny:2:b\nx:1:a\n");
    assert_eq!(
        s.run("uniq -c s"),
        "      1 b\n      1 a\n      1 c\n      1 a\n      1 10\n      1 9\n"
    );
    assert_eq!(
        s.run("sort s | uniq -c"),
        "      1 10\n      1 9\n      2 a\n      1 b\n      1 c\n"
    );
    assert_eq!(
        s.status("sort nope"),
        (
            "sort: cannot read: nope: No such file or directory\n".to_owned(),
            2
        )
    );
    assert_eq!(
        s.run("uniq nope"),
        "uniq: nope: No such file or directory\n"
    );
}

#[test]
fn tee_writes_files_and_output() {
    let mut s = files();
    assert_eq!(s.run("echo hi | tee t1 t2"), "hi\n");
    assert_eq!(
        s.run("echo more | tee -a t1 >/dev/null; cat t1 t2"),
        "hi\nmore\nhi\n"
    );
    assert_eq!(
        s.run("echo x | tee /nope/x"),
        "tee: /nope/x: No such file or directory\nx\n"
    );
}

#[test]
fn help_and_version_match_coreutils_8_32() {
    let mut s = files();
    // Generated from coreutils v8.32's usage(); 8.x aligns the last two option lines so.
    let help = s.run("cat --help");
    assert!(
        help.starts_with(
            "Usage: cat [OPTION]... [FILE]...\nConcatenate FILE(s) to standard output.\n"
        ),
        "{help}"
    );
    assert!(help.contains("\n      --help     display this help and exit\n      --version  output version information and exit\n"), "{help}");
    assert!(
        help.ends_with("or available locally via: info '(coreutils) cat invocation'\n"),
        "{help}"
    );
    assert_eq!(
        s.run("ls --version"),
        "ls (GNU coreutils) 8.32\nCopyright (C) 2020 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\nWritten by Richard M. Stallman and David MacKenzie.\n"
    );
    assert!(
        s.run("/bin/rm --help")
            .starts_with("Usage: /bin/rm [OPTION]... [FILE]...\n")
    );
    assert!(s.run("grep --version").starts_with("grep (GNU grep) 3.7\n"));
}
