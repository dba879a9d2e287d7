use super::*;
use proptest::prelude::*;

const OPENSSH_VERSION: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6\r\n";

fn strings(list: &str) -> Vec<String> {
    if list.is_empty() {
        Vec::new()
    } else {
        list.split(',').map(String::from).collect()
    }
}

/// A KEXINIT packet as a client sends it: 10 name-lists, padded to a multiple of 8 with at
/// least 4 bytes of padding.
fn kexinit_packet(lists: [&str; 10]) -> Vec<u8> {
    let mut payload = vec![MSG_KEXINIT];
    payload.extend_from_slice(&[0xAB; COOKIE_LEN]);
    for list in lists {
        payload.extend_from_slice(&(list.len() as u32).to_be_bytes());
        payload.extend_from_slice(list.as_bytes());
    }
    payload.push(0); // first_kex_packet_follows
    payload.extend_from_slice(&[0, 0, 0, 0]); // reserved
    let mut padding = 8 - (4 + 1 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let mut packet = Vec::new();
    packet.extend_from_slice(&((1 + payload.len() + padding) as u32).to_be_bytes());
    packet.push(padding as u8);
    packet.extend_from_slice(&payload);
    packet.extend(std::iter::repeat_n(0x5A, padding));
    assert_eq!(packet.len() % 8, 0);
    packet
}

const LISTS: [&str; 10] = [
    "curve25519-sha256,ext-info-c",
    "ssh-ed25519,rsa-sha2-512",
    "aes128-ctr,chacha20-poly1305@openssh.com",
    "aes256-ctr",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "none,zlib@openssh.com",
    "none",
    "",
    "",
];
/// `printf '%s' 'curve25519-sha256,ext-info-c;aes128-ctr,chacha20-poly1305@openssh.com;hmac-sha2-256;none,zlib@openssh.com' | md5sum`
const LISTS_HASSH: &str = "10a480bf5dc9271b2f614bbb1ffd5d37";
const LISTS_HASSH_ALGORITHMS: &str = "curve25519-sha256,ext-info-c;aes128-ctr,chacha20-poly1305@openssh.com;hmac-sha2-256;none,zlib@openssh.com";

fn hello() -> Vec<u8> {
    let mut bytes = OPENSSH_VERSION.to_vec();
    bytes.extend(kexinit_packet(LISTS));
    bytes
}

fn expected_kex() -> ClientKex {
    ClientKex {
        hassh: LISTS_HASSH.into(),
        hassh_algorithms: LISTS_HASSH_ALGORITHMS.into(),
        kex_algs: strings(LISTS[0]),
        key_algs: strings(LISTS[1]),
        enc_cs: strings(LISTS[2]),
        mac_cs: strings(LISTS[4]),
        comp_cs: strings(LISTS[6]),
        lang_cs: Vec::new(),
    }
}

fn expected_events() -> Vec<WireEvent> {
    vec![
        WireEvent::ClientVersion("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6".into()),
        WireEvent::ClientKex(Box::new(expected_kex())),
    ]
}

#[test]
fn client_kex_computes_hassh() {
    let kex = client_kex(
        &strings(LISTS[0]),
        &strings(LISTS[1]),
        &strings(LISTS[2]),
        &strings(LISTS[4]),
        &strings(LISTS[6]),
        &[],
    );
    assert_eq!(kex, expected_kex());
    // Empty lists still give the separators.
    let empty = client_kex(&[], &[], &[], &[], &[], &[]);
    assert_eq!(empty.hassh_algorithms, ";;;");
    assert_eq!(empty.hassh, "95420f9d932ddd22833f17b96a80bedb");
}

#[test]
fn byte_exact_minimal_kexinit() {
    #[rustfmt::skip]
    let packet: Vec<u8> = [
        &[0, 0, 0, 92][..],           // packet_length = 1 + 80 + 11
        &[11],                        // padding_length: 4 + 92 = 96 is a multiple of 8
        &[20],                        // SSH_MSG_KEXINIT
        &[0xAB; 16],                  // cookie
        &[0, 0, 0, 3], b"k,x",        // kex
        &[0, 0, 0, 1], b"h",          // host key
        &[0, 0, 0, 1], b"e",          // enc c2s
        &[0, 0, 0, 1], b"E",          // enc s2c
        &[0, 0, 0, 1], b"m",          // mac c2s
        &[0, 0, 0, 1], b"M",          // mac s2c
        &[0, 0, 0, 4], b"none",       // comp c2s
        &[0, 0, 0, 4], b"NONE",       // comp s2c
        &[0, 0, 0, 2], b"en",         // lang c2s
        &[0, 0, 0, 0],                // lang s2c
        &[0], &[0, 0, 0, 0],          // first_kex_packet_follows, reserved
        &[0x5A; 11],                  // padding
    ]
    .concat();
    assert_eq!(packet.len(), 4 + 92);
    let mut parser = HelloParser::new();
    let mut events = parser.feed(b"SSH-2.0-x\n");
    events.extend(parser.feed(&packet));
    assert!(parser.done());
    let algorithms = "k,x;e;m;none";
    assert_eq!(
        events,
        vec![
            WireEvent::ClientVersion("SSH-2.0-x".into()),
            WireEvent::ClientKex(Box::new(ClientKex {
                hassh: hex::encode(Md5::digest(algorithms.as_bytes())),
                hassh_algorithms: algorithms.into(),
                kex_algs: strings("k,x"),
                key_algs: strings("h"),
                enc_cs: strings("e"),
                mac_cs: strings("m"),
                comp_cs: strings("none"),
                lang_cs: strings("en"),
            })),
        ]
    );
    // The builder used by the other tests lays out the same bytes.
    let built = kexinit_packet(["k,x", "h", "e", "E", "m", "M", "none", "NONE", "en", ""]);
    assert_eq!(built, packet);
}

#[test]
fn parses_version_and_kexinit_in_one_read() {
    let mut parser = HelloParser::new();
    assert!(!parser.done());
    assert_eq!(parser.feed(&hello()), expected_events());
    assert!(parser.done());
    assert!(
        parser.feed(&hello()).is_empty(),
        "each finding is reported once"
    );
}

#[test]
fn byte_by_byte_gives_the_same_result() {
    let mut parser = HelloParser::new();
    let mut events = Vec::new();
    for byte in hello() {
        events.extend(parser.feed(&[byte]));
    }
    assert_eq!(events, expected_events());
    assert!(parser.done());
}

#[test]
fn lines_before_the_identification_are_skipped() {
    let mut parser = HelloParser::new();
    let mut bytes = b"hello there\r\n\nanother line\n".to_vec();
    bytes.extend(b"SSH-2.0-Go\n");
    bytes.extend(kexinit_packet(LISTS));
    let events = parser.feed(&bytes);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0], WireEvent::ClientVersion("SSH-2.0-Go".into()));
    assert_eq!(events[1], WireEvent::ClientKex(Box::new(expected_kex())));
}

