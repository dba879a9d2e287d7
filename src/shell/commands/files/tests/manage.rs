//! `touch`, `mkdir`, `rmdir`, `rm`, `cp`, `mv`, `ln`, `chmod`, `chown`, `chgrp`, and the
//! path commands.

use super::Session;

#[test]
fn making_and_removing_like_gnu() {
    let mut s = Session::root();
    assert_eq!(s.run("cd /tmp && mkdir d && touch f"), "");
    assert_eq!(
        s.status("mkdir d"),
        (
            "mkdir: cannot create directory \u{2018}d\u{2019}: File exists\n".to_owned(),
            1
        )
    );
    assert_eq!(
        s.run("mkdir -p f/x"),
        "mkdir: cannot create directory \u{2018}f\u{2019}: Not a directory\n"
    );
    assert_eq!(
        s.run("mkdir a/b"),
        "mkdir: cannot create directory \u{2018}a/b\u{2019}: No such file or directory\n"
    );
    assert_eq!(
        s.run("mkdir"),
        "mkdir: missing operand\nTry 'mkdir --help' for more information.\n"
    );
    assert_eq!(s.run("mkdir -p a/b/c && ls -d a/b/c"), "a/b/c\n");
    assert_eq!(
        s.run("rmdir nope"),
        "rmdir: failed to remove 'nope': No such file or directory\n"
    );
    assert_eq!(
        s.run("rmdir ."),
        "rmdir: failed to remove '.': Invalid argument\n"
    );
    assert_eq!(
        s.run("rmdir a"),
        "rmdir: failed to remove 'a': Directory not empty\n"
    );
    assert_eq!(s.run("rm d"), "rm: cannot remove 'd': Is a directory\n");
    assert_eq!(
        s.run("rm nope"),
        "rm: cannot remove 'nope': No such file or directory\n"
    );
    assert_eq!(s.status("rm -f nope"), (String::new(), 0));
    assert_eq!(
        s.run("rm -r ."),
        "rm: refusing to remove '.' or '..' directory: skipping '.'\n"
    );
    assert_eq!(
        s.status("rm -rf /"),
        (
            "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n".to_owned(),
            1
        )
    );
    assert_eq!(
        s.run("rm"),
        "rm: missing operand\nTry 'rm --help' for more information.\n"
    );
    assert_eq!(s.run("rm -rf a d f; ls"), "");
    assert_eq!(
        s.run("touch nope/x"),
        "touch: cannot touch 'nope/x': No such file or directory\n"
    );
    assert_eq!(
        s.run("touch"),
        "touch: missing file operand\nTry 'touch --help' for more information.\n"
    );
    assert_eq!(
        s.run("touch -d garbage x"),
        "touch: invalid date format \u{2018}garbage\u{2019}\n"
    );
    assert_eq!(s.run("rm -rf /var/tmp/dota*; echo $?"), "0\n");
}

#[test]
fn copying_moving_linking_like_gnu() {
    let mut s = Session::root();
    assert_eq!(s.run("cd /tmp && mkdir d && echo data > f"), "");
    assert_eq!(
        s.run("cp"),
        "cp: missing file operand\nTry 'cp --help' for more information.\n"
    );
    assert_eq!(
        s.run("cp f"),
        "cp: missing destination file operand after 'f'\nTry 'cp --help' for more information.\n"
    );
    assert_eq!(
        s.run("cp nope x"),
        "cp: cannot stat 'nope': No such file or directory\n"
    );
    assert_eq!(
        s.run("cp d x"),
        "cp: -r not specified; omitting directory 'd'\n"
    );
    assert_eq!(
        s.run("cp f nope/x"),
        "cp: cannot create regular file 'nope/x': No such file or directory\n"
    );
    assert_eq!(s.run("cp f f"), "cp: 'f' and 'f' are the same file\n");
    assert_eq!(
        s.run("cp f g && cat g && cp f d && cat d/f"),
        "data\ndata\n"
    );
    assert_eq!(s.run("cp -r d e && ls e"), "f\n");
    assert_eq!(
        s.run("cp -r d d/x"),
        "cp: cannot copy a directory, 'd', into itself, 'd/x'\n"
    );
    assert_eq!(
        s.run("mv nope x"),
        "mv: cannot stat 'nope': No such file or directory\n"
    );
    assert_eq!(
        s.run("mv"),
        "mv: missing file operand\nTry 'mv --help' for more information.\n"
    );
    assert_eq!(s.run("mv f f"), "mv: 'f' and 'f' are the same file\n");
    assert_eq!(
        s.run("mv d d/x"),
        "mv: cannot move 'd' to a subdirectory of itself, 'd/x'\n"
    );
    assert_eq!(
        s.run("mv g h && ls h g"),
        "ls: cannot access 'g': No such file or directory\nh\n"
    );
    assert_eq!(s.run("ln -s f l && cat l && readlink l"), "data\nf\n");
    assert_eq!(
        s.run("ln -s f l"),
        "ln: failed to create symbolic link 'l': File exists\n"
    );
    assert_eq!(
        s.run("ln nope x"),
        "ln: failed to access 'nope': No such file or directory\n"
    );
    assert_eq!(s.run("cp /bin/ls /tmp/myls && /tmp/myls /tmp/e"), "f\n");
}

