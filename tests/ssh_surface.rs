//! The SSH surface against the real `mirage` binary: what the system's OpenSSH client and raw
//! sockets see. Expected values come from Debian 12's sshd (`openssh-server
//! 1:9.2p1-2+deb12u10`, measured with the same probes) and from OpenSSH's source at the
//! release tags, minus the names russh cannot send (docs/fingerprint.md), never from Mirage's
//! own output.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{NodeProcess, SshShell};

/// OpenSSH 8.2p1 to 9.6p1 server ciphers, both directions.
const CIPHERS: &str = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
/// OpenSSH's server MACs without the `umac` ones.
const MACS: &str = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";
/// sshd's compression with `Compression yes`.
const COMPRESSION: &str = "none,zlib@openssh.com";
/// Host-key algorithms for RSA, ECDSA P-256 and Ed25519 keys since OpenSSH 8.8.
const HOST_KEYS: &str = "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519";

/// What `ssh -vvv` must show for one profile.
struct Expected {
    id: &'static str,
    software: &'static str,
    version: &'static str,
    kex: &'static str,
    host_keys: &'static str,
    server_sig_algs: &'static str,
}

const PROFILES: &[Expected] = &[
    Expected {
        id: "openssh_8.2p1_ubuntu",
        software: "OpenSSH_8.2p1 Ubuntu-4ubuntu0.11",
        version: "OpenSSH_8.2p1 Ubuntu-4ubuntu0.11, OpenSSL 1.1.1f  31 Mar 2020",
        kex: "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
        host_keys: "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256,ssh-ed25519",
        server_sig_algs: "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256,ssh-ed25519,sk-ssh-ed25519@openssh.com,ssh-dss,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com",
    },
    Expected {
        id: "openssh_8.9p1_ubuntu",
        software: "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10",
        version: "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10, OpenSSL 3.0.2 15 Mar 2022",
        kex: "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
        host_keys: HOST_KEYS,
        server_sig_algs: "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519,sk-ssh-ed25519@openssh.com,ssh-dss,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    },
    Expected {
        id: "openssh_9.2p1_debian",
        software: "OpenSSH_9.2p1 Debian-2+deb12u10",
        version: "OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
        kex: "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
        host_keys: HOST_KEYS,
        server_sig_algs: "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss",
    },
    Expected {
        id: "openssh_9.6p1_ubuntu",
        software: "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5",
        version: "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024",
        kex: "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-s,kex-strict-s-v00@openssh.com",
        host_keys: HOST_KEYS,
        server_sig_algs: "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com",
    },
];

fn expected(id: &str) -> &'static Expected {
    PROFILES.iter().find(|p| p.id == id).expect("known profile")
}

