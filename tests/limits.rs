//! The SSH decoy's safety limits on a real node: the node-wide and per-address connection caps
//! (refused as OpenSSH refuses past `MaxStartups`), the idle timeout of logged-in sessions, and
//! descriptor exhaustion (EMFILE) survived. The pre-auth limit (`LoginGraceTime`) is tested in
//! `ssh_surface`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

use crate::common::{NodeProcess, SshShell, poll_until_async, root_pty_shell};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// A second source address: all of 127/8 reaches the loopback interface.
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// What OpenSSH 8.9 writes before closing a connection past `MaxStartups` (`sshd.c`,
/// `drop_connection`).
const REFUSED: &[u8] = b"Exceeded MaxStartups\r\n";

/// A TCP connection to `addr` from the source address `src`.
async fn connect_from(src: IpAddr, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(src, 0)).expect("bind source");
    tokio::time::timeout(Duration::from_secs(10), socket.connect(addr))
        .await
        .expect("connect in time")
        .expect("connect")
}

/// What the server sends first: up to and including its first line feed, or everything up to
/// the close (bounded).
async fn first_words(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    let read = async {
        while !got.ends_with(b"\n") {
            match stream.read(&mut byte).await {
                Ok(0) | Err(_) => break,
                Ok(_) => got.push(byte[0]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), read)
        .await
        .expect("the server said something or closed in time");
    got
}

/// Whether the server closes the connection (end of stream or reset) without more words.
async fn closed_after(stream: &mut TcpStream) -> bool {
    let mut rest = [0u8; 64];
    matches!(
        tokio::time::timeout(Duration::from_secs(15), stream.read(&mut rest)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// Holds a connection that got the banner.
async fn held(src: IpAddr, addr: SocketAddr) -> TcpStream {
    let mut stream = connect_from(src, addr).await;
    let banner = first_words(&mut stream).await;
    assert!(
        banner.starts_with(b"SSH-2.0-OpenSSH_"),
        "expected the banner, got {:?}",
        String::from_utf8_lossy(&banner)
    );
    stream
}

/// Asserts a new connection from `src` is refused as sshd refuses one past MaxStartups.
async fn assert_refused(src: IpAddr, addr: SocketAddr) {
    let mut stream = connect_from(src, addr).await;
    let said = first_words(&mut stream).await;
    assert_eq!(
        String::from_utf8_lossy(&said),
        String::from_utf8_lossy(REFUSED),
        "from {src}"
    );
    assert!(closed_after(&mut stream).await, "refused, then closed");
}

/// Waits until a connection from `src` gets the banner again (a place freed).
async fn admitted_again(src: IpAddr, addr: SocketAddr) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut stream = connect_from(src, addr).await;
        let said = first_words(&mut stream).await;
        if said.starts_with(b"SSH-2.0-") {
            return stream;
        }
        assert_eq!(said, REFUSED, "only refused until a place frees");
        assert!(Instant::now() < deadline, "no place freed for {src}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A logged-in shell, retried (bounded) while the node is still freeing places or
/// descriptors: each failed attempt panics inside its own task.
async fn shell_when_admitted(addr: SocketAddr) -> SshShell {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match tokio::spawn(async move { SshShell::open(addr).await }).await {
            Ok(shell) => return shell,
            Err(err) => assert!(Instant::now() < deadline, "no shell in time: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_cap_refuses_like_max_startups_and_spares_other_addresses() {
    let node = NodeProcess::start(&[
        ("MIRAGE_SSH_MAX_SESSIONS", "10"),
        ("MIRAGE_SSH_MAX_SESSIONS_PER_IP", "2"),
    ]);
    let first = held(LOCAL, node.ssh).await;
    let _second = held(LOCAL, node.ssh).await;
    assert_refused(LOCAL, node.ssh).await;
    // Another address still gets in.
    let _other = held(OTHER, node.ssh).await;

    // A closed connection frees its place: a real login and command work again.
    drop(first);
    drop(admitted_again(LOCAL, node.ssh).await);
    let mut shell = shell_when_admitted(node.ssh).await;
    assert_eq!(shell.run("echo in").await, "in\r\n");
    // The shell holds the second place again: the third is refused once more.
    assert_refused(LOCAL, node.ssh).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_cap_refuses_every_address_until_a_place_frees() {
    let node = NodeProcess::start(&[
        ("MIRAGE_SSH_MAX_SESSIONS", "2"),
        ("MIRAGE_SSH_MAX_SESSIONS_PER_IP", "50"),
    ]);
    let first = held(LOCAL, node.ssh).await;
    let _second = held(LOCAL, node.ssh).await;
    assert_refused(OTHER, node.ssh).await;
    assert_refused(LOCAL, node.ssh).await;
    drop(first);
    let _third = admitted_again(OTHER, node.ssh).await;
    assert!(
        node.stderr()
            .contains("Beginning SSH connection throttling"),
        "the episode is logged:\n{}",
        node.stderr()
    );
}

/// A logged-in session silent both ways is closed after `ssh.idle_timeout_secs` and its
/// session is closed in the log; one that keeps typing outlives that time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_logged_in_session_is_closed_and_a_busy_one_is_not() {
    let node = NodeProcess::start(&[("MIRAGE_SSH_IDLE_TIMEOUT_SECS", "2")]);
    let (_idle_handle, mut idle) = root_pty_shell(node.ssh).await;
    let mut busy = SshShell::open(node.ssh).await;
    let started = Instant::now();

    let typing = tokio::spawn(async move {
        // Keep typing for three idle timeouts.
        while started.elapsed() < Duration::from_secs(6) {
            assert_eq!(busy.run("echo busy").await, "busy\r\n");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        busy
    });

    // The idle one reads its prompt, then nothing, until the close.
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match idle.wait().await {
                Some(ChannelMsg::Close | ChannelMsg::Eof) | None => break,
                Some(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the idle session was not closed");

    let mut busy = typing.await.expect("the busy session kept working");
    assert_eq!(busy.run("echo still").await, "still\r\n");
    let closes = node.wait_for_events("session closes", 1, |e| {
        e["eventid"] == "cowrie.session.closed"
    });
    assert_eq!(closes.len(), 1, "only the idle session closed: {closes:#?}");
}

/// Descriptors open in process `pid`.
fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc/<pid>/fd")
        .count()
}

/// With RLIMIT_NOFILE just above what the node uses, more connections than it can hold make
/// accept fail with EMFILE; the node logs, backs off and keeps serving once they close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptor_exhaustion_is_survived_and_the_node_serves_afterwards() {
    let mut node = NodeProcess::start(&[]);
    // Warm up: one full session opens what a session lazily needs (store, recording dir).
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo warm").await, "warm\r\n");
    drop(shell);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let pid = node.pid();
    let limit = open_descriptors(pid) + 12;
    let status = Command::new("prlimit")
        .args([
            "--pid",
            &pid.to_string(),
            &format!("--nofile={limit}:{limit}"),
        ])
        .status()
        .expect("prlimit");
    assert!(status.success(), "prlimit failed");

    // Far more connections than 12 descriptors hold.
    let mut flood = Vec::new();
    for _ in 0..60 {
        flood.push(connect_from(LOCAL, node.ssh).await);
    }
    let node_ref = &node;
    poll_until_async(
        Duration::from_secs(15),
        || {
            node_ref
                .stderr()
                .contains("SSH accept failed.")
                .then_some(())
        },
        || format!("accept never failed:\n{}", node_ref.stderr()),
    )
    .await;
    assert!(node.is_running(), "the node died:\n{}", node.stderr());
    drop(flood);

    // Once they are gone the node serves a real session again.
    let mut shell = shell_when_admitted(node.ssh).await;
    assert_eq!(shell.run("echo back").await, "back\r\n");
    assert!(node.is_running(), "the node died:\n{}", node.stderr());
}
