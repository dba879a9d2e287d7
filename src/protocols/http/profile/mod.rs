//! Server mimicry: which web server a lure runs on, and everything that server does on its own.
//!
//! A scanner tells nginx from Apache (and both from a honeypot) by what the server writes
//! itself: the `Server` header, the order and casing of the headers it adds, its status
//! reasons ("405 Not Allowed" versus "405 Method Not Allowed"), its error pages byte for
//! byte, how it answers HEAD, OPTIONS, HTTP/0.9, malformed requests and oversized ones, and
//! its keep-alive rules. Each [`ServerKind`] reproduces the stock Ubuntu 22.04 package:
//! `nginx/1.18.0 (Ubuntu)` ([`nginx`]) and `Apache/2.4.52 (Ubuntu)` ([`apache`]).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::request::{Limits, ParseError, Version};
use super::response::{BodyKind, Response};

pub mod apache;
pub mod nginx;

/// The web server a lure is served by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Ubuntu 22.04's nginx 1.18.0.
    Nginx,
    /// Ubuntu 22.04's Apache 2.4.52.
    Apache,
}

/// What the server needs to know about the request it answers, beyond the response.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    /// The request's version (`HTTP/0.9` gets the bare body).
    pub version: Version,
    /// A HEAD request: headers only, with the body's length.
    pub head: bool,
    /// Whether the connection stays open after this answer.
    pub keep_alive: bool,
    /// The `Date` header's time.
    pub date: DateTime<Utc>,
    /// Requests this connection may still make after this one (Apache's `Keep-Alive: max=`).
    pub requests_left: u32,
}

/// What an error page names: Apache's footer has the host and port, some pages the method or
/// the path.
#[derive(Debug, Clone, Default)]
pub struct ErrorCtx {
    /// The `Host` the client asked for (or the server's address).
    pub host: String,
    /// The port the client connected to.
    pub port: u16,
    /// The request's method.
    pub method: String,
    /// The request's path.
    pub path: String,
}

