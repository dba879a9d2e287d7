//! Request parsing: bytes from the socket to a [`Request`], or the reason a real server would
//! refuse them ([`ParseError`]).
//!
//! `httparse` parses the head; this module adds what it leaves to the server: the limits
//! (request line, one header line, the whole head, the body), the method rules of the imitated
//! server, HTTP/0.9 simple requests, and the body (`Content-Length` or chunked). Nothing here
//! allocates more than the limits allow or panics on any input.

use super::profile::ServerKind;

/// The HTTP version of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// A simple request: `GET /path` with no version; answered with the bare body.
    Http09,
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1`.
    Http11,
}

impl Version {
    /// As written on the request line (`HTTP/0.9` for a simple request).
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http09 => "HTTP/0.9",
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// How big a request may be; past these the imitated server's own error answers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest request line (nginx `large_client_header_buffers` 8k; Apache
    /// `LimitRequestLine` 8190).
    pub request_line: usize,
    /// Longest header line.
    pub header_line: usize,
    /// Largest whole head (request line and headers).
    pub head: usize,
    /// Most header fields (Apache `LimitRequestFields` 100).
    pub headers: usize,
    /// Largest body (nginx `client_max_body_size` 1m).
    pub body: usize,
}

/// One parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method as sent.
    pub method: String,
    /// The request target as sent (may hold any bytes but controls and spaces).
    pub target: Vec<u8>,
    /// The path part of the target, decoded lossily, without the query.
    pub path: String,
    /// The query without `?`, decoded lossily (empty if none).
    pub query: String,
    /// The version.
    pub version: Version,
    /// The headers in the order sent, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The first header called `name`, decoded lossily; empty if absent.
    pub fn header_text(&self, name: &str) -> String {
        self.header(name)
            .map(|v| String::from_utf8_lossy(v).trim().to_owned())
            .unwrap_or_default()
    }

    /// Whether the client wants the connection kept open after this request.
    pub fn wants_keep_alive(&self) -> bool {
        let connection = self.header_text("connection").to_ascii_lowercase();
        match self.version {
            Version::Http09 => false,
            Version::Http10 => connection.contains("keep-alive"),
            Version::Http11 => !connection.contains("close"),
        }
    }

    /// The `Host` header without a port, or `None`.
    pub fn host_name(&self) -> Option<String> {
        let host = self.header_text("host");
        if host.is_empty() {
            return None;
        }
        let name = if host.starts_with('[') {
            host.split(']').next().map(|h| format!("{h}]"))
        } else {
            host.split(':').next().map(str::to_owned)
        };
        name.filter(|n| !n.is_empty())
    }

    /// A form field of an `application/x-www-form-urlencoded` body (or the query), decoded.
    pub fn form_field(&self, name: &str) -> Option<String> {
        form_value(&self.body, name).or_else(|| form_value(self.query.as_bytes(), name))
    }

    /// A query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_value(self.query.as_bytes(), name)
    }
}

/// Why a request was refused before it reached the site, each answered as the imitated
/// server answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not HTTP, or broken HTTP: 400.
    BadRequest,
    /// The request line is too long: 414.
    UriTooLong,
    /// One header line or the whole head is too long: nginx "400 Request Header Or Cookie Too
    /// Large", Apache's 400 "Size of a request header field exceeds server limit".
    HeaderTooLarge,
    /// More header fields than allowed (Apache: 400 "too many request header fields").
    TooManyHeaders,
    /// The body is larger than allowed: 413.
    BodyTooLarge {
        /// The method, for the log.
        method: String,
        /// The path, which Apache's 413 page names.
        path: String,
    },
    /// The request did not arrive in time: Apache 408, nginx closes without a word.
    TimedOut,
    /// Not HTTP at all (a TLS hello, binary): nginx 400, Apache closes without a word.
    NotHttp,
    /// An HTTP major version above 1: nginx 505 (Apache serves it as 1.1).
    VersionNotSupported,
    /// A transfer coding the server does not know: 501.
    NotImplemented {
        /// The method, for the log.
        method: String,
        /// The path.
        path: String,
    },
}

/// What a buffer holds so far.
#[derive(Debug)]
pub enum Parsed {
    /// Not a whole request yet: read more.
    Incomplete,
    /// A whole request, and how many bytes of the buffer it took.
    Complete(Box<Request>, usize),
    /// A request the server refuses; the connection closes after the answer.
    Error(ParseError),
}

/// Parses the first request in `buf` under `limits`, with the method rules of `server`.
pub fn parse(buf: &[u8], limits: &Limits, server: ServerKind) -> Parsed {
    // Empty lines before a request are skipped, as both servers skip them.
    let blank = buf
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    if blank > 0 {
        if blank > limits.request_line {
            return Parsed::Error(ParseError::BadRequest);
        }
        return match parse_request(&buf[blank..], limits, server) {
            Parsed::Complete(req, used) => Parsed::Complete(req, used + blank),
            other => other,
        };
    }
    parse_request(buf, limits, server)
}

fn parse_request(buf: &[u8], limits: &Limits, server: ServerKind) -> Parsed {
    // Garbage gets its answer at once, as nginx and Apache answer as soon as the request
    // line cannot be a request line (a TLS hello, a binary probe).
    let line_end = buf.iter().position(|&b| b == b'\n');
    let first_line = match line_end {
        Some(end) => &buf[..end],
        None => buf,
    };
    if let Some(err) = check_method_prefix(first_line, server) {
        return Parsed::Error(err);
    }
    let Some(line_end) = line_end else {
        if buf.len() > limits.request_line {
            return Parsed::Error(ParseError::UriTooLong);
        }
        return Parsed::Incomplete;
    };
    if line_end > limits.request_line {
        return Parsed::Error(ParseError::UriTooLong);
    }
    let line = strip_cr(first_line);
    // HTTP/0.9: `GET /path` and nothing else.
    let words: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    if words.len() == 2 {
        if words[0] == b"GET" && words[1].first() == Some(&b'/') {
            let target = words[1].to_vec();
            let (path, query) = split_target(&target);
            return Parsed::Complete(
                Box::new(Request {
                    method: "GET".into(),
                    target,
                    path,
                    query,
                    version: Version::Http09,
                    headers: Vec::new(),
                    body: Vec::new(),
                }),
                line_end + 1,
            );
        }
        return Parsed::Error(ParseError::BadRequest);
    }
    let head_end = find_head_end(buf);
    // Header lines: each within its limit, all within the head limit.
    let head_part = &buf[line_end + 1..head_end.unwrap_or(buf.len())];
    let longest = head_part
        .split(|&b| b == b'\n')
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    if longest > limits.header_line {
        return Parsed::Error(ParseError::HeaderTooLarge);
    }
    let Some(head_end) = head_end else {
        if buf.len() > limits.head {
            return Parsed::Error(ParseError::HeaderTooLarge);
        }
        return Parsed::Incomplete;
    };
    if head_end > limits.head {
        return Parsed::Error(ParseError::HeaderTooLarge);
    }
    // The request line is ours: httparse insists on a UTF-8 target, servers take any bytes.
    let Some((method, target, version, newer)) = request_line(line) else {
        return Parsed::Error(ParseError::BadRequest);
    };
    // Apache's `HttpProtocolOptions Strict`: single spaces only.
    if server == ServerKind::Apache && line.windows(2).any(|w| w == b"  ") {
        return Parsed::Error(ParseError::BadRequest);
    }
    if !method_allowed(&method, server) {
        return Parsed::Error(ParseError::BadRequest);
    }
    // nginx has no `*` resource at all.
    if server == ServerKind::Nginx && target == b"*" {
        return Parsed::Error(ParseError::BadRequest);
    }
    let target = match normalise_target(target, &method) {
        Some(t) => t,
        None => return Parsed::Error(ParseError::BadRequest),
    };
    if newer && server == ServerKind::Nginx {
        return Parsed::Error(ParseError::VersionNotSupported);
    }
    let mut slots = vec![httparse::EMPTY_HEADER; limits.headers];
    let head_len = match httparse::parse_headers(&buf[line_end + 1..head_end], &mut slots) {
        Ok(httparse::Status::Complete((n, _))) => line_end + 1 + n,
        Ok(httparse::Status::Partial) => return Parsed::Error(ParseError::BadRequest),
        Err(httparse::Error::TooManyHeaders) => {
            return Parsed::Error(match server {
                ServerKind::Nginx => ParseError::HeaderTooLarge,
                ServerKind::Apache => ParseError::TooManyHeaders,
            });
        }
        Err(_) => return Parsed::Error(ParseError::BadRequest),
    };
    let headers: Vec<(String, Vec<u8>)> = slots
        .iter()
        .take_while(|h| !h.name.is_empty())
        .map(|h| (h.name.to_owned(), h.value.to_vec()))
        .collect();
    let (path, query) = split_target(&target);
    let mut request = Request {
        method,
        target,
        path,
        query,
        version,
        headers,
        body: Vec::new(),
    };
    if version == Version::Http11 && request.header("host").is_none() {
        // Both servers refuse an HTTP/1.1 request without Host.
        return Parsed::Error(ParseError::BadRequest);
    }
    match body(&buf[head_len..], &request, limits) {
        Body::Incomplete => Parsed::Incomplete,
        Body::Error(err) => Parsed::Error(err),
        Body::Complete(body, used) => {
            request.body = body;
            Parsed::Complete(Box::new(request), head_len + used)
        }
    }
}

/// `METHOD SP target SP HTTP/x.y`: the method, the target, the version (HTTP/1.x for any
/// minor version above 0 is 1.1, as both servers take it) and whether the major version is
/// above 1. `None` if malformed.
fn request_line(line: &[u8]) -> Option<(String, &[u8], Version, bool)> {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let (method, target, version) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() || !target.iter().all(|&b| b > b' ' && b != 0x7f) {
        return None;
    }
    let (version, newer) = match version {
        b"HTTP/1.0" => (Version::Http10, false),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() && *major != b'0' =>
        {
            (Version::Http11, *major > b'1')
        }
        _ => return None,
    };
    let method = std::str::from_utf8(method).ok()?.to_owned();
    Some((method, target, version, newer))
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Refuses a first line whose method part already cannot be a method.
fn check_method_prefix(line: &[u8], server: ServerKind) -> Option<ParseError> {
    let method_end = line
        .iter()
        .position(|&b| b == b' ' || b == b'\r')
        .unwrap_or(line.len());
    let method = &line[..method_end];
    if method.len() > 32 {
        return Some(ParseError::BadRequest);
    }
    if method_end < line.len() && method.is_empty() {
        return Some(ParseError::BadRequest);
    }
    if !method.iter().all(|&b| is_token(b)) {
        return Some(ParseError::NotHttp);
    }
    // nginx takes only upper-case letters, `_` and `-`.
    let ok = server == ServerKind::Apache
        || method
            .iter()
            .all(|&b| b.is_ascii_uppercase() || b == b'_' || b == b'-');
    (!ok).then_some(ParseError::BadRequest)
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// nginx accepts only upper-case letters, `_` and `-` in a method; Apache any token.
fn method_allowed(method: &str, server: ServerKind) -> bool {
    !method.is_empty()
        && match server {
            ServerKind::Nginx => method
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-'),
            ServerKind::Apache => method.bytes().all(is_token),
        }
}

/// An origin-form target as is; an absolute-form target (`http://host/path`) reduced to its
/// path; `*` only for OPTIONS. `None` for anything else.
fn normalise_target(target: &[u8], method: &str) -> Option<Vec<u8>> {
    if target.first() == Some(&b'/') {
        return Some(target.to_vec());
    }
    if target == b"*" {
        return (method == "OPTIONS").then(|| target.to_vec());
    }
    let lower: Vec<u8> = target.iter().take(8).map(u8::to_ascii_lowercase).collect();
    let rest = if lower.starts_with(b"http://") {
        &target[7..]
    } else if lower.starts_with(b"https://") {
        &target[8..]
    } else {
        return None;
    };
    match rest.iter().position(|&b| b == b'/' || b == b'?') {
        Some(i) if rest[i] == b'/' => Some(rest[i..].to_vec()),
        Some(i) => {
            let mut t = b"/".to_vec();
            t.extend_from_slice(&rest[i..]);
            Some(t)
        }
        None => Some(b"/".to_vec()),
    }
}

