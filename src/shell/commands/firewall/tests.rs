//! Expected texts from iptables 1.8.7 (nf_tables) on Ubuntu 22.04.

use crate::shell::commands::testing::{run_as, run_status};

const HEADER: &str = "target     prot opt source               destination         \n";

#[test]
fn empty_ruleset() {
    assert_eq!(
        run_status("iptables -L"),
        (
            format!(
                "Chain INPUT (policy ACCEPT)\n{HEADER}\nChain FORWARD (policy ACCEPT)\n{HEADER}\nChain OUTPUT (policy ACCEPT)\n{HEADER}"
            ),
            0
        )
    );
    assert_eq!(
        run_status("iptables -S"),
        (
            "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n".into(),
            0
        )
    );
    assert_eq!(
        run_status("iptables -V"),
        ("iptables v1.8.7 (nf_tables)\n".into(), 0)
    );
}

#[test]
fn rules_added_in_the_session_are_listed() {
    let (out, status) = run_status(
        "iptables -A INPUT -s 1.2.3.4 -j DROP; iptables -I INPUT -p tcp --dport 22 -j ACCEPT; iptables -P FORWARD DROP; iptables -L INPUT -n; iptables -S",
    );
    assert_eq!(status, 0);
    assert_eq!(
        out,
        format!(
            "Chain INPUT (policy ACCEPT)\n{HEADER}\
             ACCEPT     tcp  --  0.0.0.0/0            0.0.0.0/0            tcp dpt:22\n\
             DROP       all  --  1.2.3.4              0.0.0.0/0           \n\
             -P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n\
             -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n\
             -A INPUT -s 1.2.3.4/32 -j DROP\n"
        )
    );
    assert_eq!(
        run_status("iptables -A INPUT -p tcp --dport 22 -j ACCEPT; iptables -L INPUT").0,
        format!(
            "Chain INPUT (policy ACCEPT)\n{HEADER}\
             ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:ssh\n"
        )
    );
    assert_eq!(
        run_status("iptables -A INPUT -j DROP; iptables -F; iptables -S INPUT"),
        ("-P INPUT ACCEPT\n".into(), 0)
    );
    assert_eq!(
        run_status("iptables -D INPUT -j DROP"),
        (
            "iptables: Bad rule (does a matching rule exist in that chain?).\n".into(),
            1
        )
    );
}

#[test]
fn errors_like_iptables() {
    let outcome = run_as("deploy", "iptables -L");
    assert_eq!(
        String::from_utf8_lossy(&outcome.output),
        "iptables v1.8.7 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n\n"
    );
    assert_eq!(outcome.status, 4);
    assert_eq!(
        run_status("iptables"),
        (
            "iptables v1.8.7 (nf_tables): no command specified\nTry `iptables -h' or 'iptables --help' for more information.\n".into(),
            2
        )
    );
    assert_eq!(
        run_status("iptables -L NOPE"),
        ("iptables: No chain/target/match by that name.\n".into(), 1)
    );
    assert_eq!(
        run_status("iptables -t foo -L"),
        (
            "iptables v1.8.7 (nf_tables): table 'foo' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n".into(),
            3
        )
    );
    assert_eq!(
        run_status("ip6tables -L INPUT -n"),
        (format!("Chain INPUT (policy ACCEPT)\n{HEADER}"), 0)
    );
}
