//! Reading an HTTP/1.x response off the wire, as a client does: the status line and headers
//! (`httparse`), then a body delimited by `Transfer-Encoding: chunked`, `Content-Length` or the
//! end of the connection. Both replay modes read the decoy's answer through this, so they see
//! the same status, headers and body.

/// Largest response read (bytes); the decoy's pages are far smaller.
pub const MAX_RESPONSE: usize = 16 << 20;

/// Most header fields read.
const MAX_HEADERS: usize = 128;

/// A response as a client saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WireResponse {
    /// The status code (0: nothing answered).
    pub status: u16,
    /// The header fields in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

/// What reading so far gives.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// A whole response.
    Done(WireResponse),
    /// More bytes are needed.
    More,
    /// Not an HTTP response.
    Broken,
}

/// Reads the response at the start of `buf`, the answer to a `HEAD` request if `head`; `eof`
/// says no more bytes will come (a body delimited by the close ends there).
pub fn read(buf: &[u8], head: bool, eof: bool) -> Read {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut fields);
    let used = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) => return if eof { Read::Broken } else { Read::More },
        Err(_) => return Read::Broken,
    };
    let status = parsed.code.unwrap_or(0);
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).trim().to_owned(),
            )
        })
        .collect();
    let field = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let rest = &buf[used..];
    let done = |body: Vec<u8>| {
        Read::Done(WireResponse {
            status,
            headers: headers.clone(),
            body,
        })
    };
    if head || status < 200 || status == 204 || status == 304 {
        return done(Vec::new());
    }
    if field("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return match dechunk(rest) {
            Some(body) => done(body),
            None if eof => Read::Broken,
            None => Read::More,
        };
    }
    if let Some(length) = field("content-length") {
        let Ok(length) = length.parse::<usize>() else {
            return Read::Broken;
        };
        return if rest.len() >= length {
            done(rest[..length].to_vec())
        } else if eof {
            Read::Broken
        } else {
            Read::More
        };
    }
    if eof { done(rest.to_vec()) } else { Read::More }
}

/// The body of a whole chunked message, or `None` if it is not all there (or not chunked).
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&rest[..end]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[end + 2..];
        if size == 0 {
            return Some(body);
        }
        if size > MAX_RESPONSE.saturating_sub(body.len()) || rest.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn any_bytes_are_read_without_panicking(
            head in "(HTTP/1\\.1 [0-9]{3} OK\r\n)?((Transfer-Encoding: chunked|Content-Length: [0-9]{1,20})\r\n)?\r\n",
            rest in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            chunk in "[0-9a-fA-F]{0,20}(;x)?\r\n",
            is_head: bool,
            eof: bool,
        ) {
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(chunk.as_bytes());
            bytes.extend_from_slice(&rest);
            read(&bytes, is_head, eof);
            read(&rest, is_head, eof);
        }
    }

    #[test]
    fn lengths_chunks_and_the_close_delimit_bodies() {
        let fixed = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello";
        let Read::Done(r) = read(fixed, false, false) else {
            panic!("whole")
        };
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
        assert_eq!(r.headers[0], ("Server".into(), "nginx".into()));
        assert_eq!(read(&fixed[..fixed.len() - 1], false, false), Read::More);
        let chunked = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let Read::Done(r) = read(chunked, false, false) else {
            panic!("chunked")
        };
        assert_eq!((r.status, r.body.as_slice()), (404, &b"abcde"[..]));
        let closed = b"HTTP/1.0 200 OK\r\n\r\nuntil the end";
        assert_eq!(read(closed, false, false), Read::More);
        let Read::Done(r) = read(closed, false, true) else {
            panic!("closed")
        };
        assert_eq!(r.body, b"until the end");
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 612\r\n\r\n";
        assert!(matches!(read(head, true, false), Read::Done(r) if r.body.is_empty()));
        assert_eq!(read(b"SSH-2.0-x\r\n", false, true), Read::Broken);
    }
}
