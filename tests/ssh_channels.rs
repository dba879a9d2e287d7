//! The SSH channels besides shell and exec, with the system's OpenSSH clients: `scp -t` and
//! SFTP uploads land in the upload store and the attacker's filesystem and are logged, the
//! per-session quota fails like a full disk, and port forwarding (`-L`, `-W`, `-R`) is
//! logged and never done.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::{NodeProcess, OpenSsh, PASSWORD, wait_bounded};

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A local file with `bytes` in a fresh directory (kept alive by the returned guard).
fn local_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Asserts that the upload of `bytes` is stored, logged and visible at `dest` with `ls -l`.
fn assert_uploaded(node: &NodeProcess, ssh: &OpenSsh, bytes: &[u8], dest: &str, transfer: &str) {
    let sum = sha256(bytes);
    let events = node.wait_for_log("file_upload", |e| {
        e["eventid"] == "cowrie.session.file_upload" && e["shasum"] == sum.as_str()
    });
    let event = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.session.file_upload" && e["shasum"] == sum.as_str())
        .unwrap();
    assert_eq!(event["outfile"], format!("uploads/{sum}"));
    assert_eq!(event["destfile"], dest);
    assert_eq!(event["transfer"], transfer);
    assert_eq!(event["size"], bytes.len());
    assert_eq!(
        std::fs::read(node.data_dir.join("uploads").join(&sum)).unwrap(),
        bytes
    );
    // The same address and user get the same files back on the next connection.
    let (code, out, err) = ssh.run(node.ssh.port(), "root", &["ls", "-l", dest], b"");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(" {} ", bytes.len())) && out.contains(dest),
        "{out}"
    );
}

#[test]
fn scp_uploads_are_stored_listed_and_logged() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let bytes = b"#!/bin/sh\necho pwned\n".repeat(100);
    let (_dir, path) = local_file("dropper.sh", &bytes);
    // -O: the scp protocol itself (`scp -t`), not SFTP, which OpenSSH 9 uses by default.
    let (code, out, err) = ssh.scp(node.ssh.port(), &["-O"], &path, "/tmp/");
    assert_eq!(code, 0, "{out}{err}");
    assert_uploaded(&node, &ssh, &bytes, "/tmp/dropper.sh", "scp");
    let events = node.log_events();
    assert!(
        events.iter().any(|e| e["eventid"] == "cowrie.command.input"
            && e["input"].as_str().unwrap_or("").starts_with("scp -t")),
        "{events:#?}"
    );
}

#[test]
fn recursive_scp_makes_the_directories() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("kit");
    std::fs::create_dir_all(kit.join("bin")).unwrap();
    std::fs::write(kit.join("bin").join("run"), b"#!/bin/sh\n").unwrap();
    std::fs::write(kit.join("README"), b"read me\n").unwrap();
    let (code, out, err) = ssh.scp(node.ssh.port(), &["-O", "-r", "-p"], &kit, "/tmp");
    assert_eq!(code, 0, "{out}{err}");
    node.wait_for_log("file_upload", |e| e["destfile"] == "/tmp/kit/bin/run");
    node.wait_for_log("file_upload", |e| e["destfile"] == "/tmp/kit/README");
    let (code, out, err) = ssh.run(node.ssh.port(), "root", &["cat", "/tmp/kit/bin/run"], b"");
    assert_eq!((code, out.as_str()), (0, "#!/bin/sh\n"), "{err}");
}

#[test]
fn sftp_uploads_are_stored_listed_and_logged() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let (_dir, path) = local_file("miner", &bytes);
    let batch = format!("put {} /root/miner\nls -l /root\n", path.display());
    let (code, out, err) = ssh.sftp_batch(node.ssh.port(), &batch);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("miner"), "{out}");
    assert_uploaded(&node, &ssh, &bytes, "/root/miner", "sftp");
}