fn split_target(target: &[u8]) -> (String, String) {
    match target.iter().position(|&b| b == b'?') {
        Some(i) => (
            String::from_utf8_lossy(&target[..i]).into_owned(),
            String::from_utf8_lossy(&target[i + 1..]).into_owned(),
        ),
        None => (String::from_utf8_lossy(target).into_owned(), String::new()),
    }
}

/// Where the head ends (after the blank line), accepting bare LF like both servers.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

enum Body {
    Incomplete,
    Complete(Vec<u8>, usize),
    Error(ParseError),
}

fn body(rest: &[u8], request: &Request, limits: &Limits) -> Body {
    let too_large = || {
        Body::Error(ParseError::BodyTooLarge {
            method: request.method.clone(),
            path: request.path.clone(),
        })
    };
    let coding = request
        .header_text("transfer-encoding")
        .to_ascii_lowercase();
    if !coding.is_empty() {
        if coding != "chunked" || request.version == Version::Http10 {
            return Body::Error(ParseError::NotImplemented {
                method: request.method.clone(),
                path: request.path.clone(),
            });
        }
        return match dechunk(rest, limits.body) {
            Chunked::Incomplete => Body::Incomplete,
            Chunked::TooLarge => too_large(),
            Chunked::Bad => Body::Error(ParseError::BadRequest),
            Chunked::Done(body, used) => Body::Complete(body, used),
        };
    }
    let Some(length) = request.header("content-length") else {
        return Body::Complete(Vec::new(), 0);
    };
    let text = String::from_utf8_lossy(length);
    let Ok(length) = text.trim().parse::<u64>() else {
        return Body::Error(ParseError::BadRequest);
    };
    if length > limits.body as u64 {
        return too_large();
    }
    // Invariant: length <= limits.body, a usize.
    let length = length as usize;
    if rest.len() < length {
        return Body::Incomplete;
    }
    Body::Complete(rest[..length].to_vec(), length)
}

