//! The identification exchange (RFC 4253 §4.2) done the way OpenSSH's sshd does it, before
//! russh sees the connection.
//!
//! russh writes its banner and reads the client's line itself, and answers anything it
//! dislikes by dropping the connection. sshd instead reads the client's line one byte at a
//! time and answers bad input with a line of text. So the server sends the banner at accept,
//! then [`read_ident`] consumes exactly the bytes sshd would have read (peeking, then reading
//! that many, so anything after stays unread in the socket as it does under sshd: closing
//! then resets the connection, as sshd's exit does) and decides as sshd decides
//! (`kex_exchange_identification()` and `compat_banner()` in OpenSSH 8.2p1 to 9.6p1):
//!
//! - a NUL byte, a byte other than LF after a CR, more than 8192 bytes, or a first line that
//!   is not `SSH-…`: `Invalid SSH identification string.` CR LF, then close;
//! - a line that `sscanf("SSH-%d.%d-%[^\n]")` cannot parse: the same;
//! - a protocol major version other than 2 (1.99 counts as 2): `Protocol major versions
//!   differ.` CR LF, then close;
//! - a client software version matching sshd's scanner patterns (`*SSH_Version_Mapper*`,
//!   `Probe-*`): close without a word.
//!
//! sshd writes the message and the CR LF with two `write()` calls; [`reject`] does too.
//! A valid line goes to russh through a [`Prelude`], which replays it and swallows russh's
//! own copy of the banner.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// sshd's `SSH_MAX_BANNER_LEN`: the longest identification line it reads.
pub const MAX_LINE: usize = 8192;

/// sshd's answer to a line that is not an SSH identification.
pub const INVALID: &str = "Invalid SSH identification string.";

/// sshd's answer to a protocol version other than 2.0 or 1.99.
pub const MISMATCH: &str = "Protocol major versions differ.";

/// The longest line russh's identification reader takes: its 255-byte limit minus CR LF.
const RUSSH_MAX_LINE: usize = 253;

/// How many bytes one peek looks at.
const PEEK: usize = 1024;

/// What sshd does with a client's identification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A valid identification russh can take: the line, without its line ending.
    Accept(Vec<u8>),
    /// sshd writes this message and CR LF, then closes.
    Reject(&'static str),
    /// sshd closes without writing (its "probed/scanned … Don't panic" cases).
    HangUp,
    /// sshd would go on to key exchange, but russh cannot take this line (longer than 253
    /// bytes, not UTF-8, or a version other than exactly `2.0`/`1.99`, e.g. `SSH-2.5-x`).
    /// The line, without its line ending.
    Unsupported(Vec<u8>),
}

/// sshd's byte-at-a-time reader of the client's identification line, as a pure state
/// machine: feed it bytes, it says how many it consumed and, once decided, what sshd does.
/// Never panics; holds at most [`MAX_LINE`] bytes.
#[derive(Debug)]
pub struct IdentScanner {
    line: Vec<u8>,
    expect_nl: bool,
    legacy_compat: bool,
}

impl IdentScanner {
    /// A scanner for a server whose compatibility table predates OpenSSH 9.3 when
    /// `legacy_compat` is set (see [`SshProfile::legacy_compat`]).
    ///
    /// [`SshProfile::legacy_compat`]: crate::protocols::ssh::profile::SshProfile::legacy_compat
    pub fn new(legacy_compat: bool) -> IdentScanner {
        IdentScanner {
            line: Vec::new(),
            expect_nl: false,
            legacy_compat,
        }
    }

    /// Consumes bytes of `input` as sshd would read them. Returns how many were consumed (all,
    /// or up to and including the deciding byte) and the verdict once there is one.
    pub fn feed(&mut self, input: &[u8]) -> (usize, Option<Verdict>) {
        for (i, &c) in input.iter().enumerate() {
            let used = i + 1;
            match c {
                b'\r' => self.expect_nl = true,
                b'\n' => return (used, Some(self.decide())),
                0 => return (used, Some(Verdict::Reject(INVALID))),
                _ if self.expect_nl => return (used, Some(Verdict::Reject(INVALID))),
                _ => {
                    self.line.push(c);
                    if self.line.len() > MAX_LINE {
                        return (used, Some(Verdict::Reject(INVALID)));
                    }
                }
            }
        }
        (input.len(), None)
    }

