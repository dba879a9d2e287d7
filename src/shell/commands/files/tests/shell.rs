//! The shell on the filesystem: redirections, globbing, `cd`, scripts, persistence within
//! a session, quotas.

use super::Session;

#[test]
fn redirections_write_read_and_discard() {
    let mut s = Session::root();
    assert_eq!(s.run("echo hi > /tmp/x; cat /tmp/x"), "hi\n");
    assert_eq!(s.run("echo more >> /tmp/x; cat < /tmp/x"), "hi\nmore\n");
    assert_eq!(s.run("cat /tmp/x > /dev/null; echo $?"), "0\n");
    assert_eq!(s.run("ls /nope 2>&1 | wc -l"), "1\n");
    assert_eq!(
        s.run("ls /nope > /tmp/err 2>&1; cat /tmp/err"),
        "ls: cannot access '/nope': No such file or directory\n"
    );
    assert_eq!(s.run("ls /nope 2>/dev/null; echo $?"), "2\n");
    assert_eq!(
        s.run("echo a > /nope/x"),
        "-bash: /nope/x: No such file or directory\n"
    );
    assert_eq!(s.run("echo a > /tmp"), "-bash: /tmp: Is a directory\n");
    assert_eq!(
        s.run("cat < /nope"),
        "-bash: /nope: No such file or directory\n"
    );
    assert_eq!(
        s.run("echo x > /proc/.nippon"),
        "-bash: /proc/.nippon: No such file or directory\n"
    );
    assert_eq!(
        s.run("echo x > /sys/.nippon"),
        "-bash: /sys/.nippon: Permission denied\n"
    );
    // The cowrie-detector probe from real sessions.
    assert_eq!(
        s.run("echo -e '\\x47\\x72\\x6f\\x70/tmp' > /tmp/.nippon; cat /tmp/.nippon; rm -f /tmp/.nippon"),
        "Grop/tmp\n"
    );
    assert_eq!(
        s.run("echo x > /tmp/y; cat /tmp/y > /tmp/y; cat /tmp/y | wc -c"),
        "0\n"
    );
}

#[test]
fn globbing_against_the_filesystem() {
    let mut s = Session::root();
    assert_eq!(
        s.run("cd /tmp && mkdir g && cd g && touch a.sh b.sh c.txt .hid"),
        ""
    );
    assert_eq!(s.run("echo *.sh"), "a.sh b.sh\n");
    assert_eq!(s.run("echo *"), "a.sh b.sh c.txt\n");
    assert_eq!(s.run("echo .h*"), ".hid\n");
    assert_eq!(s.run("echo ?.txt [ab].sh"), "c.txt a.sh b.sh\n");
    assert_eq!(s.run("echo *.none"), "*.none\n");
    assert_eq!(s.run("echo '*.sh' \"*\" \\*"), "*.sh * *\n");
    assert_eq!(
        s.run("echo /tmp/g/*.txt /etc/host*"),
        "/tmp/g/c.txt /etc/host.conf /etc/hostname /etc/hosts\n"
    );
    assert_eq!(s.run("rm -f *.sh; ls"), "c.txt\n");
    assert_eq!(s.run("X='*.txt'; echo $X \"$X\""), "c.txt *.txt\n");
}

#[test]
fn cd_uses_the_filesystem_with_bash_errors() {
    let mut s = Session::root();
    assert_eq!(
        s.status("cd /nonexistent"),
        (
            "-bash: cd: /nonexistent: No such file or directory\n".to_owned(),
            1
        )
    );
    assert_eq!(
        s.run("cd /etc/passwd"),
        "-bash: cd: /etc/passwd: Not a directory\n"
    );
    assert_eq!(
        s.run("mkdir -p /tmp/new/deep && cd /tmp/new/deep && pwd"),
        "/tmp/new/deep\n"
    );
    assert_eq!(s.run("cd /tmp || cd /var/run || cd /mnt; pwd"), "/tmp\n");
    assert_eq!(s.run("cd /var/run && pwd && pwd -P"), "/var/run\n/run\n");
    let mut bob = Session::new("bob");
    assert_eq!(bob.run("cd /root"), "-bash: cd: /root: Permission denied\n");
    assert_eq!(
        bob.run("mkdir /tmp/locked && chmod 600 /tmp/locked && cd /tmp/locked"),
        "-bash: cd: /tmp/locked: Permission denied\n"
    );
    assert_eq!(bob.run("cd; pwd"), "/home/bob\n");
}