#[test]
fn permissions_like_gnu() {
    let mut s = Session::root();
    assert_eq!(s.run("cd /tmp && touch f"), "");
    assert_eq!(
        s.run("chmod"),
        "chmod: missing operand\nTry 'chmod --help' for more information.\n"
    );
    assert_eq!(
        s.run("chmod 777"),
        "chmod: missing operand after \u{2018}777\u{2019}\nTry 'chmod --help' for more information.\n"
    );
    assert_eq!(
        s.run("chmod 777 nope"),
        "chmod: cannot access 'nope': No such file or directory\n"
    );
    assert_eq!(
        s.run("chmod xyz f"),
        "chmod: invalid mode: \u{2018}xyz\u{2019}\nTry 'chmod --help' for more information.\n"
    );
    assert_eq!(s.run("chmod 777 f && stat -c %a f"), "777\n");
    assert_eq!(s.run("chmod go-w f && stat -c %a f"), "755\n");
    assert_eq!(s.run("chmod -x f && stat -c %a f"), "644\n");
    assert_eq!(s.run("chmod +x f && stat -c %A f"), "-rwxr-xr-x\n");
    assert_eq!(s.run("chmod u+s,o-r f && stat -c %A f"), "-rwsr-x--x\n");
    assert_eq!(
        s.run("chmod -v 644 f"),
        "mode of 'f' changed from 4751 (rwsr-x--x) to 0644 (rw-r--r--)\n"
    );
    assert_eq!(
        s.run("chown"),
        "chown: missing operand\nTry 'chown --help' for more information.\n"
    );
    assert_eq!(
        s.run("chown nobody nope"),
        "chown: cannot access 'nope': No such file or directory\n"
    );
    assert_eq!(
        s.run("chown nobodyx f"),
        "chown: invalid user: \u{2018}nobodyx\u{2019}\n"
    );
    assert_eq!(
        s.run("chgrp nogroupx f"),
        "chgrp: invalid group: \u{2018}nogroupx\u{2019}\n"
    );
    assert_eq!(
        s.run("chown nobody:nogroup f && stat -c '%U %G' f"),
        "nobody nogroup\n"
    );
    let mut bob = Session::new("bob");
    assert_eq!(
        bob.run("chmod 777 /etc/passwd"),
        "chmod: changing permissions of '/etc/passwd': Operation not permitted\n"
    );
    assert_eq!(
        bob.run("touch /etc/x"),
        "touch: cannot touch '/etc/x': Permission denied\n"
    );
    assert_eq!(
        bob.run("cat /etc/shadow"),
        "cat: /etc/shadow: Permission denied\n"
    );
    assert_eq!(
        bob.run("echo x > /etc/passwd"),
        "-bash: /etc/passwd: Permission denied\n"
    );
    assert_eq!(
        bob.run("chown bob /tmp"),
        "chown: changing ownership of '/tmp': Operation not permitted\n"
    );
}

#[test]
fn path_commands_like_gnu() {
    let mut s = Session::root();
    assert_eq!(
        s.run("which ls cat nope; echo $?"),
        "/usr/bin/ls\n/usr/bin/cat\n1\n"
    );
    assert_eq!(s.run("which -a sh"), "/usr/bin/sh\n/bin/sh\n");
    assert_eq!(
        s.run("basename /usr/bin/ls; basename a.txt .txt; dirname /usr/bin/ls"),
        "ls\na\n/usr/bin\n"
    );
    assert_eq!(
        s.run("basename"),
        "basename: missing operand\nTry 'basename --help' for more information.\n"
    );
    assert_eq!(
        s.run("basename a b c"),
        "basename: extra operand \u{2018}c\u{2019}\nTry 'basename --help' for more information.\n"
    );
    assert_eq!(
        s.run("readlink /bin; readlink -f /bin/sh; realpath /var/run/../log"),
        "usr/bin\n/usr/bin/dash\n/log\n"
    );
    assert_eq!(s.status("readlink /etc/passwd"), (String::new(), 1));
    assert_eq!(
        s.run("realpath /nope/x"),
        "realpath: /nope/x: No such file or directory\n"
    );
    assert_eq!(
        s.run("cd /tmp && mkdir -p a/b && touch a/x a/b/y.sh && find a"),
        "a\na/b\na/b/y.sh\na/x\n"
    );
    assert_eq!(
        s.run("find a -name '*.sh'; find a -type d -maxdepth 1"),
        "a/b/y.sh\na\na/b\n"
    );
    assert_eq!(
        s.run("find /nonexist"),
        "find: \u{2018}/nonexist\u{2019}: No such file or directory\n"
    );
    assert_eq!(s.run("find . -foo"), "find: unknown predicate `-foo'\n");
    assert_eq!(s.run("find . -name"), "find: missing argument to `-name'\n");
    assert_eq!(
        s.run("find . -type x"),
        "find: Unknown argument to -type: x\n"
    );
    assert_eq!(
        s.run("echo 12345 > a/b/y.sh; du a; du -sh a"),
        "8\ta/b\n12\ta\n12K\ta\n"
    );
}