#[test]
fn version_without_kexinit_is_still_reported() {
    let mut parser = HelloParser::new();
    assert_eq!(
        parser.feed(b"SSH-2.0-libssh2_1.10.0\r\n"),
        vec![WireEvent::ClientVersion("SSH-2.0-libssh2_1.10.0".into())]
    );
    assert!(!parser.done());
    // A packet that is not a KEXINIT ends the search.
    let mut packet = kexinit_packet(LISTS);
    packet[5] = 21;
    assert!(parser.feed(&packet).is_empty());
    assert!(parser.done());
}

#[test]
fn long_lines_and_huge_lengths_give_up() {
    let mut parser = HelloParser::new();
    assert!(parser.feed(&[b'A'; 300]).is_empty());
    assert!(parser.done(), "a line longer than 255 bytes is not SSH");

    let mut parser = HelloParser::new();
    let mut line = b"SSH-2.0-".to_vec();
    line.extend([b'x'; 255 - 8]);
    line.extend(b"\r\n");
    assert_eq!(
        parser.feed(&line).len(),
        1,
        "255 bytes plus CR LF is allowed"
    );

    let mut parser = HelloParser::new();
    parser.feed(b"SSH-2.0-x\r\n");
    assert!(parser.feed(&[0xFF, 0xFF, 0xFF, 0xFF]).is_empty());
    assert!(parser.done(), "a 4 GiB packet is not waited for");

    let mut parser = HelloParser::new();
    parser.feed(b"SSH-2.0-x\r\n");
    parser.feed(&[0, 0, 0, 10, 9]);
    assert!(parser.done(), "padding as long as the packet");

    let mut parser = HelloParser::new();
    parser.feed(b"SSH-2.0-x\r\n");
    parser.feed(&[0, 0, 0, 1]);
    assert!(parser.done(), "a packet too short for a message");
}

#[test]
fn endless_preamble_stops_at_the_limit() {
    let mut parser = HelloParser::new();
    let line = b"not ssh\r\n";
    let mut fed = 0;
    while !parser.done() {
        assert!(parser.feed(line).is_empty());
        fed += line.len();
        assert!(fed <= MAX_OBSERVED + line.len(), "parser never gave up");
    }
}

#[test]
fn truncated_kexinit_lists_are_garbage() {
    // A packet whose name-list length runs past the payload.
    let mut packet = kexinit_packet(LISTS);
    packet[4 + 1 + 1 + COOKIE_LEN..][..4].copy_from_slice(&[0, 0, 1, 0]);
    let mut parser = HelloParser::new();
    parser.feed(b"SSH-2.0-x\r\n");
    assert!(parser.feed(&packet).is_empty());
    assert!(parser.done());
}

