//! Closing a connection russh owns, on one file descriptor.
//!
//! Once russh has the stream, the server still has to close the connection itself: when the
//! login grace time runs out, and when a reflex hangs up. [`Closable`] wraps the accepted
//! [`TcpStream`] (under the other wrappers russh gets) and shares a [`CloseSignal`] with the
//! server: once it is set, reads end (end of stream), writes fail (broken pipe), pending reads
//! and writes are woken, and the next poll shuts the socket's sending side (the peer sees a FIN
//! at once, as from sshd's close).
//!
//! Dropping the wrapper reads and discards what the peer already sent (bounded, never
//! waiting, through a descriptor duplicated for just that moment) before the socket closes.
//! sshd reads its socket in large chunks, so when it closes after a bad packet nothing is left
//! unread and the peer sees a FIN; russh reads exactly what it parses, which would leave bytes
//! behind and turn the close into a reset.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Most bytes read (and discarded) from a closing connection, so it closes as sshd's does.
const DRAIN_LIMIT: usize = 256 * 1024;

/// Size of one read of the drain.
const DRAIN_CHUNK: usize = 16 * 1024;

/// Tells a [`Closable`] to close its connection. Shared (`Arc`) between the server and the
/// stream russh owns.
#[derive(Debug, Default)]
pub struct CloseSignal {
    closed: AtomicBool,
    reader: AtomicWaker,
    writer: AtomicWaker,
}

impl CloseSignal {
    /// A signal not yet given.
    pub fn new() -> Arc<CloseSignal> {
        Arc::default()
    }

    /// Closes the connection: its reads end, its writes fail, and whoever waits on either is
    /// woken to see it.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.reader.wake();
        self.writer.wake();
    }

    /// Whether [`CloseSignal::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// A TCP stream that a [`CloseSignal`] can close while someone else owns it, and that drains
/// unread bytes when dropped.
#[derive(Debug)]
pub struct Closable {
    stream: TcpStream,
    signal: Arc<CloseSignal>,
    /// Whether the socket's sending side was shut after the signal.
    shut: bool,
}

impl Closable {
    /// Wraps `stream`; `signal` closes it.
    pub fn new(stream: TcpStream, signal: Arc<CloseSignal>) -> Closable {
        Closable {
            stream,
            signal,
            shut: false,
        }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &TcpStream {
        &self.stream
    }

    /// Whether the signal was given; the first time it is seen, shuts the sending side.
    fn closed(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.signal.is_closed() {
            return false;
        }
        if !self.shut {
            self.shut = true;
            // A TCP shutdown never waits; a socket the peer already reset needs no FIN.
            if let Poll::Ready(Err(err)) = Pin::new(&mut self.stream).poll_shutdown(cx) {
                tracing::debug!(error = %err, "Cannot shut a closed SSH connection.");
            }
        }
        true
    }
}

impl AsyncRead for Closable {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closed(cx) {
            return Poll::Ready(Ok(()));
        }
        let poll = Pin::new(&mut this.stream).poll_read(cx, buf);
        if poll.is_pending() {
            this.signal.reader.register(cx.waker());
            // Closed between the check and the registration: nobody would wake us.
            if this.closed(cx) {
                return Poll::Ready(Ok(()));
            }
        }
        poll
    }
}

/// The error writes get once the connection is closed.
fn closed_error() -> io::Error {
    io::Error::from(io::ErrorKind::BrokenPipe)
}

impl Closable {
    /// Runs a write-side poll unless the connection is closed; a pending one is woken by the
    /// signal.
    fn write_side<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if self.closed(cx) {
            return Poll::Ready(Err(closed_error()));
        }
        let result = poll(Pin::new(&mut self.stream), cx);
        if result.is_pending() {
            self.signal.writer.register(cx.waker());
            if self.closed(cx) {
                return Poll::Ready(Err(closed_error()));
            }
        }
        result
    }
}

impl AsyncWrite for Closable {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_side(cx, |stream, cx| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_side(cx, |stream, cx| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .write_side(cx, |stream, cx| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closed(cx) {
            // Already shut by the signal.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

impl Drop for Closable {
    /// Reads and discards what the peer already sent (bounded, without waiting), so the close
    /// that follows is a FIN rather than a reset.
    fn drop(&mut self) {
        use std::io::Read as _;
        use std::os::fd::AsFd as _;
        let mut buf = [0u8; DRAIN_CHUNK];
        let mut total = 0;
        // tokio reads only once its reactor has seen the socket readable, and bytes that came
        // in since it last looked would stay unread: read through a short-lived second
        // descriptor instead (it shares the socket's non-blocking mode, so it never waits).
        match self.stream.as_fd().try_clone_to_owned() {
            Ok(fd) => {
                let mut socket = std::net::TcpStream::from(fd);
                while total < DRAIN_LIMIT {
                    match socket.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => total += n,
                    }
                }
            }
            // Out of descriptors: what tokio knows is readable.
            Err(_) => {
                while total < DRAIN_LIMIT {
                    match self.stream.try_read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => total += n,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    async fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (server, client)
    }

    #[tokio::test]
    async fn the_signal_ends_a_pending_read_and_the_peer_sees_a_fin() {
        let (server, mut client) = pair().await;
        let signal = CloseSignal::new();
        let mut closable = Closable::new(server, signal.clone());
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 16];
            let n = closable.read(&mut buf).await.unwrap();
            let write = closable.write_all(b"late").await;
            (n, write.map_err(|e| e.kind()), closable)
        });
        tokio::task::yield_now().await;
        signal.close();
        let (n, write, _closable) = reader.await.unwrap();
        assert_eq!(n, 0, "end of stream");
        assert_eq!(write, Err(io::ErrorKind::BrokenPipe));
        // The wrapper is still alive, yet the peer already has its FIN and nothing else.
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        assert!(got.is_empty(), "{got:?}");
    }

    #[tokio::test]
    async fn unread_bytes_are_drained_so_the_close_is_a_fin() {
        let (server, mut client) = pair().await;
        let closable = Closable::new(server, CloseSignal::new());
        client.write_all(&[7u8; 50_000]).await.unwrap();
        // Let the bytes arrive before the close.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        drop(closable);
        let mut got = Vec::new();
        // A reset would make this an error (connection reset by peer).
        client.read_to_end(&mut got).await.unwrap();
        assert!(got.is_empty());
    }

    #[tokio::test]
    async fn without_the_signal_bytes_pass_both_ways() {
        let (server, mut client) = pair().await;
        let mut closable = Closable::new(server, CloseSignal::new());
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        closable.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        closable.write_all(b"pong").await.unwrap();
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
    }
}