    /// What sshd does with a complete line.
    fn decide(&mut self) -> Verdict {
        let line = std::mem::take(&mut self.line);
        // sshd refuses any line before the identification from a client.
        if line.len() <= 4 || !line.starts_with(b"SSH-") {
            return Verdict::Reject(INVALID);
        }
        let Some((major, minor, software)) = scan_version(&line) else {
            return Verdict::Reject(INVALID);
        };
        if !(major == 2 || (major == 1 && minor == 99)) {
            return Verdict::Reject(MISMATCH);
        }
        if hangs_up_on(software, self.legacy_compat) {
            return Verdict::HangUp;
        }
        let russh_takes = line.len() <= RUSSH_MAX_LINE
            && (line.starts_with(b"SSH-2.0-") || line.starts_with(b"SSH-1.99-"))
            && std::str::from_utf8(&line).is_ok();
        if russh_takes {
            Verdict::Accept(line)
        } else {
            Verdict::Unsupported(line)
        }
    }
}

/// `sscanf(line, "SSH-%d.%d-%[^\n]\n", …) == 3`: the major and minor numbers and the software
/// version (at least one byte). `%d` skips leading white space and takes an optional sign.
fn scan_version(line: &[u8]) -> Option<(i64, i64, &[u8])> {
    let rest = line.strip_prefix(b"SSH-")?;
    let (major, rest) = scan_int(rest)?;
    let rest = rest.strip_prefix(b".")?;
    let (minor, rest) = scan_int(rest)?;
    let software = rest.strip_prefix(b"-")?;
    (!software.is_empty()).then_some((major, minor, software))
}

/// A C `%d`: optional white space, optional sign, at least one digit. Saturates instead of
/// overflowing (glibc's result there is unspecified; any such number is a mismatch anyway).
fn scan_int(input: &[u8]) -> Option<(i64, &[u8])> {
    let start = input
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c'))
        .unwrap_or(input.len());
    let mut rest = input.get(start..)?;
    let negative = match rest.first() {
        Some(b'-') => true,
        Some(b'+') => false,
        _ => {
            return scan_digits(rest, false);
        }
    };
    rest = rest.get(1..)?;
    scan_digits(rest, negative)
}

