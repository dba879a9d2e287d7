//! Bounded property-based fuzzing of what attackers reach first, on one real node: random
//! bytes as the SSH identification and as packets after a valid one, and random bytes and
//! request-shaped junk to the HTTP decoy. After every case the node must still answer a
//! normal client; at the end a real login works and the node logged no panic. Also the
//! offline parsers an operator feeds files to: scenarios and Cowrie logs, as raw bytes.
//!
//! Cases × sizes are kept small so CI stays fast; `MIRAGE_FUZZ_CASES` raises the count for a
//! longer run.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::common::{NodeProcess, SshShell, http_get};

/// Cases per target (more with `MIRAGE_FUZZ_CASES`).
fn cases(default: u32) -> u32 {
    std::env::var("MIRAGE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // Shrinking re-runs against the live node; a few steps are enough to see the input.
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Sends `bytes` (ignoring a reset half-way), closes the sending side and reads what comes
/// back until the close or a short pause; returns the answer.
fn poke(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let _sent = stream.write_all(bytes);
    let _closed = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while answer.len() < 1024 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    answer
}

/// A fresh connection gets the SSH banner.
fn ssh_banner(addr: SocketAddr) -> Vec<u8> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\n") && line.len() < 512 {
        match stream.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            _ => break,
        }
    }
    line
}

/// An SSH binary packet (RFC 4253 framing) with `payload`, unencrypted, no MAC.
fn packet(payload: &[u8]) -> Vec<u8> {
    let padding = 4 + (8 - (payload.len() + 9) % 8) % 8;
    let length = (payload.len() + padding + 1) as u32;
    let mut out = length.to_be_bytes().to_vec();
    out.push(padding as u8);
    out.extend_from_slice(payload);
    out.extend(std::iter::repeat_n(0u8, padding));
    out
}

/// Pre-authentication input: random identifications, then random bytes or framed packets
/// (with every message number, KEXINIT among them) after a valid identification.
fn ssh_input() -> impl Strategy<Value = Vec<u8>> {
    let ident = prop_oneof![
        "SSH-2\\.0-[ -~]{0,300}\r\n",
        "SSH-1\\.99-[ -~]{0,40}\r?\n",
        "SSH-[0-9.]{0,5}-[ -~]{0,40}\r?\n",
        "[ -~]{0,200}\r\n",
    ]
    .prop_map(String::into_bytes);
    let raw = proptest::collection::vec(any::<u8>(), 0..4096);
    let packets = proptest::collection::vec(
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..600)).prop_map(|(kind, body)| {
            let mut payload = vec![kind];
            payload.extend(body);
            packet(&payload)
        }),
        1..6,
    )
    .prop_map(|ps| ps.concat());
    let after = prop_oneof![raw.clone(), packets];
    prop_oneof![
        raw,
        ident.clone(),
        (ident, after).prop_map(|(mut i, a)| {
            i.extend(a);
            i
        }),
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(|junk| {
            let mut out = b"SSH-2.0-OpenSSH_9.2p1\r\n".to_vec();
            out.extend(junk);
            out
        }),
    ]
}

/// HTTP decoy input: random bytes, and requests with random methods, targets, headers and
/// bodies (chunked or not).
fn http_input() -> impl Strategy<Value = Vec<u8>> {
    let raw = proptest::collection::vec(any::<u8>(), 0..4096);
    let method = prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        Just("HEAD".to_owned()),
        Just("OPTIONS".to_owned()),
        "[A-Z]{0,12}",
    ];
    let target = prop_oneof![
        Just("/wp-login.php".to_owned()),
        Just("/xmlrpc.php".to_owned()),
        "/[ -~]{0,200}",
        "[ -~]{0,60}",
    ];
    let version = prop_oneof![
        Just("HTTP/1.1".to_owned()),
        Just("HTTP/1.0".to_owned()),
        "HTTP/[0-9.]{0,4}",
    ];
    let header = prop_oneof![
        "Content-Length: [0-9]{0,12}",
        Just("Transfer-Encoding: chunked".to_owned()),
        "Host: [ -~]{0,40}",
        "Cookie: [ -~]{0,200}",
        "[!-9;-~]{1,20}: [ -~]{0,80}",
        "[ -~]{0,80}",
    ];
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        "([0-9a-fA-F]{1,8}\r\n[ -~]{0,20}\r\n){0,5}0\r\n\r\n".prop_map(String::into_bytes),
        "log=[ -~]{0,30}&pwd=[ -~]{0,30}".prop_map(String::into_bytes),
    ];
    let request = (
        method,
        target,
        version,
        proptest::collection::vec(header, 0..12),
        body,
    )
        .prop_map(|(m, t, v, headers, body)| {
            let mut out = format!("{m} {t} {v}\r\n{}\r\n\r\n", headers.join("\r\n")).into_bytes();
            out.extend(body);
            out
        });
    prop_oneof![raw, request]
}

