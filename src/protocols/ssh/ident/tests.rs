//! Expected verdicts and byte counts are what OpenSSH 9.2p1's sshd did with the same input
//! (measured: which reply, and whether the close was a FIN, i.e. everything read, or a reset,
//! i.e. bytes left unread) and what `kex_exchange_identification()` does.

use super::*;

fn scan(input: &[u8]) -> (usize, Option<Verdict>) {
    IdentScanner::new(true).feed(input)
}

fn accept(line: &str) -> Option<Verdict> {
    Some(Verdict::Accept(line.as_bytes().to_vec()))
}

#[test]
fn a_normal_identification_is_accepted_and_only_its_line_consumed() {
    let input = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n\x00\x00\x05\xdc\x06\x14";
    assert_eq!(
        scan(input),
        (41, accept("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"))
    );
    assert_eq!(scan(b"SSH-2.0-x\n"), (10, accept("SSH-2.0-x")));
    assert_eq!(scan(b"SSH-1.99-x\r\n"), (12, accept("SSH-1.99-x")));
    // sshd skips every CR; it only requires the next byte after one to be LF or CR.
    assert_eq!(scan(b"SSH-2.0-x\r\r\n"), (12, accept("SSH-2.0-x")));
}

#[test]
fn bytes_arrive_in_pieces() {
    let mut scanner = IdentScanner::new(true);
    assert_eq!(scanner.feed(b"SSH-2.0-Op"), (10, None));
    assert_eq!(scanner.feed(b"enSSH\r"), (6, None));
    assert_eq!(scanner.feed(b"\nrest"), (1, accept("SSH-2.0-OpenSSH")));
}

/// `GET / HTTP/1.1` got `Invalid SSH identification string.` and then a reset: sshd stopped
/// at the first LF and left the headers unread.
#[test]
fn an_http_request_is_invalid_after_its_first_line() {
    let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_eq!(scan(request), (16, Some(Verdict::Reject(INVALID))));
}

#[test]
fn garbage_is_invalid_at_the_deciding_byte() {
    // A NUL decides at once.
    assert_eq!(
        scan(b"\x00\x01\x02hello\r\n"),
        (1, Some(Verdict::Reject(INVALID)))
    );
    assert_eq!(
        scan(b"SSH-2.0-x\x00y\r\n"),
        (10, Some(Verdict::Reject(INVALID)))
    );
    // Anything but LF after a CR.
    assert_eq!(
        scan(b"SSH-2.0-x\ry\n"),
        (11, Some(Verdict::Reject(INVALID)))
    );
    // Blank and short lines, and lines before the identification, are all refused.
    assert_eq!(scan(b"\r\n"), (2, Some(Verdict::Reject(INVALID))));
    assert_eq!(scan(b"SSH-\r\n"), (6, Some(Verdict::Reject(INVALID))));
    assert_eq!(
        scan(b"hello\r\nSSH-2.0-x\r\n"),
        (7, Some(Verdict::Reject(INVALID)))
    );
}

#[test]
fn lines_sscanf_cannot_parse_are_invalid() {
    for line in [
        "SSH-2.0\r\n",
        "SSH-2.0-\r\n",
        "SSH-x.0-y\r\n",
        "SSH-2.x-y\r\n",
        "SSH-2-y\r\n",
        "SSH-2.0y\r\n",
    ] {
        assert_eq!(
            scan(line.as_bytes()),
            (line.len(), Some(Verdict::Reject(INVALID))),
            "{line:?}"
        );
    }
}

/// `SSH-1.5-x` and `SSH-3.0-x` got `Protocol major versions differ.`.
#[test]
fn other_major_versions_differ() {
    for line in [
        "SSH-1.5-x\r\n",
        "SSH-1.5-x\n",
        "SSH-3.0-x\r\n",
        "SSH-1.98-x\r\n",
    ] {
        assert_eq!(
            scan(line.as_bytes()),
            (line.len(), Some(Verdict::Reject(MISMATCH))),
            "{line:?}"
        );
    }
}

/// sshd goes on with these (measured: a 308-byte line got KEXINIT), russh cannot.
#[test]
fn lines_openssh_takes_but_russh_cannot_are_flagged() {
    let long = format!("SSH-2.0-{}", "A".repeat(300));
    let (used, verdict) = scan(format!("{long}\r\n").as_bytes());
    assert_eq!(used, long.len() + 2);
    assert_eq!(verdict, Some(Verdict::Unsupported(long.into_bytes())));
    for line in ["SSH-2.5-x", "SSH- 2.0-x", "SSH-+2.0-x", "SSH-02.0-x"] {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        assert!(
            matches!(scan(&bytes).1, Some(Verdict::Unsupported(_))),
            "{line:?}"
        );
    }
    let invalid_utf8 = b"SSH-2.0-\xff\r\n";
    assert_eq!(
        scan(invalid_utf8).1,
        Some(Verdict::Unsupported(b"SSH-2.0-\xff".to_vec()))
    );
    // 253 bytes is the longest russh takes.
    let edge = format!("SSH-2.0-{}", "B".repeat(245));
    assert_eq!(edge.len(), 253);
    assert_eq!(scan(format!("{edge}\n").as_bytes()).1, accept(&edge));
}