fn scan_digits(input: &[u8], negative: bool) -> Option<(i64, &[u8])> {
    let len = input.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 {
        return None;
    }
    let (digits, rest) = input.split_at(len);
    let value = digits.iter().fold(0i64, |acc, d| {
        acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    Some((if negative { -value } else { value }, rest))
}

/// Client versions sshd's `compat_banner()` flags as a scanner (`SSH_BUG_SCANNER`) or a
/// probe (`SSH_BUG_PROBE`) and hangs up on.
const HANG_UP: &[&str] = &["*SSH_Version_Mapper*", "Probe-*"];

/// Patterns listed before those two in sshd's table: a version matching one of them gets
/// that entry's flags instead (first match wins).
const EARLIER: &[&str] = &[
    "OpenSSH*",
    "Sun_SSH_1.0*",
    "*MindTerm*",
    "3.0.*",
    "3.0 SecureCRT*",
    "1.7 SecureFX*",
    "Cisco-1.*",
];

/// The earlier patterns OpenSSH 9.3 dropped with support for ancient implementations.
const EARLIER_BEFORE_9_3: &[&str] = &[
    "1.2.18*",
    "1.2.19*",
    "1.2.20*",
    "1.2.21*",
    "1.2.22*",
    "1.3.2*",
    "*SSH Compatible Server*",
    "*OSU_0*",
    "OSU_1.0*",
    "OSU_1.1*",
    "OSU_1.2*",
    "OSU_1.3*",
    "OSU_1.4*",
    "OSU_1.5alpha1*",
    "OSU_1.5alpha2*",
    "OSU_1.5alpha3*",
];

/// Whether sshd closes silently on a client whose software version is `software`.
fn hangs_up_on(software: &[u8], legacy_compat: bool) -> bool {
    let matches = |patterns: &[&str]| patterns.iter().any(|p| glob(p.as_bytes(), software));
    matches(HANG_UP) && !matches(EARLIER) && !(legacy_compat && matches(EARLIER_BEFORE_9_3))
}

/// OpenSSH's `match_pattern()`: `*` matches any run, `?` any one byte, case-sensitive.
/// Iterative with one backtrack point, so linear-ish and never recursive on attacker input.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || Some(&c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|r| r.iter().all(|&c| c == b'*'))
}

/// Reads the client's identification from `stream` as sshd does, consuming exactly the bytes
/// sshd would have consumed. `None`: the client closed the connection first.
pub async fn read_ident(
    stream: &mut TcpStream,
    legacy_compat: bool,
) -> io::Result<Option<Verdict>> {
    let mut scanner = IdentScanner::new(legacy_compat);
    let mut window = [0u8; PEEK];
    loop {
        let seen = stream.peek(&mut window).await?;
        if seen == 0 {
            return Ok(None);
        }
        let (used, verdict) = scanner.feed(window.get(..seen).unwrap_or_default());
        // The peeked bytes are in the socket already, so this does not wait.
        stream
            .read_exact(window.get_mut(..used).unwrap_or_default())
            .await?;
        if verdict.is_some() {
            return Ok(verdict);
        }
    }
}

/// Writes sshd's answer `message` the way sshd does (the text, then CR LF, in two writes).
pub async fn reject(stream: &mut TcpStream, message: &str) -> io::Result<()> {
    stream.write_all(message.as_bytes()).await?;
    stream.write_all(b"\r\n").await
}

/// A stream for russh after the identification exchange: reads first replay the client's
/// line (with CR LF), and the first bytes written, if they are the banner already sent, are
/// swallowed, so russh's own banner write does not reach the client twice.
pub struct Prelude<S> {
    inner: S,
    replay: Vec<u8>,
    replayed: usize,
    swallow: Vec<u8>,
    swallowed: usize,
}

impl<S> Prelude<S> {
    /// Wraps `inner`: `line` (without its ending) is replayed to the reader, and `banner`
    /// (without CR LF) is expected as the first write and dropped.
    pub fn new(inner: S, line: &[u8], banner: &str) -> Prelude<S> {
        let mut replay = line.to_vec();
        replay.extend_from_slice(b"\r\n");
        let mut swallow = banner.as_bytes().to_vec();
        swallow.extend_from_slice(b"\r\n");
        Prelude {
            inner,
            replay,
            replayed: 0,
            swallow,
            swallowed: 0,
        }
    }

    /// Whether the whole banner write has been swallowed.
    pub fn banner_swallowed(&self) -> bool {
        self.swallowed >= self.swallow.len()
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// How much of `buf` is the next part of the banner to swallow (0 when not swallowing).
    fn swallowable(&mut self, buf: &[u8]) -> usize {
        let pending = self.swallow.get(self.swallowed..).unwrap_or_default();
        if pending.is_empty() || buf.is_empty() {
            return 0;
        }
        let n = pending.len().min(buf.len());
        if buf.get(..n) == pending.get(..n) {
            self.swallowed += n;
            n
        } else {
            // Not the banner after all: stop looking and let everything through.
            tracing::warn!("SSH layer wrote something other than the banner first.");
            self.swallowed = self.swallow.len();
            0
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prelude<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let pending = this.replay.get(this.replayed..).unwrap_or_default();
        if !pending.is_empty() && buf.remaining() > 0 {
            let n = pending.len().min(buf.remaining());
            buf.put_slice(pending.get(..n).unwrap_or_default());
            this.replayed += n;
            if this.replayed >= this.replay.len() {
                this.replay = Vec::new();
                this.replayed = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prelude<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let swallowed = this.swallowable(buf);
        if swallowed > 0 {
            return Poll::Ready(Ok(swallowed));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.banner_swallowed() {
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &b[..]);
            let swallowed = this.swallowable(first);
            if swallowed > 0 {
                return Poll::Ready(Ok(swallowed));
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
