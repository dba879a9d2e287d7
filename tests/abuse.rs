//! Protocol abuse against a real node: slowloris on SSH and HTTP, a 64 MiB line in a shell and
//! in an HTTP header, a binary flood, thousands of channels on one connection. Each keeps the
//! node's memory bounded (its RSS, read from `/proc`) and leaves a bystander session that
//! keeps typing unaffected.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use russh::client::Msg;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;

use crate::common::{NodeProcess, SshShell, http_get, root_pty_shell};
use crate::faults::busy_session;

/// Most the node's RSS may grow over one abuse: well under what holding the abuser's bytes
/// would take (64 MiB lines, 2,000 channels), well over the node's normal working set.
const RSS_GROWTH_LIMIT: u64 = 48 * 1024 * 1024;

/// The node's resident set size in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS")
        * 1024
}

/// A bystander that types throughout; stopped and checked by [`Bystander::finish`].
struct Bystander {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<crate::faults::Busy>,
}

impl Bystander {
    fn start(addr: SocketAddr) -> Bystander {
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(busy_session(
            addr,
            "bystander".into(),
            Duration::from_millis(50),
            stop.clone(),
        ));
        Bystander { stop, task }
    }

    /// Stops typing; asserts the session was never dropped and kept answering.
    async fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        let busy = self.task.await.expect("the bystander failed");
        assert!(
            !busy.closed_by_server,
            "the bystander was dropped: {busy:?}"
        );
        assert!(busy.completed > 0, "the bystander got no answer: {busy:?}");
    }
}

/// The channel's writing half; a task reads (and discards) everything the server sends, as
/// a terminal would, so the echo of what is sent never stalls the connection's windows.
fn drained(channel: russh::Channel<Msg>) -> russh::ChannelWriteHalf<Msg> {
    let (mut read, write) = channel.split();
    tokio::spawn(async move { while read.wait().await.is_some() {} });
    write
}

/// A node for abuse tests, warmed up (one session run) so its RSS is the working set.
async fn warm_node(env: &[(&str, &str)]) -> (NodeProcess, u64) {
    let node = NodeProcess::start(env);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo warm").await, "warm\r\n");
    drop(shell);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let base = rss(node.pid());
    (node, base)
}

fn assert_bounded(node: &NodeProcess, base: u64, what: &str) {
    let now = rss(node.pid());
    // For the record (`--nocapture`): what each abuse cost.
    eprintln!("{what}: RSS {} KiB -> {} KiB", base / 1024, now / 1024);
    assert!(
        now < base + RSS_GROWTH_LIMIT,
        "{what}: RSS grew from {} KiB to {} KiB",
        base / 1024,
        now / 1024
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_on_ssh_and_http_leaves_others_served() {
    let (node, base) = warm_node(&[("MIRAGE_SSH_LOGIN_GRACE_TIME_SECS", "20")]).await;
    let bystander = Bystander::start(node.ssh);
    // Forty SSH connections from another address, each sending its identification a byte
    // at a time; a hundred HTTP connections trickling a header.
    let slow_src = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
    let mut slow = Vec::new();
    for i in 0..40 {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(slow_src, 0)).unwrap();
        let mut stream = socket.connect(node.ssh).await.expect("connect");
        slow.push(tokio::spawn(async move {
            for byte in format!("SSH-2.0-slow{i}").bytes() {
                if stream.write_all(&[byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    for _ in 0..100 {
        let mut stream = tokio::net::TcpStream::connect(node.http)
            .await
            .expect("connect");
        slow.push(tokio::spawn(async move {
            let _sent = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await;
            for _ in 0..15 {
                if stream.write_all(b"X-a: b\r\n").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // While they trickle, normal clients get through on both.
    let http = node.http;
    let status = tokio::task::spawn_blocking(move || http_get(http, "/").0)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo through").await, "through\r\n");
    for task in slow {
        task.await.expect("slow writer");
    }
    bystander.finish().await;
    assert_bounded(&node, base, "slowloris");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_line_and_a_binary_flood_in_a_shell_stay_bounded() {
    let (node, base) = warm_node(&[]).await;
    let bystander = Bystander::start(node.ssh);

    // One 64 MiB line without a newline, then a newline: the line editor keeps its bound.
    let (_handle, channel) = root_pty_shell(node.ssh).await;
    let channel = drained(channel);
    let chunk = vec![b'A'; 1024 * 1024];
    for _ in 0..64 {
        channel.data(&chunk[..]).await.expect("send a MiB");
    }
    channel.data(&b"\r"[..]).await.expect("enter");
    assert_bounded(&node, base, "64 MiB line");

    // 16 MiB of random bytes, escape sequences and control characters included.
    let (_flood_handle, flood) = root_pty_shell(node.ssh).await;
    let flood = drained(flood);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..16 {
        let bytes: Vec<u8> = (0..1024 * 1024)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Never Ctrl-D on an empty line, which would just end the flood.
                match (state >> 24) as u8 {
                    4 => b'x',
                    b => b,
                }
            })
            .collect();
        if flood.data(&bytes[..]).await.is_err() {
            break;
        }
    }
    assert_bounded(&node, base, "binary flood");

    // The same node still gives a new session a working shell.
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo fine").await, "fine\r\n");
    bystander.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_channels_on_one_connection_stay_bounded() {
    let (node, base) = warm_node(&[]).await;
    let bystander = Bystander::start(node.ssh);
    let (handle, _first) = root_pty_shell(node.ssh).await;
    let mut opened = Vec::new();
    for _ in 0..2000 {
        match handle.channel_open_session().await {
            Ok(channel) => opened.push(channel),
            Err(_) => break,
        }
    }
    assert_bounded(&node, base, "2,000 channels");
    drop(opened);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo fine").await, "fine\r\n");
    bystander.finish().await;
}

#[test]
fn a_64_mib_http_header_is_refused_without_holding_it() {
    let mut node = NodeProcess::start(&[("MIRAGE_HTTP_RATE_LIMIT_PER_MINUTE", "0")]);
    assert_eq!(http_get(node.http, "/").0, 200);
    let base = rss(node.pid());
    let mut stream = TcpStream::connect(node.http).expect("connect");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _sent = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: ");
    let chunk = vec![b'a'; 1024 * 1024];
    let mut sent = 0;
    for _ in 0..64 {
        // The decoy answers and closes long before 64 MiB; then writes fail.
        if stream.write_all(&chunk).is_err() {
            break;
        }
        sent += 1;
    }
    let mut answer = Vec::new();
    let _read = stream.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer);
    assert!(
        head.starts_with("HTTP/1.1 4"),
        "refused with a 4xx after {sent} MiB: {head:?}"
    );
    let now = rss(node.pid());
    assert!(
        now < base + RSS_GROWTH_LIMIT,
        "RSS grew from {} KiB to {} KiB",
        base / 1024,
        now / 1024
    );
    assert_eq!(http_get(node.http, "/").0, 200);
    assert!(node.is_running());
}
