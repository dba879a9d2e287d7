//! One client connection: read requests, answer them in order, keep alive, close like the
//! imitated server.
//!
//! Bounded everywhere: the buffer never holds more than one request's limits (so pipelined
//! requests wait in the socket, not in memory), a request must arrive within the server's
//! request timeout and the next one within its keep-alive timeout, a connection serves at most
//! the server's request cap, writes time out. A refused request is answered and the
//! connection closed with a lingering read, as nginx does, so the client receives the answer
//! instead of a reset.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::exchange::Incoming;
use super::profile::{ServerKind, WriteCtx};
use super::request::{self, Parsed, Version};
use super::response::Response;

/// How long a write may take before the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long, and how much, is read and thrown away after a final answer.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 64 * 1024;

/// How a connection behaves: the imitated server, its timeouts and its request cap.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The server whose limits, pages and keep-alive rules apply.
    pub server: ServerKind,
    /// How long a started request may take to arrive.
    pub request_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub keep_alive_timeout: Duration,
    /// Most requests on one connection.
    pub max_requests: u32,
}

impl From<ServerKind> for Rules {
    /// The server's stock settings.
    fn from(server: ServerKind) -> Rules {
        Rules {
            server,
            request_timeout: server.request_timeout(),
            keep_alive_timeout: server.keep_alive_timeout(),
            max_requests: server.max_requests(),
        }
    }
}

/// Who answers the requests of a connection.
pub trait Responder {
    /// The answer to `incoming` from `peer`, reaching the decoy at `local`.
    fn respond(
        &self,
        peer: SocketAddr,
        local: SocketAddr,
        incoming: Incoming,
    ) -> impl Future<Output = Response>;

    /// A pause before each answer (the strategy's latency); none by default.
    fn delay(&self) -> Duration {
        Duration::ZERO
    }
}

/// Serves one connection until it closes.
pub async fn serve<S, R>(
    mut stream: S,
    peer: SocketAddr,
    local: SocketAddr,
    rules: Rules,
    responder: &R,
) where
    S: AsyncRead + AsyncWrite + Unpin,
    R: Responder,
{
    let server = rules.server;
    let limits = server.limits();
    let cap = limits.head + limits.body + 8 * 1024;
    let max_requests = rules.max_requests;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 8 * 1024];
    let mut served = 0u32;
    // When the bytes of the request being read started to arrive.
    let mut started: Option<tokio::time::Instant> = None;
    loop {
        let parsed = if buf.is_empty() {
            Parsed::Incomplete
        } else {
            request::parse(&buf, &limits, server)
        };
        match parsed {
            Parsed::Incomplete => {
                // A started request must be whole by its deadline however slowly it drips
                // in (Apache's `RequestReadTimeout`); an idle connection waits for the next one
                // up to the keep-alive timeout (the first request: the request timeout).
                let now = tokio::time::Instant::now();
                let deadline = if buf.is_empty() {
                    started = None;
                    now + if served > 0 {
                        rules.keep_alive_timeout
                    } else {
                        rules.request_timeout
                    }
                } else {
                    *started.get_or_insert(now) + rules.request_timeout
                };
                let room = cap.saturating_sub(buf.len()).min(chunk.len());
                if room == 0 {
                    // Cannot happen within the limits; refuse rather than grow.
                    refuse(
                        &mut stream,
                        &buf,
                        request::ParseError::HeaderTooLarge,
                        (peer, local),
                        server,
                        responder,
                    )
                    .await;
                    return;
                }
                match tokio::time::timeout_at(deadline, stream.read(&mut chunk[..room])).await {
                    Err(_) => {
                        // A stalled request is recorded and answered as the server does.
                        if !buf.is_empty() {
                            refuse(
                                &mut stream,
                                &buf,
                                request::ParseError::TimedOut,
                                (peer, local),
                                server,
                                responder,
                            )
                            .await;
                        }
                        return;
                    }
                    // Closed (a truncated request is dropped, as both servers drop it).
                    Ok(Ok(0)) | Ok(Err(_)) => return,
                    Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            Parsed::Complete(req, used) => {
                buf.drain(..used.min(buf.len()));
                started = None;
                served += 1;
                let keep_alive = req.wants_keep_alive() && served < max_requests;
                let version = req.version;
                let head = req.method == "HEAD";
                let response = responder.respond(peer, local, Incoming::Request(req)).await;
                let delay = responder.delay();
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                if response.silent {
                    return;
                }
                let keep = keep_alive && !response.close && !server.must_close(&response, version);
                let left = max_requests.saturating_sub(served) + 1;
                if !write(&mut stream, server, &response, version, head, keep, left).await {
                    return;
                }
                if !keep {
                    linger(&mut stream).await;
                    return;
                }
            }
            Parsed::Error(err) => {
                refuse(&mut stream, &buf, err, (peer, local), server, responder).await;
                return;
            }
        }
    }
}

async fn refuse<S, R>(
    stream: &mut S,
    buf: &[u8],
    error: request::ParseError,
    (peer, local): (SocketAddr, SocketAddr),
    server: ServerKind,
    responder: &R,
) where
    S: AsyncRead + AsyncWrite + Unpin,
    R: Responder,
{
    let request = Box::new(request::salvage(buf));
    let response = responder
        .respond(peer, local, Incoming::Refused { error, request })
        .await;
    if response.silent {
        return;
    }
    if write(stream, server, &response, Version::Http11, false, false, 0).await {
        linger(stream).await;
    }
}

async fn write<S>(
    stream: &mut S,
    server: ServerKind,
    response: &Response,
    version: Version,
    head: bool,
    keep_alive: bool,
    requests_left: u32,
) -> bool
where
    S: AsyncWrite + Unpin,
{
    let bytes = server.write(
        response,
        &WriteCtx {
            version,
            head,
            keep_alive,
            date: Utc::now(),
            requests_left,
        },
    );
    matches!(
        tokio::time::timeout(WRITE_TIMEOUT, async {
            stream.write_all(&bytes).await?;
            stream.flush().await
        })
        .await,
        Ok(Ok(()))
    )
}

/// Closes the sending side, then reads and drops what the client still sends for a moment, so
/// the close is a FIN after the answer rather than a reset that could destroy it.
async fn linger<S>(stream: &mut S)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut sink = [0u8; 4096];
    let mut total = 0;
    tokio::time::timeout(LINGER, async {
        while total < LINGER_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await
    .ok();
}
