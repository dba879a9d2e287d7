//! `ls`, `stat`, `file`.

use super::Session;

/// The tree of `/tmp/ref/t` the expected outputs were made from.
fn tree() -> Session {
    let mut s = Session::root();
    let setup = "mkdir /tmp/t && cd /tmp/t && echo hello > a.txt && echo -e '#!/bin/sh\\necho hi' > run.sh \
        && chmod 755 run.sh && head -c 5000 /dev/zero > big && mkdir sub && touch 'a b' .hidden \
        && ln -s a.txt link && touch -d '2026-11-20 09:15:00' a.txt run.sh big 'a b' .hidden \
        && touch -h -d '2026-11-20 09:15:00' link && touch -d '2025-03-04 12:00:00' sub \
        && touch -d '2026-11-19 23:59:00' .";
    assert_eq!(s.run(setup), "");
    s
}

const LONG: &str = "total 20
-rw-r--r-- 1 root root    0 Nov 20 09:15 a b
-rw-r--r-- 1 root root    6 Nov 20 09:15 a.txt
-rw-r--r-- 1 root root 5000 Nov 20 09:15 big
lrwxrwxrwx 1 root root    5 Nov 20 09:15 link -> a.txt
-rwxr-xr-x 1 root root   18 Nov 20 09:15 run.sh
drwxr-xr-x 2 root root 4096 Mar  4  2025 sub
";

#[test]
fn ls_long_like_gnu() {
    let mut s = tree();
    assert_eq!(s.run("ls -l"), LONG);
    assert_eq!(s.run("ls -lt"), LONG);
    assert_eq!(
        s.run("ls -lh"),
        "total 20K
-rw-r--r-- 1 root root    0 Nov 20 09:15 a b
-rw-r--r-- 1 root root    6 Nov 20 09:15 a.txt
-rw-r--r-- 1 root root 4.9K Nov 20 09:15 big
lrwxrwxrwx 1 root root    5 Nov 20 09:15 link -> a.txt
-rwxr-xr-x 1 root root   18 Nov 20 09:15 run.sh
drwxr-xr-x 2 root root 4.0K Mar  4  2025 sub
"
    );
    assert_eq!(
        s.run("ls -lrS"),
        "total 20
-rw-r--r-- 1 root root    0 Nov 20 09:15 a b
lrwxrwxrwx 1 root root    5 Nov 20 09:15 link -> a.txt
-rw-r--r-- 1 root root    6 Nov 20 09:15 a.txt
-rwxr-xr-x 1 root root   18 Nov 20 09:15 run.sh
drwxr-xr-x 2 root root 4096 Mar  4  2025 sub
-rw-r--r-- 1 root root 5000 Nov 20 09:15 big
"
    );
    let la = s.run("ls -la");
    assert!(
        la.ends_with(
            "-rw-r--r-- 1 root root    0 Nov 20 09:15 .hidden
-rw-r--r-- 1 root root    0 Nov 20 09:15 a b
-rw-r--r-- 1 root root    6 Nov 20 09:15 a.txt
-rw-r--r-- 1 root root 5000 Nov 20 09:15 big
lrwxrwxrwx 1 root root    5 Nov 20 09:15 link -> a.txt
-rwxr-xr-x 1 root root   18 Nov 20 09:15 run.sh
drwxr-xr-x 2 root root 4096 Mar  4  2025 sub
"
        ),
        "{la}"
    );
    assert!(
        la.starts_with("total 28\ndrwxr-xr-x 3 root root 4096 Nov 19 23:59 .\ndrwxrwxrwt "),
        "{la}"
    );
}

#[test]
fn ls_short_forms_like_gnu() {
    let mut s = tree();
    assert_eq!(s.run("ls"), "a b\na.txt\nbig\nlink\nrun.sh\nsub\n");
    assert_eq!(
        s.run("ls -A"),
        ".hidden\na b\na.txt\nbig\nlink\nrun.sh\nsub\n"
    );
    assert_eq!(s.run("ls -d sub a.txt"), "a.txt\nsub\n");
    assert_eq!(s.run("ls -F"), "a b\na.txt\nbig\nlink@\nrun.sh*\nsub/\n");
    assert_eq!(
        s.run("ls -R"),
        ".:\na b\na.txt\nbig\nlink\nrun.sh\nsub\n\n./sub:\n"
    );
    assert_eq!(
        s.status("ls nope a.txt"),
        (
            "ls: cannot access 'nope': No such file or directory\na.txt\n".to_owned(),
            2
        )
    );
    assert_eq!(
        s.run("ls -z"),
        "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n"
    );
}

