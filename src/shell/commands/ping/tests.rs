//! Expected lines follow iputils 20211215's `ping.c`/`ping_common.c` formats; the fixed host
//! is 172.31.20.7/20 with gateway 172.31.16.1 (see `ip route`).

use super::{percent, rtt_text};
use crate::shell::commands::testing::{run, run_status};

/// Checks the shape of a ping run to `shown` (`from` in reply lines) with `n` replies, and
/// that the summary's statistics are those of the reply lines.
fn check_replies(out: &str, header: &str, from: &str, n: usize, ttl: u32) {
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(header), "{out}");
    let mut times = Vec::new();
    for seq in 1..=n {
        let line = lines.next().unwrap_or_default();
        let prefix = format!("64 bytes from {from}: icmp_seq={seq} ttl={ttl} time=");
        let time = line
            .strip_prefix(&prefix)
            .and_then(|t| t.strip_suffix(" ms"))
            .unwrap_or_else(|| panic!("bad reply line {line:?} in {out}"));
        times.push(time.parse::<f64>().expect("a number"));
    }
    assert_eq!(lines.next(), Some(""));
    let stats = lines.next().unwrap_or_default();
    assert!(stats.starts_with("--- ") && stats.ends_with(" ping statistics ---"));
    let summary = lines.next().unwrap_or_default();
    let start = format!("{n} packets transmitted, {n} received, 0% packet loss, time ");
    let elapsed: u64 = summary
        .strip_prefix(&start)
        .and_then(|t| t.strip_suffix("ms"))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("bad summary {summary:?}"));
    assert!(elapsed >= (n as u64 - 1) * 1000 && elapsed < (n as u64 - 1) * 1000 + 100);
    let rtt = lines.next().unwrap_or_default();
    let values: Vec<f64> = rtt
        .strip_prefix("rtt min/avg/max/mdev = ")
        .and_then(|t| t.strip_suffix(" ms"))
        .unwrap_or_else(|| panic!("bad rtt line {rtt:?}"))
        .split('/')
        .map(|v| v.parse().expect("a number"))
        .collect();
    let min = times.iter().copied().fold(f64::MAX, f64::min);
    let max = times.iter().copied().fold(0.0, f64::max);
    assert!(
        (values[0] - min).abs() < 0.06 * min.max(0.01) + 0.001,
        "{out}"
    );
    assert!(
        (values[2] - max).abs() < 0.06 * max.max(0.01) + 0.001,
        "{out}"
    );
    assert!(values[0] <= values[1] && values[1] <= values[2]);
    assert_eq!(lines.next(), None);
}

#[test]
fn loopback_and_names_from_etc_hosts() {
    let (out, status) = run_status("ping -c 2 127.0.0.1");
    assert_eq!(status, 0);
    check_replies(
        &out,
        "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.",
        "127.0.0.1",
        2,
        64,
    );
    assert!(
        out.contains("time=0.0"),
        "loopback answers in tens of µs: {out}"
    );
    check_replies(
        &run("ping -c 3 localhost"),
        "PING localhost (127.0.0.1) 56(84) bytes of data.",
        "localhost (127.0.0.1)",
        3,
        64,
    );
    // The same destination answers the same way every time.
    assert_eq!(run("ping -c 3 8.8.8.8"), run("ping -c3 8.8.8.8"));
}

#[test]
fn gateway_answers_and_defaults_to_four() {
    let out = run("ping 172.31.16.1");
    check_replies(
        &out,
        "PING 172.31.16.1 (172.31.16.1) 56(84) bytes of data.",
        "172.31.16.1",
        4,
        64,
    );
    assert!(out.contains("\n--- 172.31.16.1 ping statistics ---\n"));
}

#[test]
fn silent_hosts_lose_everything() {
    let (out, status) = run_status("ping -c 3 10.99.1.2");
    assert_eq!(status, 1);
    assert!(
        out.starts_with(
            "PING 10.99.1.2 (10.99.1.2) 56(84) bytes of data.\n\n--- 10.99.1.2 ping statistics ---\n\
             3 packets transmitted, 0 received, 100% packet loss, time 20"
        ),
        "{out}"
    );
    assert!(out.ends_with("ms\n\n"), "{out:?}");
}

