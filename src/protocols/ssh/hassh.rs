//! Reading the client identification string and KEXINIT off the wire, and its HASSH.
//!
//! russh parses the client's KEXINIT but does not hand it to the handler, so [`WireTap`] wraps
//! the accepted TCP stream and lets [`HelloParser`] look at the first inbound bytes: the
//! `SSH-2.0-…` line (RFC 4253 §4.2) and the first binary packet, which must be the client's
//! `SSH_MSG_KEXINIT` (§7.1). What it finds is handed, as [`WireEvent`]s, to the function the tap
//! was made with, from within the read that found it; then the tap stops looking and only
//! passes bytes through.
//!
//! HASSH (salesforce/hassh) fingerprints the client implementation: the MD5 of
//! `kex;enc_c2s;mac_c2s;comp_c2s`, each list comma-joined as the client sent it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::events::ClientKex;

/// Most inbound bytes looked at. A real client's identification line and KEXINIT take 2-3 KiB.
const MAX_OBSERVED: usize = 64 * 1024;
/// Longest identification (or pre-identification) line, without its line ending. RFC 4253 §4.2
/// allows 255 characters including CR LF; OpenSSH is as strict.
const MAX_LINE: usize = 255;
/// `SSH_MSG_KEXINIT`.
const MSG_KEXINIT: u8 = 20;
/// KEXINIT's random cookie.
const COOKIE_LEN: usize = 16;

/// What the tap saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireEvent {
    /// The client's identification line, without its line ending (`SSH-2.0-OpenSSH_9.2p1 …`).
    /// Invalid UTF-8 is replaced with U+FFFD.
    ClientVersion(String),
    /// The client's first KEXINIT, with its HASSH (boxed: the variant stays small).
    ClientKex(Box<ClientKex>),
}

/// Wraps a stream; passes every byte through unchanged, and parses the inbound bytes until the
/// first KEXINIT has been seen (or 64 KiB, or garbage), then stops looking (no overhead
/// afterwards). Each finding is reported once, to the function given to [`WireTap::new`].
pub struct WireTap<S> {
    inner: S,
    /// `None` once the parser is done or the stream ended.
    tap: Option<Box<Tap>>,
}

/// The looking part of a [`WireTap`], dropped when done.
struct Tap {
    parser: HelloParser,
    report: Box<dyn FnMut(WireEvent) + Send>,
}

impl<S> WireTap<S> {
    /// Wraps `inner`; each finding is passed to `report` as soon as it is read (no channel,
    /// no task to wake: the node's event inbox takes it directly).
    pub fn new(inner: S, report: impl FnMut(WireEvent) + Send + 'static) -> Self {
        WireTap {
            inner,
            tap: Some(Box::new(Tap {
                parser: HelloParser::new(),
                report: Box::new(report),
            })),
        }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WireTap<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(tap)) = (&poll, &mut this.tap) {
            let new = buf.filled().get(before..).unwrap_or_default();
            if new.is_empty() {
                // End of stream: nothing more to see.
                this.tap = None;
            } else {
                for event in tap.parser.feed(new) {
                    (tap.report)(event);
                }
                if tap.parser.done() {
                    this.tap = None;
                }
            }
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WireTap<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Where the parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading lines until one starts with `SSH-`.
    Identification,
    /// Collecting the first binary packet; `start` is how many bytes came before it.
    Packet { start: usize },
    /// Finished: found the KEXINIT, hit the byte limit, or saw something that is not SSH.
    Done,
}

/// Pure incremental parser used by the tap (feed bytes; yields findings); must never panic on
/// any input.
#[derive(Debug)]
pub struct HelloParser {
    state: State,
    /// Bytes fed so far, up to the limit.
    seen: usize,
    /// The current line, or the first packet's bytes so far.
    buf: Vec<u8>,
}

impl Default for HelloParser {
    fn default() -> Self {
        HelloParser::new()
    }
}

/// What a partial first packet amounts to.
enum PacketParse {
    NeedMore,
    Kex(ClientKex),
    Garbage,
}

impl HelloParser {
    /// A parser at the start of a connection.
    pub fn new() -> Self {
        HelloParser {
            state: State::Identification,
            seen: 0,
            buf: Vec::new(),
        }
    }

    /// Whether the parser has finished; it then ignores anything fed.
    pub fn done(&self) -> bool {
        self.state == State::Done
    }

    /// Feeds the next inbound bytes; returns what they completed, in wire order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<WireEvent> {
        let mut events = Vec::new();
        let mut input = bytes;
        while !input.is_empty() {
            match self.state {
                State::Done => break,
                State::Identification => input = self.feed_line(input, &mut events),
                State::Packet { start } => {
                    let room = MAX_OBSERVED.saturating_sub(self.seen);
                    let take = input.len().min(room);
                    let (now, rest) = input.split_at(take);
                    self.buf.extend_from_slice(now);
                    self.seen += take;
                    input = rest;
                    match parse_first_packet(&self.buf, MAX_OBSERVED.saturating_sub(start)) {
                        PacketParse::Kex(kex) => {
                            events.push(WireEvent::ClientKex(Box::new(kex)));
                            self.finish();
                        }
                        PacketParse::Garbage => self.finish(),
                        PacketParse::NeedMore if self.seen >= MAX_OBSERVED => self.finish(),
                        PacketParse::NeedMore => {}
                    }
                }
            }
        }
        events
    }