#[test]
fn ls_on_a_terminal_quotes_and_aligns() {
    let mut s = tree().tty(80);
    assert_eq!(s.run("ls"), "'a b'   a.txt   big   link   run.sh   sub\n");
    assert_eq!(
        s.run("ls -l"),
        "total 20
-rw-r--r-- 1 root root    0 Nov 20 09:15 'a b'
-rw-r--r-- 1 root root    6 Nov 20 09:15  a.txt
-rw-r--r-- 1 root root 5000 Nov 20 09:15  big
lrwxrwxrwx 1 root root    5 Nov 20 09:15  link -> a.txt
-rwxr-xr-x 1 root root   18 Nov 20 09:15  run.sh
drwxr-xr-x 2 root root 4096 Mar  4  2025  sub
"
    );
}

#[test]
fn ls_columns_like_gnu() {
    let names = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega";
    let mut s = Session::root().tty(80);
    assert_eq!(
        s.run(&format!("mkdir /tmp/g && cd /tmp/g && touch {names}")),
        ""
    );
    assert_eq!(
        s.run("ls"),
        "alpha  delta\tgamma  lambda  omega\tpi   sigma  upsilon\n\
         beta   epsilon\tiota   mu      omicron\tpsi  tau    xi\n\
         chi    eta\tkappa  nu      phi\trho  theta  zeta\n"
    );
    assert_eq!(
        s.run("ls -x"),
        "alpha  beta\tchi  delta  epsilon  eta  gamma  iota  kappa  lambda   mu  nu\n\
         omega  omicron\tphi  pi     psi      rho  sigma  tau   theta  upsilon  xi  zeta\n"
    );
    assert_eq!(
        s.run("ls -m"),
        "alpha, beta, chi, delta, epsilon, eta, gamma, iota, kappa, lambda, mu, nu,\n\
         omega, omicron, phi, pi, psi, rho, sigma, tau, theta, upsilon, xi, zeta\n"
    );
    assert_eq!(
        s.run("ls -w 40"),
        "alpha\t gamma\t omega\t  sigma\n\
         beta\t iota\t omicron  tau\n\
         chi\t kappa\t phi\t  theta\n\
         delta\t lambda  pi\t  upsilon\n\
         epsilon  mu\t psi\t  xi\n\
         eta\t nu\t rho\t  zeta\n"
    );
    // Into a pipe: one per line.
    assert_eq!(s.run("ls | head -n 2"), "alpha\nbeta\n");
}

#[test]
fn ls_of_the_system() {
    let mut s = Session::root();
    let dirs = s.run("ls -ld /tmp /root");
    let lines: Vec<&str> = dirs.lines().collect();
    assert!(
        lines[0].starts_with("drwx------ ") && lines[0].ends_with(" /root"),
        "{dirs}"
    );
    assert!(
        lines[1].starts_with("drwxrwxrwt ") && lines[1].ends_with(" /tmp"),
        "{dirs}"
    );
    assert!(
        lines.iter().all(|l| l.contains(" root root 4096 ")),
        "{dirs}"
    );
    let bin = s.run("ls -l /bin");
    assert!(bin.starts_with("lrwxrwxrwx 1 root root 7 "), "{bin}");
    assert!(bin.ends_with(" /bin -> usr/bin\n"), "{bin}");
    let ls = s.run("ls -lh $(which ls)");
    assert!(
        ls.starts_with("-rwxr-xr-x 1 root root 135K Feb  7  2022 /usr/bin/ls"),
        "{ls}"
    );
    assert_eq!(
        s.run("ls -l /dev/null")
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>(),
        ["crw-rw-rw-", "1", "root", "root", "1,", "3"]
    );
    assert_eq!(
        Session::new("bob").run("ls /root"),
        "ls: cannot open directory '/root': Permission denied\n"
    );
}

