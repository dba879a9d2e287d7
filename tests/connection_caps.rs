//! Per-address connection caps on a real node, and the metric that counts refusals: the HTTP
//! decoy's `http.max_connections_per_ip` (a connection past it is closed before any answer,
//! other addresses are still served, a freed place is taken again), and SSH's
//! `ssh.max_sessions_per_ip`, both counted in `mirage_connections_refused_total`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::{NodeProcess, http_get};

/// A second source address: all of 127/8 reaches the loopback interface.
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A TCP connection to `addr` from the source address `src`.
async fn connect_from(src: IpAddr, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(src, 0)).expect("bind source");
    tokio::time::timeout(Duration::from_secs(10), socket.connect(addr))
        .await
        .expect("connect in time")
        .expect("connect")
}

/// Sends one `GET /` on `stream` and reads until the server closes: what it answered (empty:
/// closed without a word).
async fn get_on(stream: &mut TcpStream) -> String {
    // The write may fail if the server already closed: then nothing was answered.
    let _sent = stream
        .write_all(b"GET / HTTP/1.1\r\nHost: decoy\r\nConnection: close\r\n\r\n")
        .await;
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut got)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    String::from_utf8_lossy(&got).into_owned()
}

/// `mirage_connections_refused_total{protocol,reason}` on the node's `/metrics`.
fn refused(node: &NodeProcess, protocol: &str, reason: &str) -> u64 {
    let (_, _, metrics) = http_get(node.admin, "/metrics");
    let prefix =
        format!("mirage_connections_refused_total{{protocol=\"{protocol}\",reason=\"{reason}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in\n{metrics}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_per_address_cap_closes_one_more_connection_and_counts_it() {
    let node = NodeProcess::start(&[("MIRAGE_HTTP_MAX_CONNECTIONS_PER_IP", "3")]);
    assert_eq!(refused(&node, "http", "per_ip"), 0);
    // Three connections from 127.0.0.1 held open with half a request.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect_from(LOCAL, node.http).await;
        stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        held.push(stream);
    }
    // A fourth from the same address is closed without an answer.
    let mut fourth = connect_from(LOCAL, node.http).await;
    assert_eq!(get_on(&mut fourth).await, "", "past the cap: no answer");
    assert_eq!(refused(&node, "http", "per_ip"), 1);
    // Another address is served.
    let mut other = connect_from(OTHER, node.http).await;
    let answer = get_on(&mut other).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // A held connection finishes its request: its place frees, and 127.0.0.1 is served again.
    let mut first = held.remove(0);
    first
        .write_all(b"Host: decoy\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut done = Vec::new();
    first.read_to_end(&mut done).await.unwrap();
    assert!(done.starts_with(b"HTTP/1.1 200"));
    drop(first);
    let mut tries = 0;
    loop {
        let mut again = connect_from(LOCAL, node.http).await;
        if get_on(&mut again).await.starts_with("HTTP/1.1 200") {
            break;
        }
        tries += 1;
        assert!(
            tries < 100,
            "127.0.0.1 was never served again after a place freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        refused(&node, "http", "node"),
        0,
        "the node-wide cap was never reached"
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_refusals_are_counted_by_reason() {
    let node = NodeProcess::start(&[
        ("MIRAGE_SSH_MAX_SESSIONS", "3"),
        ("MIRAGE_SSH_MAX_SESSIONS_PER_IP", "2"),
    ]);
    let banner = |mut stream: TcpStream| async move {
        let mut got = vec![0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(15), stream.read(&mut got))
            .await
            .expect("the server said something in time")
            .unwrap_or(0);
        got.truncate(n);
        (stream, String::from_utf8_lossy(&got).into_owned())
    };
    // Two from 127.0.0.1 get the banner; the third is refused by the per-address cap.
    let (a, first) = banner(connect_from(LOCAL, node.ssh).await).await;
    let (b, second) = banner(connect_from(LOCAL, node.ssh).await).await;
    assert!(first.starts_with("SSH-2.0-") && second.starts_with("SSH-2.0-"));
    let (_, third) = banner(connect_from(LOCAL, node.ssh).await).await;
    assert_eq!(third, "Exceeded MaxStartups\r\n");
    // One from 127.0.0.2 fills the node; a second from there is refused by the node cap.
    let (c, fourth) = banner(connect_from(OTHER, node.ssh).await).await;
    assert!(fourth.starts_with("SSH-2.0-"), "{fourth:?}");
    let (_, fifth) = banner(connect_from(OTHER, node.ssh).await).await;
    assert_eq!(fifth, "Exceeded MaxStartups\r\n");
    assert_eq!(refused(&node, "ssh", "per_ip"), 1);
    assert_eq!(refused(&node, "ssh", "node"), 1);
    assert_eq!(refused(&node, "http", "per_ip"), 0);
    drop((a, b, c));
}