#[test]
fn scripts_run_through_the_interpreter() {
    let mut s = Session::root();
    let script =
        "echo -e '#!/bin/sh\\necho one\\ncd /var\\necho $0 $1\\nnosuch\\necho two' > /tmp/x.sh";
    assert_eq!(s.run(script), "");
    assert_eq!(
        s.run("sh /tmp/x.sh arg; pwd"),
        "one\n/tmp/x.sh arg\n/tmp/x.sh: 5: nosuch: not found\ntwo\n/root\n"
    );
    assert_eq!(
        s.run("bash /tmp/x.sh"),
        "one\n/tmp/x.sh\n/tmp/x.sh: line 5: nosuch: command not found\ntwo\n"
    );
    assert_eq!(
        s.run("cd /tmp; ./x.sh"),
        "-bash: ./x.sh: Permission denied\n"
    );
    assert_eq!(s.status("./x.sh").1, 126);
    assert_eq!(
        s.run("chmod +x x.sh; ./x.sh"),
        "one\n./x.sh\n./x.sh: 5: nosuch: not found\ntwo\n"
    );
    assert_eq!(
        s.run(". /tmp/x.sh; pwd"),
        "one\n-bash\n-bash: /tmp/x.sh: line 5: nosuch: command not found\ntwo\n/var\n"
    );
    assert_eq!(
        s.run("sh nope.sh; echo $?"),
        "sh: 0: cannot open nope.sh: No such file\n2\n"
    );
    assert_eq!(
        s.run("bash nope.sh; echo $?"),
        "bash: nope.sh: No such file or directory\n127\n"
    );
    assert_eq!(s.run("echo 'echo piped' | sh"), "piped\n");
    assert_eq!(s.run("sh -c 'echo $0 $1' a b"), "a b\n");
    assert_eq!(
        s.run("source"),
        "-bash: source: filename argument required\nsource: usage: source filename [arguments]\n"
    );
    // A script that runs itself stops.
    assert_eq!(s.run("echo 'sh /tmp/loop.sh' > /tmp/loop.sh"), "");
    let out = s.run("sh /tmp/loop.sh");
    assert!(out.contains("fork"), "{out}");
}

#[test]
fn running_programs_by_path() {
    let mut s = Session::root();
    assert_eq!(s.run("/bin/echo hi; /usr/bin/uname"), "hi\nLinux\n");
    assert_eq!(s.run("/tmp"), "-bash: /tmp: Is a directory\n");
    assert_eq!(s.run("/nope"), "-bash: /nope: No such file or directory\n");
    assert_eq!(
        s.run("rm /usr/bin/uname; uname"),
        "-bash: uname: command not found\n"
    );
    assert_eq!(
        s.run("/usr/bin/uname"),
        "-bash: /usr/bin/uname: No such file or directory\n"
    );
    // Another architecture's binary, as IoT droppers try them.
    assert_eq!(
        s.run("echo -e '\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00' > /tmp/m && chmod 777 /tmp/m && /tmp/m"),
        "-bash: /tmp/m: cannot execute binary file: Exec format error\n"
    );
}

#[test]
fn files_stay_within_the_session_and_quotas_hold() {
    let mut s = Session::root();
    assert_eq!(
        s.run(
            "cd ~ && rm -rf .ssh && mkdir .ssh && echo 'ssh-rsa AAAA key' >> .ssh/authorized_keys"
        ),
        ""
    );
    assert_eq!(s.run("cat ~/.ssh/authorized_keys"), "ssh-rsa AAAA key\n");
    s.overlay = crate::host::fs::Overlay::new(
        &crate::host::fs::Image::build(&crate::shell::commands::testing::host(), super::now(), &[]),
        crate::host::fs::Limits {
            max_bytes: 10,
            max_entries: 100,
        },
    );
    assert_eq!(
        s.run("echo 0123456789abc > /tmp/q"),
        "-bash: echo: write error: No space left on device\n"
    );
    assert_eq!(
        s.run("head -c 20 /dev/zero > /tmp/q2"),
        "head: write error: No space left on device\n"
    );
}

mod never_panics {
    use proptest::prelude::*;

    use super::Session;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// File commands with arbitrary options, paths and patterns, as root and as a user,
        /// on a small quota: any output, never a panic, quotas held.
        #[test]
        fn on_file_commands(
            words in proptest::collection::vec(
                "ls|cat|head|tail|wc|tee|grep|cut|sort|uniq|touch|mkdir|rmdir|rm|cp|mv|ln|chmod|chown|chgrp|which|readlink|realpath|basename|dirname|find|du|stat|file|cd|sh|\\.|-[a-zA-Z0-9]{1,3}|--[a-z-]{1,10}(=[a-z0-9]{0,3})?|/[a-z/.*?]{0,14}|\\.\\.|[a-z.*]{1,6}|[0-7]{3,4}|[ugoa]*[+=-][rwxst]{0,3}|>|>>|<|2>&1|\\||;|&&",
                0..10,
            ),
            user in "root|bob",
        ) {
            let mut s = Session::new(&user);
            s.overlay = crate::host::fs::Overlay::new(
                s.shell_image(),
                crate::host::fs::Limits { max_bytes: 4096, max_entries: 16 },
            );
            let _output = s.run(&words.join(" "));
            let usage = s.overlay.usage();
            prop_assert!(usage.bytes <= 4096 && usage.entries <= 16);
        }
    }
}

#[test]
fn a_new_login_has_an_account_that_agrees_with_id() {
    let mut s = Session::new("eve");
    let passwd = s.run("grep eve /etc/passwd");
    let id = s.run("id");
    let uid = passwd.split(':').nth(2).unwrap_or_default().to_owned();
    assert!(
        id.starts_with(&format!("uid={uid}(eve) gid={uid}(eve)")),
        "{passwd}{id}"
    );
    assert_eq!(
        s.run("pwd; ls -a"),
        "/home/eve\n.\n..\n.bash_logout\n.bashrc\n.profile\n"
    );
    assert_eq!(s.run("stat -c '%U %G %a' ."), "eve eve 750\n");
}
