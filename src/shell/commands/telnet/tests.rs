//! Expected texts are netkit-telnet 0.17's (`commands.c` `tn()`), for the fixed host that
//! listens on port 22 only (and 53 on 127.0.0.53).

use crate::shell::commands::testing::run_status;

#[test]
fn refused_everywhere_but_local_listeners() {
    assert_eq!(
        run_status("telnet 203.0.113.50"),
        (
            "Trying 203.0.113.50...\ntelnet: Unable to connect to remote host: Connection refused\n"
                .to_owned(),
            1
        )
    );
    assert_eq!(
        run_status("telnet localhost 25"),
        (
            "Trying 127.0.0.1...\ntelnet: Unable to connect to remote host: Connection refused\n"
                .to_owned(),
            1
        )
    );
    let (out, status) = run_status("telnet localhost 22");
    assert_eq!(status, 1);
    assert!(
        out.starts_with("Trying 127.0.0.1...\nConnected to localhost.\nEscape character is '^]'.\nSSH-2.0-OpenSSH_"),
        "{out}"
    );
    assert!(
        out.ends_with("\r\nConnection closed by foreign host.\n"),
        "{out}"
    );
}

#[test]
fn resolution_errors() {
    assert_eq!(
        run_status("telnet nosuchhost"),
        (
            "telnet: could not resolve nosuchhost/telnet: Name or service not known\n".to_owned(),
            1
        )
    );
    assert_eq!(
        run_status("telnet 10.0.0.1 nosuchport"),
        (
            "telnet: could not resolve 10.0.0.1/nosuchport: Servname not supported for ai_socktype\n"
                .to_owned(),
            1
        )
    );
}