/// Feeds `bytes` and then 64 KiB of zeros; the parser must be done by then.
fn feed_then_flood(bytes: &[u8]) -> Vec<WireEvent> {
    let mut parser = HelloParser::new();
    let mut events = parser.feed(bytes);
    events.extend(parser.feed(&vec![0; MAX_OBSERVED + 1]));
    assert!(parser.done());
    assert!(parser.buf.capacity() == 0);
    events
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_finish(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        split in 0usize..2048,
    ) {
        let events = feed_then_flood(&bytes);
        prop_assert!(events.len() <= 2);
        // Split feeding agrees with one-shot feeding.
        let mut parser = HelloParser::new();
        let split = split.min(bytes.len());
        let mut split_events = parser.feed(&bytes[..split]);
        split_events.extend(parser.feed(&bytes[split..]));
        let mut whole = HelloParser::new();
        prop_assert_eq!(split_events, whole.feed(&bytes));
    }

    #[test]
    fn valid_prefix_then_random_bytes_never_panic(
        cut in 0usize..400,
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let hello = hello();
        let cut = cut.min(hello.len());
        let mut bytes = hello[..cut].to_vec();
        bytes.extend(&tail);
        let events = feed_then_flood(&bytes);
        prop_assert!(events.len() <= 2);
        if cut > OPENSSH_VERSION.len() {
            prop_assert_eq!(&events[0], &expected_events()[0]);
        }
    }

    #[test]
    fn mutated_kexinit_never_panics(
        index in 0usize..400,
        value in any::<u8>(),
    ) {
        let mut bytes = hello();
        let index = index % bytes.len();
        bytes[index] = value;
        let events = feed_then_flood(&bytes);
        prop_assert!(events.len() <= 2);
    }
}

#[tokio::test]
async fn wiretap_passes_bytes_through_and_reports() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (client, server) = tokio::io::duplex(64);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tap = WireTap::new(server, move |event| {
        tx.send(event).ok();
    });
    let mut bytes = hello();
    bytes.extend(b"after the kexinit");
    let sent = bytes.clone();
    let writer = tokio::spawn(async move {
        let mut client = client;
        client.write_all(&sent).await.expect("write");
        client.shutdown().await.expect("shutdown");
        client
    });
    let mut received = Vec::new();
    tap.read_to_end(&mut received).await.expect("read");
    assert_eq!(received, bytes);
    assert!(tap.tap.is_none());
    let mut events = Vec::new();
    while let Ok(event) = rx.try_recv() {
        events.push(event);
    }
    assert_eq!(events, expected_events());
    // Writes pass through too.
    tap.write_all(b"SSH-2.0-OpenSSH_8.9p1\r\n")
        .await
        .expect("write");
    let mut client = writer.await.expect("join");
    let mut line = [0; 23];
    client.read_exact(&mut line).await.expect("read back");
    assert_eq!(&line, b"SSH-2.0-OpenSSH_8.9p1\r\n");
}

/// Runs the real OpenSSH client against a tapped socket.
#[tokio::test]
async fn openssh_client_end_to_end() {
    use std::process::Stdio;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    if std::process::Command::new("ssh")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("skipping: no ssh client installed");
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let mut child = tokio::process::Command::new("ssh")
        .args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=5",
            "-p",
            &port,
            "root@127.0.0.1",
            "true",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn ssh");

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let seen = tokio::time::timeout(Duration::from_secs(10), async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut tap = WireTap::new(stream, move |event| {
            tx.send(event).ok();
        });
        tap.write_all(b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n")
            .await
            .expect("ident");
        let (mut version, mut kex) = (None, None);
        let mut buf = [0; 4096];
        while version.is_none() || kex.is_none() {
            let n = tap.read(&mut buf).await.expect("read");
            while let Ok(event) = rx.try_recv() {
                match event {
                    WireEvent::ClientVersion(v) => version = Some(v),
                    WireEvent::ClientKex(k) => kex = Some(k),
                }
            }
            if n == 0 {
                break;
            }
        }
        (version, kex)
    })
    .await;
    child.kill().await.ok();

    let (version, kex) = seen.expect("client hello within 10 s");
    let version = version.expect("client version");
    let kex = kex.expect("client kexinit");
    assert!(version.starts_with("SSH-2.0-OpenSSH_"), "{version}");
    assert!(
        kex.kex_algs.iter().any(|k| k == "curve25519-sha256"),
        "{kex:?}"
    );
    assert!(!kex.enc_cs.is_empty() && !kex.mac_cs.is_empty(), "{kex:?}");
    assert_eq!(kex.hassh.len(), 32);
    assert!(
        kex.hassh
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(
        kex.hassh,
        hex::encode(Md5::digest(kex.hassh_algorithms.as_bytes()))
    );
    assert!(kex.hassh_algorithms.starts_with(&kex.kex_algs.join(",")));
}
