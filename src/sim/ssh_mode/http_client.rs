//! `http` steps over a real connection: each request on a fresh TCP connection to the node's
//! HTTP decoy, its bytes exactly as the in-process replay parses them
//! ([`HttpStep::to_bytes`]), the answer read as a client reads it ([`wire::read`]).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::sim::http::wire::{self, MAX_RESPONSE, WireResponse};
use crate::sim::scenario::HttpStep;

/// Longest wait for the connection, the write, or the whole answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends `step` to the decoy at `addr`; what came back (status 0 if no answer).
pub(super) async fn request(addr: SocketAddr, step: &HttpStep) -> WireResponse {
    tokio::time::timeout(TIMEOUT, exchange(addr, step))
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

async fn exchange(addr: SocketAddr, step: &HttpStep) -> Option<WireResponse> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream.write_all(&step.to_bytes()).await.ok()?;
    stream.flush().await.ok()?;
    let head = step.method == "HEAD";
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await.unwrap_or(0);
        buf.extend_from_slice(&chunk[..n]);
        let eof = n == 0 || buf.len() >= MAX_RESPONSE;
        match wire::read(&buf, head, eof) {
            wire::Read::Done(answer) => return Some(answer),
            wire::Read::Broken => return None,
            wire::Read::More if eof => return None,
            wire::Read::More => {}
        }
    }
}
