//! Expected outputs written from iproute2 5.15's `ss.c` (compact rendering when not on a
//! terminal: columns as wide as their widest cell plus the left delimiter, addresses
//! right-aligned) and net-tools' `netstat.c` (`%-4s  %6ld %6ld %-23s %-23s %-11s`,
//! ` %-20s` for PID/Program name, 19 characters of it) for the fixed host.

use crate::shell::commands::testing::run;

#[test]
fn ss_listening() {
    assert_eq!(
        run("ss -tulpn"),
        "Netid State  Recv-Q Send-Q    Local Address:Port Peer Address:PortProcess                                  \n\
         udp   UNCONN 0      0      172.31.20.7%ens5:68        0.0.0.0:*   users:((\"systemd-network\",pid=401,fd=18))\n\
         udp   UNCONN 0      0         127.0.0.53%lo:53        0.0.0.0:*   users:((\"systemd-resolve\",pid=403,fd=13))\n\
         tcp   LISTEN 0      4096      127.0.0.53%lo:53        0.0.0.0:*   users:((\"systemd-resolve\",pid=403,fd=14))\n\
         tcp   LISTEN 0      128             0.0.0.0:22        0.0.0.0:*   users:((\"sshd\",pid=733,fd=3))            \n\
         tcp   LISTEN 0      128                [::]:22           [::]:*   users:((\"sshd\",pid=733,fd=4))            \n"
    );
    assert_eq!(
        run("ss -tln"),
        "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n\
         LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*   \n\
         LISTEN 0      128          0.0.0.0:22        0.0.0.0:*   \n\
         LISTEN 0      128             [::]:22           [::]:*   \n"
    );
    assert!(run("ss -tl").contains(" 0.0.0.0:ssh "));
}

#[test]
fn ss_shows_the_attackers_connection() {
    let out = run("ss -tn");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("State Recv-Q Send-Q Local Address:Port Peer Address:Port ")
    );
    let row = lines.next().unwrap_or_default();
    assert!(row.starts_with("ESTAB 0      "), "{row}");
    assert!(row.contains(" 172.31.20.7:22 "), "{row}");
    assert!(row.contains(" 203.0.113.5:"), "{row}");
}

#[test]
fn netstat_listening_and_all() {
    assert_eq!(
        run("netstat -tulpn"),
        "Active Internet connections (only servers)\n\
         Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n\
         tcp        0      0 127.0.0.53:53           0.0.0.0:*               LISTEN      403/systemd-resolve \n\
         tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      733/sshd: /usr/sbin \n\
         tcp6       0      0 :::22                   :::*                    LISTEN      733/sshd: /usr/sbin \n\
         udp        0      0 172.31.20.7:68          0.0.0.0:*                           401/systemd-network \n\
         udp        0      0 127.0.0.53:53           0.0.0.0:*                           403/systemd-resolve \n"
    );
    let all = run("netstat -antp");
    assert!(all.starts_with("Active Internet connections (servers and established)\n"));
    assert!(all.contains("\ntcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      733/sshd: /usr/sbin \n"));
    assert!(all.lines().any(|l| l.starts_with("tcp        0 ")
        && l.contains(" 172.31.20.7:22          203.0.113.5:")
        && l.contains(" ESTABLISHED ")));
    let an = run("netstat -an");
    assert!(an.contains("\nActive UNIX domain sockets (servers and established)\nProto RefCnt Flags       Type       State         I-Node   Path\n"));
    assert!(run("netstat -tl").contains(
        "\ntcp        0      0 0.0.0.0:ssh             0.0.0.0:*               LISTEN     \n"
    ));
}

#[test]
fn netstat_routes_and_interfaces() {
    assert_eq!(
        run("netstat -rn"),
        "Kernel IP routing table\n\
         Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n\
         0.0.0.0         172.31.16.1     0.0.0.0         UG        0 0          0 ens5\n\
         172.31.0.2      0.0.0.0         255.255.255.255 UH        0 0          0 ens5\n\
         172.31.16.0     0.0.0.0         255.255.240.0   U         0 0          0 ens5\n\
         172.31.16.1     0.0.0.0         255.255.255.255 UH        0 0          0 ens5\n"
    );
    assert!(run("netstat -r").contains(
        "\ndefault         _gateway        0.0.0.0         UG        0 0          0 ens5\n"
    ));
    let i = run("netstat -i");
    assert!(i.starts_with("Kernel Interface table\nIface      MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\nens5      9001 "), "{i}");
    assert!(i.lines().nth(2).unwrap_or_default().ends_with(" BMRU"));
    assert!(
        i.lines()
            .nth(3)
            .unwrap_or_default()
            .starts_with("lo       65536 ")
    );
}

#[test]
fn ss_on_a_terminal_spreads_the_columns() {
    let shell =
        crate::shell::Shell::new(std::sync::Arc::new(crate::shell::commands::testing::host()));
    let mut state = crate::shell::commands::testing::session("root");
    let mut overlay = shell.scratch_overlay("root");
    let out = shell.run(
        &mut state,
        &mut overlay,
        crate::shell::Terminal::Columns(80),
        "ss -tln",
    );
    let text = String::from_utf8_lossy(&out.output).into_owned();
    // 57 columns of content on 80: 23 spare, 3 each and one more for the last two.
    let mut widths = vec![6, 7, 7, 15, 4, 14, 4];
    super::spread(&mut widths, 80);
    assert_eq!(widths, [9, 10, 10, 18, 7, 18, 8]);
    assert_eq!(text.lines().next().map(str::len), Some(80));
    assert_eq!(
        text.lines().next(),
        Some("State     Recv-Q    Send-Q       Local Address:Port        Peer Address:Port    ")
    );
    // Too wide for one line: the process column starts the next (the terminal wraps it).
    let mut widths = vec![5, 7, 7, 7, 17, 4, 14, 4, 42];
    super::spread(&mut widths, 80);
    assert_eq!(widths.iter().take(8).sum::<usize>(), 80);
    assert_eq!(widths[8], 80);
}
