//! A webhook receiver on 127.0.0.1 for the alert tests: answers each request with a status (or
//! holds it), and keeps every request it got.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::poll_until_async;

/// How the receiver answers every request.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// This status, at once.
    Status(u16),
    /// Nothing: hold the connection for 30 s (or until the client gives up).
    Hang,
}

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// The request line and headers.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A webhook receiver on 127.0.0.1.
pub struct Receiver {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Received>>>,
    /// Hangs that ran their full 30 s.
    pub hangs_ended: Arc<AtomicUsize>,
}

const HANG: Duration = Duration::from_secs(30);

impl Receiver {
    /// Listens on 127.0.0.1 (a free port), answering every request with `answer`.
    pub async fn start(answer: Answer) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let hangs_ended = Arc::new(AtomicUsize::new(0));
        let (seen, ended) = (requests.clone(), hangs_ended.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, answer, seen.clone(), ended.clone()));
            }
        });
        Receiver {
            addr,
            requests,
            hangs_ended,
        }
    }

    /// The URL to give the node.
    pub fn url(&self) -> String {
        format!("http://{}/hooks/T0001/secret", self.addr)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` requests arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        poll_until_async(
            Duration::from_secs(30),
            || Some(self.requests()).filter(|got| got.len() >= n),
            || format!("fewer than {n} requests arrived: {:?}", self.requests()),
        )
        .await
    }

    /// The JSON bodies received so far whose `rule` is `rule`.
    pub fn alerts(&self, rule: &str) -> Vec<serde_json::Value> {
        self.requests()
            .iter()
            .filter_map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .filter(|b| b["rule"] == rule)
            .collect()
    }
}

/// Answers requests on one keep-alive connection.
async fn serve(
    mut stream: TcpStream,
    answer: Answer,
    seen: Arc<Mutex<Vec<Received>>>,
    hangs_ended: Arc<AtomicUsize>,
) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        seen.lock().unwrap().push(request);
        match answer {
            Answer::Status(code) => {
                let reply = format!(
                    "HTTP/1.1 {code} Whatever\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                );
                if stream.write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
            Answer::Hang => {
                // Hold the connection until the client gives up or the hang is over.
                let mut byte = [0u8; 1];
                if tokio::time::timeout(HANG, stream.read(&mut byte))
                    .await
                    .is_err()
                {
                    hangs_ended.fetch_add(1, Ordering::SeqCst);
                }
                return;
            }
        }
    }
}

/// One HTTP/1.1 request (head and `Content-Length` body); `None` when the client closed.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Received> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let length: usize = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                let body = buffer[end + 4..end + 4 + length].to_vec();
                buffer.drain(..end + 4 + length);
                return Some(Received { head, body });
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(60), stream.read(&mut chunk)).await;
        match read {
            Ok(Ok(n)) if n > 0 && buffer.len() < 1 << 20 => buffer.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
}