#[test]
fn uploads_beyond_the_quota_fail_like_a_full_disk() {
    let node = NodeProcess::start(&[("MIRAGE_SSH_UPLOAD_MAX_BYTES", "1000")]);
    let ssh = OpenSsh::new(PASSWORD);
    let bytes = vec![b'x'; 5000];
    let (_dir, path) = local_file("big.bin", &bytes);
    let (code, out, err) = ssh.scp(node.ssh.port(), &["-O"], &path, "/tmp/big.bin");
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("No space left on device"), "{err}");
    let batch = format!("put {} /tmp/big2.bin\n", path.display());
    let (code, out, err) = ssh.sftp_batch(node.ssh.port(), &batch);
    assert_ne!(code, 0, "{out}{err}");
    // What fits still goes through.
    let small = b"small".to_vec();
    let (_dir2, small_path) = local_file("small.txt", &small);
    let (code, out, err) = ssh.scp(node.ssh.port(), &["-O"], &small_path, "/tmp/");
    assert_eq!(code, 0, "{out}{err}");
    node.wait_for_log("file_upload", |e| {
        e["eventid"] == "cowrie.session.file_upload"
    });
    let stored: Vec<_> = std::fs::read_dir(node.data_dir.join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(stored, vec![sha256(&small)], "only what fits is stored");
}

/// A local listener the forwards point at; it must never see a connection.
fn bait() -> TcpListener {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

fn assert_untouched(bait: &TcpListener) {
    match bait.accept() {
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the forward target got a connection: {other:?}"),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn local_forwarding_is_logged_and_never_done() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let target = bait();
    let target_port = target.local_addr().unwrap().port();
    let local_port = free_port();
    let forward = format!("{local_port}:127.0.0.1:{target_port}");
    let child = ssh
        .command(node.ssh.port(), "root", &["-N", "-L", &forward])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut stream = loop {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", local_port)) {
            break stream;
        }
        assert!(Instant::now() < deadline, "ssh -L never listened");
        std::thread::sleep(Duration::from_millis(50));
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut reply = Vec::new();
    // The "target" hangs up: end of stream (or a reset), never a timeout.
    match stream.read_to_end(&mut reply) {
        Ok(_) => assert!(reply.is_empty(), "{reply:?}"),
        Err(err) => assert_ne!(err.kind(), std::io::ErrorKind::WouldBlock, "{err}"),
    }
    let events = node.wait_for_log("direct-tcpip data", |e| {
        e["eventid"] == "cowrie.direct-tcpip.data"
    });
    let request = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.direct-tcpip.request")
        .expect("request logged");
    assert_eq!(request["dst_ip"], "127.0.0.1");
    assert_eq!(request["dst_port"], target_port);
    let data = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.direct-tcpip.data")
        .unwrap();
    assert_eq!(data["data"], r"b'GET / HTTP/1.0\r\n\r\n'");
    assert_untouched(&target);
    drop(wait_bounded(child, Duration::ZERO));
}

#[test]
fn stdio_forwarding_is_logged_and_closed() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let target = bait();
    let target_port = target.local_addr().unwrap().port();
    let to = format!("127.0.0.1:{target_port}");
    let (code, out, err) = ssh.run(node.ssh.port(), "root", &["-W", &to], b"EHLO x\r\n");
    assert!(out.is_empty(), "{code} {out} {err}");
    node.wait_for_log("direct-tcpip data", |e| {
        e["eventid"] == "cowrie.direct-tcpip.data" && e["data"] == r"b'EHLO x\r\n'"
    });
    assert_untouched(&target);
}

#[test]
fn remote_forwarding_is_logged_and_refused() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let target = bait();
    let target_port = target.local_addr().unwrap().port();
    let forward = format!("127.0.0.1:{}:127.0.0.1:{target_port}", free_port());
    let child = ssh
        .command(
            node.ssh.port(),
            "root",
            &["-N", "-o", "ExitOnForwardFailure=yes", "-R", &forward],
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, _, err) = wait_bounded(child, Duration::from_secs(20));
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("remote port forwarding failed"), "{err}");
    node.wait_for_log("tcpip-forward", |e| {
        e["eventid"] == "mirage.tcpip-forward.request" && e["address"] == "127.0.0.1"
    });
    assert_untouched(&target);
}