#[test]
fn random_pre_auth_bytes_and_http_requests_never_stop_the_node() {
    let mut node = NodeProcess::start(&[
        ("MIRAGE_HTTP_LURE", "wordpress"),
        ("MIRAGE_HTTP_RATE_LIMIT_PER_MINUTE", "0"),
        ("MIRAGE_SSH_LOGIN_GRACE_TIME_SECS", "5"),
    ]);
    let (ssh, http) = (node.ssh, node.http);

    runner(cases(48))
        .run(&ssh_input(), |bytes| {
            poke(ssh, &bytes);
            let banner = ssh_banner(ssh);
            prop_assert!(
                banner.starts_with(b"SSH-2.0-OpenSSH_"),
                "no banner after {} bytes: {:?}",
                bytes.len(),
                String::from_utf8_lossy(&banner)
            );
            Ok(())
        })
        .unwrap_or_else(|err| panic!("SSH pre-auth fuzzing: {err}"));

    runner(cases(64))
        .run(&http_input(), |bytes| {
            poke(http, &bytes);
            let (status, _, _) = http_get(http, "/");
            prop_assert_eq!(status, 200, "after {} bytes", bytes.len());
            Ok(())
        })
        .unwrap_or_else(|err| panic!("HTTP fuzzing: {err}"));

    assert!(node.is_running(), "the node died:\n{}", node.stderr());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut shell = SshShell::open(ssh).await;
        assert_eq!(shell.run("echo alive").await, "alive\r\n");
    });
    assert!(
        !node.stderr().contains("panicked"),
        "a panic was logged:\n{}",
        node.stderr()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// A scenario file of any bytes is loaded or refused with an error; never a panic.
    #[test]
    fn any_scenario_file_loads_or_is_refused(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        "(name: [ -~]{0,20}\n|transport: (session|ssh|http|[a-z]{0,5})\n|seed: [0-9-]{0,22}\n|steps:\n|  - (login|send|exec|sleep|request): [ -~]{0,30}\n|    expect[a-z_]{0,25}: [ -~]{0,30}\n|expect:\n|  events: \\[[a-z., ]{0,40}\\]\n){0,14}".prop_map(String::into_bytes),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.yaml");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(err) = mirage::sim::scenario::Scenario::load(&path) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    /// A Cowrie JSON log of any bytes imports what it can and reports the rest; never a panic.
    #[test]
    fn any_cowrie_log_imports_or_reports(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..4096),
        proptest::collection::vec(prop_oneof![
            "\\{\"eventid\": ?\"cowrie\\.(session\\.connect|login\\.success|command\\.input|session\\.closed|[a-z.]{0,12})\", ?\"session\": ?\"[a-f0-9]{0,8}\", ?\"timestamp\": ?\"[0-9T:.Z-]{0,30}\"(, ?\"input\": ?\"[ -~]{0,20}\")?(, ?\"src_ip\": ?\"[0-9.]{0,15}\")?\\}",
            "[ -~]{0,80}",
        ], 0..30).prop_map(|lines| lines.join("\n").into_bytes()),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("cowrie.json");
        std::fs::write(&log, &bytes).unwrap();
        let out = dir.path().join("out");
        prop_assert!(mirage::sim::import::import_file(&log, &out).is_ok());
    }
}