#[test]
fn stat_like_coreutils_8_32() {
    let mut s = tree();
    // The 8.32 default format (stat.c at v8.32): hex/decimal device, birth time shown.
    let out = s.run("stat a.txt");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "  File: a.txt");
    assert_eq!(
        lines[1],
        "  Size: 6         \tBlocks: 8          IO Block: 4096   regular file"
    );
    // The fixture's root file system is on an NVMe disk: 259,1.
    assert!(
        lines[2].starts_with("Device: 10301h/66305d\tInode: "),
        "{out}"
    );
    assert!(lines[2].ends_with("  Links: 1"), "{out}");
    assert_eq!(
        lines[3],
        "Access: (0644/-rw-r--r--)  Uid: (    0/    root)   Gid: (    0/    root)"
    );
    assert_eq!(lines[5], "Modify: 2026-11-20 09:15:00.000000000 +0000");
    assert_eq!(
        s.run("stat -c '%n %s %a %A %U %F' a.txt sub link"),
        "a.txt 6 644 -rw-r--r-- root regular file\nsub 4096 755 drwxr-xr-x root directory\nlink 5 777 lrwxrwxrwx root symbolic link\n"
    );
    assert_eq!(s.run("stat -c %N link"), "'link' -> 'a.txt'\n");
    assert_eq!(
        s.run("stat nope"),
        "stat: cannot statx 'nope': No such file or directory\n"
    );
    assert_eq!(
        s.run("stat"),
        "stat: missing operand\nTry 'stat --help' for more information.\n"
    );
}

#[test]
fn file_says_what_it_is() {
    let mut s = tree();
    assert_eq!(s.run("file a.txt"), "a.txt: ASCII text\n");
    assert_eq!(
        s.run("file run.sh"),
        "run.sh: POSIX shell script, ASCII text executable\n"
    );
    assert_eq!(
        s.run("file 'a b' sub link"),
        "a b: empty\nsub: directory\nlink: symbolic link to a.txt\n"
    );
    let elf = s.run("file /bin/ls");
    assert!(
        elf.starts_with("/bin/ls: symbolic link to")
            || elf.starts_with("/bin/ls: ELF 64-bit LSB pie executable, x86-64"),
        "{elf}"
    );
    assert_eq!(
        s.run("file nope"),
        "nope: cannot open `nope' (No such file or directory)\n"
    );
}

/// Every release the profiles draw gets a tree and texts of its own coreutils.
#[test]
fn every_release_lists_and_helps() {
    use std::sync::Arc;

    use crate::host::HostProfile;
    use crate::shell::{Shell, ShellState};

    let mut seen = std::collections::HashSet::new();
    for seed in 0..200 {
        let host = HostProfile::generate(seed);
        if !seen.insert(host.coreutils_version.clone()) {
            continue;
        }
        let version = host.coreutils_version.clone();
        let shell = Shell::new(Arc::new(host));
        let mut state = ShellState::login("root");
        let mut run = |line: &str| {
            String::from_utf8_lossy(&shell.run_line(&mut state, line).output).into_owned()
        };
        let help = run("ls --help");
        assert!(
            help.starts_with("Usage: ls [OPTION]... [FILE]...\n"),
            "{version}: {help}"
        );
        assert!(run("ls --version").starts_with(&format!("ls (GNU coreutils) {version}\n")));
        let stat = run("stat /etc/passwd");
        let expected_device = if version.starts_with("8.") { "h/" } else { "," };
        assert!(
            stat.lines()
                .nth(2)
                .is_some_and(|l| l.contains(expected_device)),
            "{version}: {stat}"
        );
        if version == "8.30" {
            assert!(stat.ends_with(" Birth: -\n"), "{stat}");
            assert_eq!(
                run("stat /nope"),
                "stat: cannot stat '/nope': No such file or directory\n"
            );
        }
        let root = run("ls -l /");
        assert!(
            root.contains(" bin -> usr/bin\n") && root.contains(" tmp\n"),
            "{version}: {root}"
        );
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
}