enum Chunked {
    Incomplete,
    TooLarge,
    Bad,
    Done(Vec<u8>, usize),
}

fn dechunk(buf: &[u8], max: usize) -> Chunked {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let Some(nl) = buf[pos..].iter().position(|&b| b == b'\n') else {
            return if buf.len() - pos > 1024 {
                Chunked::Bad
            } else {
                Chunked::Incomplete
            };
        };
        let line = strip_cr(&buf[pos..pos + nl]);
        let size_text = line.split(|&b| b == b';').next().unwrap_or(b"");
        let size_text = String::from_utf8_lossy(size_text);
        let Ok(size) = usize::from_str_radix(size_text.trim(), 16) else {
            return Chunked::Bad;
        };
        pos += nl + 1;
        if size == 0 {
            // Trailers until a blank line.
            loop {
                let Some(nl) = buf[pos..].iter().position(|&b| b == b'\n') else {
                    return Chunked::Incomplete;
                };
                let blank = strip_cr(&buf[pos..pos + nl]).is_empty();
                pos += nl + 1;
                if blank {
                    return Chunked::Done(body, pos);
                }
            }
        }
        if size > max || body.len() + size > max {
            return Chunked::TooLarge;
        }
        if buf.len() < pos + size + 1 {
            return Chunked::Incomplete;
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        pos += size;
        match buf.get(pos..pos + 2) {
            Some(b"\r\n") => pos += 2,
            Some([b'\n', _]) => pos += 1,
            Some(_) => return Chunked::Bad,
            None if buf.get(pos) == Some(&b'\n') => pos += 1,
            None if buf.get(pos) == Some(&b'\r') => return Chunked::Incomplete,
            None => return Chunked::Bad,
        }
    }
}