#[test]
fn errors_and_usage() {
    assert_eq!(
        run_status("ping nosuchhost"),
        (
            "ping: nosuchhost: Name or service not known\n".to_owned(),
            2
        )
    );
    let (usage, status) = run_status("ping");
    assert_eq!(status, 2);
    assert!(usage.starts_with("\nUsage\n  ping [options] <destination>\n\nOptions:\n"));
    assert!(usage.ends_with("\nFor more details see ping(8).\n"));
    assert_eq!(
        run_status("ping -c x 1.1.1.1"),
        ("ping: invalid argument: 'x'\n".to_owned(), 1)
    );
    assert_eq!(run("ping -V"), "ping from iputils 20211215\n");
    assert!(run("ping -z 1.1.1.1").starts_with("ping: invalid option -- 'z'\n\nUsage\n"));
}

#[test]
fn quiet_and_number_formats() {
    let out = run("ping -q -c 2 127.0.0.1");
    assert!(out.starts_with(
        "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n\n--- 127.0.0.1 ping statistics ---\n"
    ));
    assert_eq!(rtt_text(11_214), "11.2");
    assert_eq!(rtt_text(523), "0.523");
    assert_eq!(rtt_text(1_234), "1.23");
    assert_eq!(rtt_text(123_456), "123");
    assert_eq!(percent(0.0), "0");
    assert_eq!(percent(25.0), "25");
    assert_eq!(percent(100.0 / 3.0), "33.3333");
}

#[test]
fn own_names_resolve_like_systemd_resolved() {
    let host = run("hostname");
    let host = host.trim_end();
    check_replies(
        &run(&format!("ping -c 1 {host}")),
        &format!("PING {host} (172.31.20.7) 56(84) bytes of data."),
        &format!("{host} (172.31.20.7)"),
        1,
        64,
    );
    assert!(
        run("ping -c 1 _gateway")
            .contains("\n64 bytes from _gateway (172.31.16.1): icmp_seq=1 ttl=64 time=")
    );
    // An edited /etc/hosts is believed, as getaddrinfo would.
    assert!(
        run("echo '10.0.0.9 db' >> /etc/hosts; ping -c 1 db")
            .starts_with("PING db (10.0.0.9) 56(84) bytes of data.\n")
    );
}

/// Runs `line` as root with standard output on an 80-column terminal.
fn run_on_terminal(line: &str) -> String {
    let shell = crate::shell::commands::testing::shell();
    let mut state = crate::shell::commands::testing::session("root");
    let mut overlay = shell.scratch_overlay("root");
    let outcome = shell.run(
        &mut state,
        &mut overlay,
        crate::shell::Terminal::Columns(80),
        line,
    );
    String::from_utf8_lossy(&outcome.output).into_owned()
}

#[test]
fn without_count_on_a_terminal_it_ends_with_ctrl_c() {
    let out = run_on_terminal("ping 127.0.0.1");
    assert!(
        out.contains("icmp_seq=4 ttl=64 time=0.0"),
        "four replies first: {out}"
    );
    assert!(!out.contains("icmp_seq=5"));
    assert!(
        out.contains(" ms\n^C\n--- 127.0.0.1 ping statistics ---\n4 packets transmitted, 4 received, 0% packet loss, time 30"),
        "{out}"
    );
    // With -c there is nothing to interrupt.
    assert!(!run_on_terminal("ping -c 1 127.0.0.1").contains("^C"));
}

use proptest::strategy::Strategy as _;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Attackers type anything: no argument soup makes `ping` panic.
    #[test]
    fn argument_soup_never_panics(
        words in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec!["-c", "1", "-q", "-n", "-i", "-s", "-w", "127.0.0.1", "::1", "localhost", "-6", "-V"]).prop_map(str::to_owned),
                "[ -~]{0,12}",
            ],
            0..6,
        ),
        which in 0usize..1,
    ) {
        let command = ["ping"][which];
        let line = format!("{command} {}", words.iter().map(|w| format!("'{}'", w.replace('\'', ""))).collect::<Vec<_>>().join(" "));
        let (_, status) = run_status(&line);
        proptest::prop_assert!((0..=255).contains(&status));
    }
}