/// `ssh -vvv` against `port` (never logs in: BatchMode with no keys); its stderr.
fn ssh_vvv(port: u16) -> String {
    let mut child = Command::new("ssh")
        .args([
            "-vvv",
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "ConnectTimeout=10",
            "-p",
            &port.to_string(),
            "nobody@127.0.0.1",
            "true",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ssh");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("ssh output");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines of the "peer server KEXINIT proposal" block, `name: value`, in order.
fn peer_proposal(log: &str) -> Vec<(String, String)> {
    log.lines()
        .skip_while(|l| !l.contains("peer server KEXINIT proposal"))
        .skip(1)
        .take_while(|l| l.starts_with("debug2: ") && !l.contains("reserved"))
        .filter_map(|l| {
            let body = l.strip_prefix("debug2: ")?;
            let (name, value) = body.split_once(':')?;
            Some((name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn check_kexinit(node: &NodeProcess, want: &Expected) {
    let log = ssh_vvv(node.ssh.port());
    let got = peer_proposal(&log);
    let want_lines: Vec<(String, String)> = [
        ("KEX algorithms", want.kex),
        ("host key algorithms", want.host_keys),
        ("ciphers ctos", CIPHERS),
        ("ciphers stoc", CIPHERS),
        ("MACs ctos", MACS),
        ("MACs stoc", MACS),
        ("compression ctos", COMPRESSION),
        ("compression stoc", COMPRESSION),
        ("languages ctos", ""),
        ("languages stoc", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want_lines, "{}: ssh -vvv said:\n{log}", want.id);
    let has_line = |want: &str| log.lines().any(|l| l.trim_end() == want);
    let lines = [
        format!(
            "debug1: Remote protocol version 2.0, remote software version {}",
            want.software
        ),
        format!(
            "debug1: kex_input_ext_info: server-sig-algs=<{}>",
            want.server_sig_algs
        ),
        "debug1: Authentications that can continue: publickey,password".to_owned(),
    ];
    for line in lines {
        assert!(has_line(&line), "{}: no {line:?} in\n{log}", want.id);
    }
}

fn profile_node(id: &str) -> NodeProcess {
    NodeProcess::start(&[("MIRAGE_SSH_PROFILE", id)])
}

#[test]
fn openssh_8_2p1_ubuntu_kexinit() {
    let node = profile_node("openssh_8.2p1_ubuntu");
    check_kexinit(&node, expected("openssh_8.2p1_ubuntu"));
}

#[test]
fn openssh_8_9p1_ubuntu_kexinit() {
    let node = profile_node("openssh_8.9p1_ubuntu");
    check_kexinit(&node, expected("openssh_8.9p1_ubuntu"));
}

#[test]
fn openssh_9_2p1_debian_kexinit() {
    let node = profile_node("openssh_9.2p1_debian");
    check_kexinit(&node, expected("openssh_9.2p1_debian"));
}

#[test]
fn openssh_9_6p1_ubuntu_kexinit() {
    let node = profile_node("openssh_9.6p1_ubuntu");
    check_kexinit(&node, expected("openssh_9.6p1_ubuntu"));
}

/// A connection that reads the banner first, like a scanner.
fn connect(addr: SocketAddr) -> (TcpStream, Vec<u8>) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut banner = Vec::new();
    let mut byte = [0u8; 1];
    while !banner.ends_with(b"\r\n") && banner.len() < 256 {
        match stream.read(&mut byte) {
            Ok(1) => banner.push(byte[0]),
            other => panic!("no banner: {other:?} after {banner:?}"),
        }
    }
    (stream, banner)
}

/// How the server ended the connection.
#[derive(Debug, PartialEq, Eq)]
enum Close {
    /// FIN: the server had read everything.
    Fin,
    /// RST: the server closed with bytes unread.
    Reset,
    /// Still open when the wait ran out.
    Open,
}

/// Everything the server sends until it closes (or `wait` passes), and how it closed.
fn read_to_close(stream: &mut TcpStream, wait: Duration) -> (Vec<u8>, Close, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(wait)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (got, Close::Fin, started.elapsed()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                return (got, Close::Reset, started.elapsed());
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (got, Close::Open, started.elapsed());
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Sends `input` after the banner; returns what came back and how it closed.
fn exchange(addr: SocketAddr, input: &[u8]) -> (Vec<u8>, Close) {
    let (mut stream, _banner) = connect(addr);
    stream.write_all(input).expect("send");
    let (got, close, _) = read_to_close(&mut stream, Duration::from_secs(10));
    (got, close)
}

/// Each answer is what Debian 12's sshd sent for the same bytes, including whether it reset
/// (bytes left unread) or closed cleanly.
#[test]
fn non_ssh_input_gets_openssh_bytes() {
    let node = profile_node("openssh_9.2p1_debian");
    let (_, banner) = connect(node.ssh);
    assert_eq!(banner, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n");
    let invalid = b"Invalid SSH identification string.\r\n".to_vec();
    let mismatch = b"Protocol major versions differ.\r\n".to_vec();
    let long = [vec![b'A'; 300], b"\r\n".to_vec()].concat();
    let cases: [(&str, &[u8], Vec<u8>, Close); 8] = [
        (
            "http",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            invalid.clone(),
            Close::Reset,
        ),
        (
            "garbage",
            b"\x00\x01\x02hello garbage\xff\xfe\r\n",
            invalid.clone(),
            Close::Reset,
        ),
        ("nul", b"SSH-2.0-x\x00y\r\n", invalid.clone(), Close::Reset),
        ("ssh-2.0 only", b"SSH-2.0\r\n", invalid.clone(), Close::Fin),
        ("long line", &long, invalid.clone(), Close::Fin),
        ("ssh-1.5", b"SSH-1.5-x\r\n", mismatch.clone(), Close::Fin),
        ("ssh-3.0", b"SSH-3.0-x\n", mismatch.clone(), Close::Fin),
        (
            "scanner",
            b"SSH-2.0-SSH_Version_Mapper\r\n",
            Vec::new(),
            Close::Fin,
        ),
    ];
    for (name, input, want, close) in cases {
        let (got, how) = exchange(node.ssh, input);
        assert_eq!(
            (String::from_utf8_lossy(&got), how),
            (String::from_utf8_lossy(&want), close),
            "{name}"
        );
    }
    // Only a "Protocol mismatch." from other servers would give it away; the node keeps
    // serving.
    let (_, again) = connect(node.ssh);
    assert_eq!(again, banner);
}

/// Checks that `packet` starts with a cleartext SSH_MSG_KEXINIT.
fn assert_kexinit(packet: &[u8]) {
    assert!(packet.len() > 6, "{packet:?}");
    let length = u32::from_be_bytes([packet[0], packet[1], packet[2], packet[3]]) as usize;
    assert_eq!(packet.len(), length + 4, "one packet, then the close");
    assert_eq!(packet[5], 20, "SSH_MSG_KEXINIT");
    assert_eq!((length + 4) % 8, 0, "padded to 8 bytes");
}

/// sshd sent its KEXINIT and then a FIN for each of these.
#[test]
fn garbage_after_a_valid_ident_closes_the_connection() {
    let node = profile_node("openssh_9.2p1_debian");
    let ident = b"SSH-2.0-OpenSSH_9.2p1\r\n".to_vec();
    let cases: [(&str, Vec<u8>); 4] = [
        (
            "length 0xffffffff",
            [&ident[..], b"\xff\xff\xff\xff", &[0u8; 60]].concat(),
        ),
        (
            "http",
            [&ident[..], b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"].concat(),
        ),
        (
            "length 4",
            [&ident[..], b"\x00\x00\x00\x04", &[0u8; 60]].concat(),
        ),
        (
            "bad padding",
            [&ident[..], b"\x00\x00\x00\x0f\x03\x14", &[0u8; 13]].concat(),
        ),
    ];
    for (name, input) in cases {
        let (mut stream, _) = connect(node.ssh);
        stream.write_all(&input).expect("send");
        let (got, close, took) = read_to_close(&mut stream, Duration::from_secs(10));
        assert_eq!(close, Close::Fin, "{name}: {got:?}");
        assert!(took < Duration::from_secs(5), "{name}: {took:?}");
        assert_kexinit(&got);
    }
}

/// With `LoginGraceTime 3`, sshd closed (FIN, no message) 3 s after accept whether nothing,
/// half an identification or a whole one had been sent; an OpenSSH client stuck at the
/// password prompt printed `Connection closed by … port …`.
#[test]
fn grace_time_closes_an_idle_unauthenticated_connection() {
    let node = NodeProcess::start(&[("MIRAGE_SSH_LOGIN_GRACE_TIME_SECS", "2")]);
    for (name, input) in [
        ("nothing", &b""[..]),
        ("partial identification", b"SSH-2.0-Open"),
        ("identification", b"SSH-2.0-OpenSSH_9.2p1\r\n"),
    ] {
        let started = Instant::now();
        let (mut stream, _) = connect(node.ssh);
        stream.write_all(input).expect("send");
        let (got, close, _) = read_to_close(&mut stream, Duration::from_secs(10));
        let took = started.elapsed();
        assert_eq!(close, Close::Fin, "{name}");
        assert!(
            took >= Duration::from_millis(1800) && took < Duration::from_secs(6),
            "{name}: closed after {took:?}"
        );
        if input.is_empty() || !input.ends_with(b"\n") {
            assert!(got.is_empty(), "{name}: {got:?}");
        } else {
            assert_kexinit(&got);
        }
    }
}

#[test]
fn grace_time_spares_a_logged_in_session() {
    let node = NodeProcess::start(&[("MIRAGE_SSH_LOGIN_GRACE_TIME_SECS", "1")]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut shell = SshShell::open(node.ssh).await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(shell.run("echo still here").await, "still here\r\n");
    });
}

/// `ssh -V` in the shell equals the banner's version, for the profile `auto` picks and for an
/// explicit one.
#[test]
fn ssh_v_inside_the_shell_matches_the_banner() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for env in [None, Some("openssh_9.6p1_ubuntu")] {
        let node = match env {
            Some(id) => profile_node(id),
            None => NodeProcess::start(&[]),
        };
        let (_, banner) = connect(node.ssh);
        let software = String::from_utf8_lossy(&banner)
            .trim_end()
            .trim_start_matches("SSH-2.0-")
            .to_owned();
        let want = PROFILES
            .iter()
            .find(|p| p.software == software)
            .unwrap_or_else(|| panic!("banner {software:?} is no known release"));
        if let Some(id) = env {
            assert_eq!(want.id, id);
        }
        runtime.block_on(async {
            let mut shell = SshShell::open(node.ssh).await;
            assert_eq!(shell.run("ssh -V").await, format!("{}\r\n", want.version));
            assert_eq!(
                shell.run("ssh -V 2>/dev/null; echo $?").await,
                "0\r\n",
                "to stderr"
            );
            assert_eq!(
                shell.run("ssh root@10.20.30.40").await,
                "ssh: connect to host 10.20.30.40 port 22: Connection refused\r\r\n"
            );
        });
    }
}