#[test]
fn a_line_over_8192_bytes_is_invalid_at_byte_8193() {
    let huge = vec![b'A'; 70_000];
    assert_eq!(scan(&huge), (8193, Some(Verdict::Reject(INVALID))));
    let mut ssh = b"SSH-2.0-".to_vec();
    ssh.extend(std::iter::repeat_n(b'x', 9000));
    assert_eq!(scan(&ssh), (8193, Some(Verdict::Reject(INVALID))));
    // Exactly 8192 bytes is still a line.
    let mut max = b"SSH-2.0-".to_vec();
    max.extend(std::iter::repeat_n(b'x', MAX_LINE - 8));
    max.push(b'\n');
    assert!(matches!(scan(&max).1, Some(Verdict::Unsupported(_))));
}

#[test]
fn scanners_and_probes_get_hung_up_on() {
    for (line, legacy, hang_up) in [
        ("SSH-2.0-SSH_Version_Mapper\r\n", true, true),
        ("SSH-2.0-Probe-x\r\n", true, true),
        ("SSH-2.0-Probe-x\r\n", false, true),
        ("SSH-1.99-Probe-OSU_0.1\r\n", true, false),
        ("SSH-1.99-Probe-OSU_0.1\r\n", false, true),
        ("SSH-2.0-OpenSSH_SSH_Version_Mapper\r\n", true, false),
        ("SSH-2.0-Cisco-1.25 SSH_Version_Mapper\r\n", false, false),
        ("SSH-2.0-libssh_0.9.6\r\n", true, false),
        ("SSH-2.0-probe-x\r\n", true, false),
    ] {
        let verdict = IdentScanner::new(legacy).feed(line.as_bytes()).1;
        assert_eq!(
            verdict == Some(Verdict::HangUp),
            hang_up,
            "{line:?} legacy={legacy}: {verdict:?}"
        );
    }
}

#[test]
fn glob_is_openssh_match_pattern() {
    assert!(glob(b"*", b""));
    assert!(glob(b"OpenSSH*", b"OpenSSH_9.2p1"));
    assert!(!glob(b"OpenSSH*", b"openssh"));
    assert!(glob(b"*SSH_Version_Mapper*", b"xSSH_Version_Mappery"));
    assert!(glob(b"OpenSSH_7.?*", b"OpenSSH_7.4p1"));
    assert!(!glob(b"3.0.*", b"3.0"));
    assert!(glob(b"a*b*c", b"aXXbYYbZc"));
    assert!(!glob(b"a*b*c", b"aXXbYYbZ"));
    // Long hostile input stays cheap and never recurses.
    let long = vec![b'a'; 10_000];
    assert!(!glob(b"*a*a*a*b", &long));
}

/// Every prefix of every input gives the same verdict fed in one piece or byte by byte,
/// and never more than the input is consumed.
#[test]
fn feeding_byte_by_byte_agrees_and_never_panics() {
    let inputs: [&[u8]; 6] = [
        b"SSH-2.0-OpenSSH_8.9p1\r\n",
        b"GET / HTTP/1.0\r\n\r\n",
        b"\xff\xfe\xfd",
        b"SSH-2.0-a\rb",
        b"SSH-1.5-\r\n",
        b"\r\r\r\n",
    ];
    for input in inputs {
        let whole = scan(input);
        assert!(whole.0 <= input.len());
        let mut scanner = IdentScanner::new(true);
        let mut used = 0;
        let mut verdict = None;
        for byte in input {
            let (n, v) = scanner.feed(std::slice::from_ref(byte));
            used += n;
            if v.is_some() {
                verdict = v;
                break;
            }
        }
        assert_eq!((used, verdict), whole, "{input:?}");
    }
}

#[tokio::test]
async fn prelude_replays_the_line_and_swallows_the_banner() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (ours, mut theirs) = tokio::io::duplex(1024);
    let banner = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10";
    let mut prelude = Prelude::new(ours, b"SSH-2.0-client", banner);
    theirs.write_all(b"after").await.unwrap();
    let mut got = vec![0u8; 16 + 5];
    prelude.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"SSH-2.0-client\r\nafter");
    // The banner, in two writes, is swallowed; what follows goes through.
    prelude.write_all(&banner.as_bytes()[..10]).await.unwrap();
    prelude.write_all(&banner.as_bytes()[10..]).await.unwrap();
    assert!(!prelude.banner_swallowed());
    prelude.write_all(b"\r\n").await.unwrap();
    assert!(prelude.banner_swallowed());
    prelude.write_all(b"packet").await.unwrap();
    drop(prelude);
    let mut out = Vec::new();
    theirs.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"packet");
}

#[tokio::test]
async fn prelude_lets_anything_else_through() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (ours, mut theirs) = tokio::io::duplex(1024);
    let mut prelude = Prelude::new(ours, b"SSH-2.0-c", "SSH-2.0-server");
    prelude.write_all(b"SSH-2.0-other\r\n").await.unwrap();
    drop(prelude);
    let mut out = Vec::new();
    theirs.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"SSH-2.0-other\r\n");
}
