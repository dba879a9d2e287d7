use crate::shell::commands::testing::{run, run_as, run_status};

#[test]
fn whoami_prints_the_user() {
    assert_eq!(run("whoami"), "root\n");
    assert_eq!(
        String::from_utf8_lossy(&run_as("alice", "whoami").output),
        "alice\n"
    );
    assert_eq!(
        run_status("whoami x"),
        (
            "whoami: extra operand \u{2018}x\u{2019}\nTry 'whoami --help' for more information.\n"
                .to_owned(),
            1
        )
    );
    assert_eq!(
        run("LANG=C whoami x"),
        "whoami: extra operand 'x'\nTry 'whoami --help' for more information.\n"
    );
    assert_eq!(
        run("/usr/bin/whoami -x"),
        "/usr/bin/whoami: invalid option -- 'x'\nTry '/usr/bin/whoami --help' for more information.\n"
    );
    assert_eq!(
        run("whoami --help"),
        "Usage: whoami [OPTION]...\n\
         Print the user name associated with the current effective user ID.\n\
         Same as id -un.\n\n\
         \x20     --help     display this help and exit\n\
         \x20     --version  output version information and exit\n\n\
         GNU coreutils online help: <https://www.gnu.org/software/coreutils/>\n\
         Report any translation bugs to <https://translationproject.org/team/>\n\
         Full documentation <https://www.gnu.org/software/coreutils/whoami>\n\
         or available locally via: info '(coreutils) whoami invocation'\n"
    );
}

#[test]
fn id_for_root_and_users() {
    assert_eq!(run("id"), "uid=0(root) gid=0(root) groups=0(root)\n");
    assert_eq!(run("id -u; id -un; id -g; id -Gn"), "0\nroot\n0\nroot\n");
    assert_eq!(
        String::from_utf8_lossy(&run_as("deploy", "id; id root").output),
        "uid=1001(deploy) gid=1001(deploy) groups=1001(deploy),27(sudo)\nuid=0(root) gid=0(root) groups=0(root)\n"
    );
    // The cloud image's user, in the groups cloud-init gives it, in /etc/group order.
    assert_eq!(
        run("id ubuntu"),
        "uid=1000(ubuntu) gid=1000(ubuntu) groups=1000(ubuntu),4(adm),20(dialout),24(cdrom),25(floppy),27(sudo),29(audio),30(dip),44(video),46(plugdev),110(lxd),119(netdev)\n"
    );
    assert_eq!(
        run("id -G ubuntu"),
        "1000 4 20 24 25 27 29 30 44 46 110 119\n"
    );
    assert_eq!(run("id -Gn deploy"), "deploy sudo\n");
    assert_eq!(run("id -gn ubuntu; id -u www-data"), "ubuntu\n33\n");
    // A login the account database does not list gets the next free uid.
    assert_eq!(
        String::from_utf8_lossy(&run_as("alice", "id").output),
        "uid=1002(alice) gid=1002(alice) groups=1002(alice)\n"
    );
    assert_eq!(
        run("id nobody"),
        "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n"
    );
    assert_eq!(
        run_status("id nope"),
        ("id: \u{2018}nope\u{2019}: no such user\n".to_owned(), 1)
    );
    assert_eq!(
        run("id -n"),
        "id: cannot print only names or real IDs in default format\n"
    );
    assert_eq!(
        run("id -u -g"),
        "id: cannot print \"only\" of more than one choice\n"
    );
    assert_eq!(
        run("id -z"),
        "id: option --zero not permitted in default format\n"
    );
    assert_eq!(
        run("id -Z"),
        "id: --context (-Z) works only on an SELinux-enabled kernel\n"
    );
    assert_eq!(
        run("id -ugx"),
        "id: invalid option -- 'x'\nTry 'id --help' for more information.\n"
    );
    assert!(run("id --help").contains("or (when USER omitted) for the current user.\n"));
    assert!(run("id --version").ends_with("\nWritten by Arnold Robbins and David MacKenzie.\n"));
}

#[test]
fn uname_fields_and_order() {
    assert_eq!(run("uname"), "Linux\n");
    assert_eq!(
        run("uname -a"),
        "Linux web-prod-03 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux\n"
    );
    assert_eq!(
        run("uname -snrvm"),
        "Linux web-prod-03 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64\n"
    );
    // Order is fixed, whatever the flag order.
    assert_eq!(run("uname -m -s -r"), "Linux 5.15.0-91-generic x86_64\n");
    assert_eq!(
        run("uname -p; uname -i; uname -o; uname -n"),
        "x86_64\nx86_64\nGNU/Linux\nweb-prod-03\n"
    );
    assert_eq!(
        run("uname --kernel-r --nodename"),
        "web-prod-03 5.15.0-91-generic\n"
    );
    assert_eq!(run("/bin/uname -r"), "5.15.0-91-generic\n");
}

#[test]
fn uname_errors_match_gnu() {
    assert_eq!(
        run_status("uname -x"),
        (
            "uname: invalid option -- 'x'\nTry 'uname --help' for more information.\n".to_owned(),
            1
        )
    );
    assert_eq!(
        run("/usr/bin/uname -x"),
        "/usr/bin/uname: invalid option -- 'x'\nTry '/usr/bin/uname --help' for more information.\n"
    );
    assert_eq!(
        run("uname --k"),
        "uname: option '--k' is ambiguous; possibilities: '--kernel-name' '--kernel-release' '--kernel-version'\nTry 'uname --help' for more information.\n"
    );
    assert_eq!(
        run("uname --foo"),
        "uname: unrecognized option '--foo'\nTry 'uname --help' for more information.\n"
    );
    assert_eq!(
        run("uname -a x"),
        "uname: extra operand \u{2018}x\u{2019}\nTry 'uname --help' for more information.\n"
    );
    assert_eq!(
        run("uname -- -a"),
        "uname: extra operand \u{2018}-a\u{2019}\nTry 'uname --help' for more information.\n"
    );
}