    /// Consumes identification-phase bytes up to and including one line ending, or all of
    /// `input`; returns the rest.
    fn feed_line<'a>(&mut self, input: &'a [u8], events: &mut Vec<WireEvent>) -> &'a [u8] {
        let (chunk, rest, complete) = match input.iter().position(|&b| b == b'\n') {
            Some(end) => (
                input.get(..end).unwrap_or_default(),
                input.get(end + 1..),
                true,
            ),
            None => (input, None, false),
        };
        self.seen = self
            .seen
            .saturating_add(chunk.len() + usize::from(complete));
        // +1: a CR before the LF is not part of the line's length.
        if self.buf.len() + chunk.len() > MAX_LINE + 1 || self.seen > MAX_OBSERVED {
            self.finish();
            return &[];
        }
        self.buf.extend_from_slice(chunk);
        if !complete {
            return &[];
        }
        let line = self.buf.strip_suffix(b"\r").unwrap_or(&self.buf);
        if line.len() > MAX_LINE {
            self.finish();
            return &[];
        }
        if line.starts_with(b"SSH-") {
            events.push(WireEvent::ClientVersion(
                String::from_utf8_lossy(line).into_owned(),
            ));
            self.state = State::Packet { start: self.seen };
        }
        // Lines before the identification are skipped (RFC 4253 §4.2).
        self.buf.clear();
        rest.unwrap_or_default()
    }

    fn finish(&mut self) {
        self.state = State::Done;
        self.buf = Vec::new();
    }
}

/// Parses the first binary packet from its first bytes. `limit` is the most bytes it may take.
fn parse_first_packet(buf: &[u8], limit: usize) -> PacketParse {
    let mut reader = Reader(buf);
    let Some(length) = reader.u32() else {
        return PacketParse::NeedMore;
    };
    let length = length as usize;
    // Room for the padding-length byte and a message number at least.
    if length < 2 || length.saturating_add(4) > limit {
        return PacketParse::Garbage;
    }
    let Some(padding) = reader.byte() else {
        return PacketParse::NeedMore;
    };
    let Some(payload_len) = length
        .checked_sub(1 + usize::from(padding))
        .filter(|&n| n > 0)
    else {
        return PacketParse::Garbage;
    };
    match reader.take(payload_len) {
        Some(payload) if buf.len() >= length + 4 => match parse_kexinit(payload) {
            Some(kex) => PacketParse::Kex(kex),
            None => PacketParse::Garbage,
        },
        _ => PacketParse::NeedMore,
    }
}

/// Reads a KEXINIT payload's name-lists, or `None` if it is not one.
fn parse_kexinit(payload: &[u8]) -> Option<ClientKex> {
    let mut reader = Reader(payload);
    if reader.byte()? != MSG_KEXINIT {
        return None;
    }
    reader.take(COOKIE_LEN)?;
    let mut lists: [Vec<String>; 10] = Default::default();
    for list in &mut lists {
        *list = reader.name_list()?;
    }
    // first_kex_packet_follows and the reserved word are not needed.
    let [
        kex,
        key,
        enc_cs,
        _enc_sc,
        mac_cs,
        _mac_sc,
        comp_cs,
        _comp_sc,
        lang_cs,
        _lang_sc,
    ] = lists;
    Some(client_kex(&kex, &key, &enc_cs, &mac_cs, &comp_cs, &lang_cs))
}

/// A cursor over bytes that never reads past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).and_then(|b| b.first().copied())
    }

    fn u32(&mut self) -> Option<u32> {
        let bytes: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(u32::from_be_bytes(bytes))
    }

    /// An SSH name-list: uint32 length, then comma-separated names. Empty means no names.
    fn name_list(&mut self) -> Option<Vec<String>> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        if bytes.is_empty() {
            return Some(Vec::new());
        }
        Some(
            bytes
                .split(|&b| b == b',')
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect(),
        )
    }
}

/// HASSH of a KEXINIT payload's name-lists.
pub fn client_kex(
    kex: &[String],
    key: &[String],
    enc_cs: &[String],
    mac_cs: &[String],
    comp_cs: &[String],
    lang_cs: &[String],
) -> ClientKex {
    let hassh_algorithms = [kex, enc_cs, mac_cs, comp_cs]
        .map(|list| list.join(","))
        .join(";");
    let hassh = hex::encode(Md5::digest(hassh_algorithms.as_bytes()));
    ClientKex {
        hassh,
        hassh_algorithms,
        kex_algs: kex.to_vec(),
        key_algs: key.to_vec(),
        enc_cs: enc_cs.to_vec(),
        mac_cs: mac_cs.to_vec(),
        comp_cs: comp_cs.to_vec(),
        lang_cs: lang_cs.to_vec(),
    }
}

#[cfg(test)]
mod tests;