impl ServerKind {
    /// The `Server` header (and the error pages' footer).
    pub fn banner(self) -> &'static str {
        match self {
            ServerKind::Nginx => nginx::BANNER,
            ServerKind::Apache => apache::BANNER,
        }
    }

    /// The request size limits of the stock configuration.
    pub fn limits(self) -> Limits {
        match self {
            // large_client_header_buffers 4 8k; client_max_body_size 1m.
            ServerKind::Nginx => Limits {
                request_line: 8 * 1024,
                header_line: 8 * 1024,
                head: 32 * 1024,
                headers: 256,
                body: 1024 * 1024,
            },
            // LimitRequestLine / LimitRequestFieldSize 8190, LimitRequestFields 100. The body
            // limit is ours (Apache's is 1 GiB); past it, Apache's own 413.
            ServerKind::Apache => Limits {
                request_line: 8190,
                header_line: 8190,
                head: 100 * 8192,
                headers: 100,
                body: 1024 * 1024,
            },
        }
    }

    /// How long a kept-alive connection may idle before the server closes it
    /// (`keepalive_timeout 65` / `KeepAliveTimeout 5`).
    pub fn keep_alive_timeout(self) -> Duration {
        match self {
            ServerKind::Nginx => Duration::from_secs(65),
            ServerKind::Apache => Duration::from_secs(5),
        }
    }

    /// How long a started request may take to arrive (`client_header_timeout 60` /
    /// `RequestReadTimeout header=20-40`).
    pub fn request_timeout(self) -> Duration {
        match self {
            ServerKind::Nginx => Duration::from_secs(60),
            ServerKind::Apache => Duration::from_secs(20),
        }
    }

    /// Most requests on one connection (`keepalive_requests 100` in 1.18 /
    /// `MaxKeepAliveRequests 100`).
    pub fn max_requests(self) -> u32 {
        100
    }

    /// What the server answers when a started request does not arrive in time: Apache sends
    /// 408, nginx closes without a word.
    pub fn timeout_answer(self, ctx: &ErrorCtx) -> Response {
        let mut response = self.error(408, ctx);
        response.close = true;
        response.silent = self == ServerKind::Nginx;
        response
    }

    /// The server's own error page for `status`.
    pub fn error(self, status: u16, ctx: &ErrorCtx) -> Response {
        match self {
            ServerKind::Nginx => nginx::error(status),
            ServerKind::Apache => apache::error(status, ctx),
        }
    }

    /// The server's own redirect (a directory requested without its slash): nginx's and
    /// Apache's redirect pages, not an application's empty body.
    pub fn redirect(self, status: u16, location: &str, ctx: &ErrorCtx) -> Response {
        let response = match self {
            ServerKind::Nginx => nginx::error(status),
            ServerKind::Apache => apache::redirect(status, location, ctx),
        };
        response.with_header("Location", &clean_value(location))
    }

    /// The server's answer to a request it refused while reading it. The connection closes.
    pub fn parse_error(self, err: &ParseError, ctx: &ErrorCtx) -> Response {
        if *err == ParseError::TimedOut {
            return self.timeout_answer(ctx);
        }
        let mut response = match self {
            ServerKind::Nginx => nginx::parse_error(err),
            ServerKind::Apache => apache::parse_error(err, ctx),
        };
        response.close = true;
        response
    }

    /// The answer to OPTIONS on a resource: nginx's static handler refuses it (405), Apache
    /// lists the methods.
    pub fn options(self, ctx: &ErrorCtx) -> Response {
        match self {
            ServerKind::Nginx => nginx::error(405),
            ServerKind::Apache => {
                let _ = ctx;
                let mut response = Response::dynamic(200, "text/html", Vec::new());
                response
                    .headers
                    .push(("Allow".into(), "OPTIONS,HEAD,GET,POST".into()));
                response
            }
        }
    }

    /// The answer to a method the server's static handler does not take on an existing
    /// file: nginx 405; Apache 405 for a known method, 501 for one it has never heard of.
    pub fn method_not_allowed(self, ctx: &ErrorCtx) -> Response {
        match self {
            ServerKind::Nginx => nginx::error(405),
            ServerKind::Apache if apache::known_method(&ctx.method) => {
                let mut response = apache::error(405, ctx);
                response.close = false;
                response.with_header("Allow", "OPTIONS,HEAD,GET,POST")
            }
            ServerKind::Apache => {
                apache::error(501, ctx).with_header("Allow", "OPTIONS,HEAD,GET,POST")
            }
        }
    }

    /// The response as bytes on the wire.
    pub fn write(self, response: &Response, ctx: &WriteCtx) -> Vec<u8> {
        if ctx.version == Version::Http09 {
            // A simple request gets the bare body, from either server.
            return if ctx.head {
                Vec::new()
            } else {
                response.body.clone()
            };
        }
        let head = match self {
            ServerKind::Nginx => nginx::head(response, ctx),
            ServerKind::Apache => apache::head(response, ctx),
        };
        let mut out = head.into_bytes();
        if ctx.head {
            return out;
        }
        if self.chunks(response, ctx.version) {
            if !response.body.is_empty() {
                out.extend_from_slice(format!("{:x}\r\n", response.body.len()).as_bytes());
                out.extend_from_slice(&response.body);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        } else {
            out.extend_from_slice(&response.body);
        }
        out
    }

    /// Whether the body goes out chunked: nginx relays an application's page (FastCGI sends
    /// no length) chunked to an HTTP/1.1 client.
    pub fn chunks(self, response: &Response, version: Version) -> bool {
        self == ServerKind::Nginx
            && response.kind == BodyKind::Dynamic
            && version == Version::Http11
            && !matches!(response.status, 204 | 304)
    }

    /// Whether the connection must close after `response` whatever the client wants: nginx
    /// relays an application's page to an HTTP/1.0 client without a length, so only the close
    /// ends it.
    pub fn must_close(self, response: &Response, version: Version) -> bool {
        self == ServerKind::Nginx
            && response.kind == BodyKind::Dynamic
            && version == Version::Http10
    }
}

impl ServerKind {
    /// The `ETag` this server gives a file of `length` bytes modified at `modified`: nginx
    /// `"mtime-length"`, Apache `"length-mtime in microseconds"`, both in hex.
    pub fn etag(self, modified: i64, length: usize) -> String {
        match self {
            ServerKind::Nginx => format!("\"{modified:x}-{length:x}\""),
            ServerKind::Apache => {
                format!("\"{length:x}-{:x}\"", modified.saturating_mul(1_000_000))
            }
        }
    }
}

/// `Sat, 21 Nov 2026 08:23:45 GMT`.
pub fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `<` `>` `&` `"` escaped, for names echoed into error pages.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A header value safe to write: no CR, LF or NUL (they would split the response).
pub fn clean_value(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
        .collect()
}