#[test]
fn uname_help_and_version() {
    let help = run("uname --help");
    assert!(help.starts_with("Usage: uname [OPTION]...\nPrint certain system information.  With no OPTION, same as -s.\n\n"));
    assert!(help.contains("  -o, --operating-system   print the operating system\n      --help     display this help and exit\n      --version  output version information and exit\n\nGNU coreutils online help"));
    assert!(help.ends_with("or available locally via: info '(coreutils) uname invocation'\n"));
    assert_eq!(
        run("uname --ver"),
        "uname (GNU coreutils) 8.32\nCopyright (C) 2020 Free Software Foundation, Inc.\n\
         License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n\
         This is free software: you are free to change and redistribute it.\n\
         There is NO WARRANTY, to the extent permitted by law.\n\nWritten by David MacKenzie.\n"
    );
    // --help wins when it comes before a bad option, as getopt reports in order.
    assert!(run("uname --help -x").starts_with("Usage: uname"));
}

#[test]
fn uname_on_coreutils_9_and_unknown_processor() {
    let mut host = crate::shell::commands::testing::host();
    host.coreutils_version = "9.4".to_owned();
    host.processor = "unknown".to_owned();
    host.hardware_platform = "unknown".to_owned();
    let shell = crate::shell::Shell::new(std::sync::Arc::new(host));
    let mut state = crate::shell::ShellState::login("root");
    let out = |state: &mut crate::shell::ShellState, line: &str| {
        String::from_utf8_lossy(&shell.run_line(state, line).output).into_owned()
    };
    assert_eq!(
        out(&mut state, "uname -a"),
        "Linux web-prod-03 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64 GNU/Linux\n"
    );
    assert_eq!(out(&mut state, "uname -p"), "unknown\n");
    assert!(
        out(&mut state, "uname --help")
            .contains("      --help        display this help and exit\n")
    );
    assert!(out(&mut state, "uname --version").contains("Copyright (C) 2023 "));
}

#[test]
fn hostname_variants() {
    assert_eq!(run("hostname"), "web-prod-03\n");
    assert_eq!(
        run("hostname -s; hostname -f; hostname -d"),
        "web-prod-03\nweb-prod-03\n"
    );
    assert_eq!(run("hostname -V"), "hostname 3.23\n");
    assert_eq!(
        run_status("hostname -y"),
        ("hostname: Local domain name not set\n".to_owned(), 1)
    );
    let (out, status) = run_status("hostname -z");
    assert!(out.starts_with("hostname: invalid option -- 'z'\nUsage: hostname [-b]"));
    assert_eq!(status, 255);
    assert!(run("hostname --al").starts_with(
        "hostname: option '--al' is ambiguous; possibilities: '--all-fqdns' '--alias' '--all-ip-addresses'\n"
    ));
    let user = run_as("alice", "hostname evil");
    assert_eq!(
        user.output,
        b"hostname: you must be root to change the host name\n"
    );
    assert_eq!(user.status, 1);
    assert_eq!(
        run_status("hostname evil; hostname"),
        ("web-prod-03\n".to_owned(), 0)
    );
}

#[test]
fn hostname_addresses_come_from_the_network() {
    // Each address followed by a space, as the hostname package prints them.
    assert_eq!(run("hostname -I"), "172.31.20.7 \n");
    // EC2 images leave the name out of /etc/hosts; it resolves to the interface address.
    assert_eq!(run("hostname -i"), "172.31.20.7\n");
    assert_eq!(run("hostname --all-fqdns"), "web-prod-03 \n");
    let mut host = crate::shell::commands::testing::host();
    host.hostname = "ip-172-31-20-7".to_owned();
    let shell = crate::shell::Shell::new(std::sync::Arc::new(host));
    let mut state = crate::shell::commands::testing::session("root");
    let out = String::from_utf8_lossy(
        &shell
            .run_line(&mut state, "hostname -f; hostname -d; hostname -s")
            .output,
    )
    .into_owned();
    assert_eq!(
        out,
        "ip-172-31-20-7.ec2.internal\nec2.internal\nip-172-31-20-7\n"
    );
}

#[test]
fn id_and_groups_see_new_accounts() {
    // coreutils reads the account files as they are now (getpwnam/getgrouplist).
    let out = run("groupadd devs; useradd -G devs bob; \
         grep '^bob:' /etc/passwd | cut -d: -f3,4; grep '^devs:' /etc/group | cut -d: -f3; \
         id bob; groups bob; id -Gn bob");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    let (uid, gid) = lines[0].split_once(':').unwrap_or_default();
    let devs = lines[1];
    assert_eq!(
        lines[2],
        format!("uid={uid}(bob) gid={gid}(bob) groups={gid}(bob),{devs}(devs)"),
        "{out}"
    );
    let mut lines = lines[3..].iter().copied();
    assert_eq!(lines.next(), Some("bob : bob devs"));
    assert_eq!(lines.next(), Some("bob devs"));
    assert_eq!(
        run("useradd carol; userdel carol; id carol"),
        "id: \u{2018}carol\u{2019}: no such user\n"
    );
}
