use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{AddressPolicy, FetchError, client, fetch, is_public};

#[test]
fn only_public_addresses_are_public() {
    for public in [
        "8.8.8.8",
        "1.1.1.1",
        "203.0.114.1",
        "2606:4700::1111",
        "100.128.0.1",
    ] {
        assert!(is_public(public.parse().unwrap()), "{public}");
    }
    for private in [
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "240.0.0.1",
        "224.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "192.0.0.8",
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2001:db8::1",
        "::127.0.0.1",
    ] {
        assert!(!is_public(private.parse().unwrap()), "{private}");
    }
}

#[test]
fn allowed_networks_open_only_themselves() {
    let policy = AddressPolicy::new(&["127.0.0.1/32".into(), "not a network".into()]);
    assert!(policy.allows("127.0.0.1".parse().unwrap()));
    assert!(!policy.allows("127.0.0.2".parse().unwrap()));
    assert!(!policy.allows("10.0.0.1".parse().unwrap()));
    assert!(policy.allows("8.8.8.8".parse().unwrap()));
}

/// A real HTTP server on 127.0.0.1 that answers every request with `response` (after
/// `delay`) and counts the connections it accepted.
async fn server(response: Vec<u8>, delay: Duration) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        for _ in 0..16 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let response = response.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                tokio::time::sleep(delay).await;
                stream.write_all(&response).await.ok();
                stream.shutdown().await.ok();
            });
        }
    });
    (addr, accepted)
}

fn ok(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

async fn get(policy: &AddressPolicy, url: &str, max: u64) -> Result<Vec<u8>, FetchError> {
    let timeout = Duration::from_secs(5);
    let client = client(Arc::new(policy.clone()), timeout).unwrap();
    fetch(&client, policy, url, max, timeout).await
}

fn lab() -> AddressPolicy {
    AddressPolicy::new(&["127.0.0.1/32".into()])
}

#[tokio::test]
async fn an_allowed_address_is_fetched() {
    let (addr, accepted) = server(ok(b"#!/bin/sh\necho real\n"), Duration::ZERO).await;
    let body = get(&lab(), &format!("http://{addr}/bins.sh"), 1024).await;
    assert_eq!(body.unwrap(), b"#!/bin/sh\necho real\n");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn loopback_and_private_targets_are_refused_without_connecting() {
    let (addr, accepted) = server(ok(b"secret"), Duration::ZERO).await;
    let policy = AddressPolicy::default();
    let err = get(&policy, &format!("http://{addr}/x"), 1024)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FetchError::Refused("127.0.0.1 is not a public address".into())
    );
    // By name too: localhost resolves only to loopback.
    let err = get(
        &policy,
        &format!("http://localhost:{}/x", addr.port()),
        1024,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, FetchError::Refused(why) if why.starts_with("localhost resolves to no public address")),
        "{err:?}"
    );
    let err = get(&policy, "http://[::ffff:127.0.0.1]:1/x", 1024)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Refused(_)), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused() {
    let redirect =
        b"HTTP/1.1 302 Found\r\nLocation: http://10.255.255.1/x\r\nContent-Length: 0\r\n\r\n"
            .to_vec();
    let (addr, _) = server(redirect, Duration::ZERO).await;
    let err = get(&lab(), &format!("http://{addr}/x"), 1024)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        FetchError::Refused("10.255.255.1 is not a public address".into())
    );
}

#[tokio::test]
async fn limits_hold() {
    // Announced too large.
    let (addr, _) = server(ok(&[b'A'; 2048]), Duration::ZERO).await;
    let err = get(&lab(), &format!("http://{addr}/big"), 1024)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooLarge(1024));
    // Too large without a length (read until close).
    let mut unannounced = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    unannounced.extend_from_slice(&[b'B'; 4096]);
    let (addr, _) = server(unannounced, Duration::ZERO).await;
    let err = get(&lab(), &format!("http://{addr}/big"), 1024)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooLarge(1024));
    // Errors are not samples.
    let (addr, _) = server(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
        Duration::ZERO,
    )
    .await;
    let err = get(&lab(), &format!("http://{addr}/gone"), 1024)
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Status(404));
    // Other schemes are not fetched.
    let err = get(&lab(), "tftp://127.0.0.1/x", 1024).await.unwrap_err();
    assert_eq!(err, FetchError::Unsupported("tftp://127.0.0.1/x".into()));
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let (addr, _) = server(ok(b"late"), Duration::from_secs(30)).await;
    let policy = lab();
    let timeout = Duration::from_secs(1);
    let client = client(Arc::new(policy.clone()), timeout).unwrap();
    let err = fetch(
        &client,
        &policy,
        &format!("http://{addr}/slow"),
        1024,
        timeout,
    )
    .await
    .unwrap_err();
    assert_eq!(err, FetchError::TimedOut(1));
}
