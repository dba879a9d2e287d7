//! Expected texts from shadow 4.8.1 and adduser 3.118ubuntu5 (Ubuntu 22.04).

use crate::shell::commands::testing::{run_as, run_status};

#[test]
fn useradd_writes_the_account_files() {
    let (out, status) = run_status(
        "useradd -m -s /bin/bash -G sudo bob; grep bob /etc/passwd; grep ^sudo: /etc/group; ls -A /home/bob; stat -c '%U:%G %a' /home/bob",
    );
    assert_eq!(status, 0);
    assert_eq!(
        out,
        "bob:x:1002:1002::/home/bob:/bin/bash\n\
         sudo:x:27:ubuntu,deploy,bob\n\
         .bash_logout\n.bashrc\n.profile\n\
         bob:bob 755\n"
    );
    assert_eq!(
        run_status("useradd ubuntu"),
        ("useradd: user 'ubuntu' already exists\n".into(), 9)
    );
    assert_eq!(
        run_status("useradd 'Bad!'"),
        ("useradd: invalid user name 'Bad!'\n".into(), 3)
    );
    let outcome = run_as("deploy", "useradd x");
    assert_eq!(
        String::from_utf8_lossy(&outcome.output),
        "useradd: Permission denied.\nuseradd: cannot lock /etc/passwd; try again later.\n"
    );
    assert_eq!(outcome.status, 1);
}

#[test]
fn userdel_and_groupadd() {
    assert_eq!(
        run_status("useradd bob; userdel bob; grep -c bob /etc/passwd /etc/group /etc/shadow"),
        ("/etc/passwd:0\n/etc/group:0\n/etc/shadow:0\n".into(), 1)
    );
    assert_eq!(
        run_status("userdel nosuch"),
        ("userdel: user 'nosuch' does not exist\n".into(), 6)
    );
    assert_eq!(
        run_status("groupadd ops; grep ^ops: /etc/group; groupadd ops"),
        (
            "ops:x:1002:\ngroupadd: group 'ops' already exists\n".into(),
            9
        )
    );
}

#[test]
fn adduser_non_interactive() {
    let (out, status) =
        run_status("adduser --disabled-password --gecos '' eve; grep ^eve: /etc/passwd");
    assert_eq!(status, 0);
    assert_eq!(
        out,
        "Adding user `eve' ...\n\
         Adding new group `eve' (1002) ...\n\
         Adding new user `eve' (1002) with group `eve' ...\n\
         Creating home directory `/home/eve' ...\n\
         Copying files from `/etc/skel' ...\n\
         eve:x:1002:1002::/home/eve:/bin/bash\n"
    );
    assert_eq!(
        run_status("adduser deploy sudo"),
        (
            "Adding user `deploy' to group `sudo' ...\nAdding user deploy to group sudo\nDone.\n"
                .into(),
            0
        )
    );
}