/// What can be made of a refused request's first bytes, for the record: the request line's
/// words and the complete header lines that look like headers (bounded).
pub fn salvage(buf: &[u8]) -> Request {
    let buf = &buf[..buf.len().min(16 * 1024)];
    let mut lines = buf.split(|&b| b == b'\n').map(strip_cr);
    let first = lines.next().unwrap_or_default();
    let mut words = first.splitn(3, |&b| b == b' ');
    let method = String::from_utf8_lossy(words.next().unwrap_or_default());
    let target = words.next().unwrap_or_default().to_vec();
    let version = match words.next() {
        Some(b"HTTP/1.0") => Version::Http10,
        Some(_) => Version::Http11,
        None if target.is_empty() => Version::Http11,
        None => Version::Http09,
    };
    let (path, query) = split_target(&target);
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let colon = l.iter().position(|&b| b == b':')?;
            let name = String::from_utf8_lossy(&l[..colon]).into_owned();
            let value = l[colon + 1..].trim_ascii().to_vec();
            Some((name, value))
        })
        .take(64)
        .collect();
    Request {
        method: method.chars().take(32).collect(),
        target,
        path,
        query,
        version,
        headers,
        body: Vec::new(),
    }
}

/// The value of `name` in a urlencoded string, decoded (`+` is a space).
pub fn form_value(form: &[u8], name: &str) -> Option<String> {
    for pair in form.split(|&b| b == b'&') {
        let mut it = pair.splitn(2, |&b| b == b'=');
        let key = percent_decode(it.next().unwrap_or(b""));
        if key == name {
            return Some(percent_decode(it.next().unwrap_or(b"")));
        }
    }
    None
}

/// Decodes `%XX` and `+`, lossily.
pub fn percent_decode(text: &[u8]) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
