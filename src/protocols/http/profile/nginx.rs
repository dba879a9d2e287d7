//! Ubuntu 22.04's `nginx/1.18.0 (Ubuntu)`: its header filter's order, its status lines and its
//! built-in error pages (CRLF line ends, centred title, `<hr>` and the version footer).
//!
//! Header order, as nginx's header filter writes it: `Server`, `Date`, `Content-Type`,
//! `Content-Length`, `Last-Modified`, `Location`, `Transfer-Encoding`, `Connection`, then the
//! headers the application (FastCGI) set in its order, then `ETag` and `Accept-Ranges` of
//! static files. An application's page has no `Content-Length`: it goes out chunked to an
//! HTTP/1.1 client and with a close to an HTTP/1.0 one.

use super::{WriteCtx, clean_value, http_date};
use crate::protocols::http::request::{ParseError, Version};
use crate::protocols::http::response::{BodyKind, Response};

/// The `Server` header.
pub const BANNER: &str = "nginx/1.18.0 (Ubuntu)";

/// nginx's status line reason for `status`.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Time-out",
        411 => "Length Required",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

fn page(title: &str, extra: &str) -> Vec<u8> {
    let h1 = if extra.is_empty() {
        title.to_owned()
    } else {
        "400 Bad Request".to_owned()
    };
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("<center>{extra}</center>\r\n")
    };
    format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{h1}</h1></center>\r\n{extra}<hr><center>{BANNER}</center>\r\n</body>\r\n</html>\r\n"
    )
    .into_bytes()
}

/// nginx's built-in page for `status`.
pub fn error(status: u16) -> Response {
    let title = format!("{status} {}", reason(status));
    let mut response = Response::dynamic(status, "text/html", page(&title, ""));
    response.kind = BodyKind::Error;
    // nginx drops keep-alive after these.
    response.close = matches!(status, 400 | 408 | 413 | 414 | 500 | 501 | 505);
    response
}

/// nginx's answer to a request it refused while reading it.
pub fn parse_error(err: &ParseError) -> Response {
    match err {
        ParseError::BadRequest | ParseError::TimedOut | ParseError::NotHttp => error(400),
        ParseError::VersionNotSupported => error(505),
        ParseError::UriTooLong => error(414),
        ParseError::HeaderTooLarge | ParseError::TooManyHeaders => {
            let mut response = error(400);
            response.body = page(
                "400 Request Header Or Cookie Too Large",
                "Request Header Or Cookie Too Large",
            );
            response
        }
        ParseError::BodyTooLarge { .. } => error(413),
        ParseError::NotImplemented { .. } => error(501),
    }
}

/// The status line and headers, in nginx's order.
pub fn head(response: &Response, ctx: &WriteCtx) -> String {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nServer: {BANNER}\r\nDate: {}\r\n",
        response.status,
        reason(response.status),
        http_date(ctx.date)
    );
    if let Some(ct) = &response.content_type {
        out.push_str(&format!("Content-Type: {}\r\n", clean_value(ct)));
    }
    // An application's page has no length of its own: chunked to HTTP/1.1, nothing (then
    // close) to HTTP/1.0, and neither for HEAD.
    let dynamic = response.kind == BodyKind::Dynamic;
    if !matches!(response.status, 204 | 304) && !dynamic {
        out.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    if let BodyKind::Static { modified, .. } = response.kind {
        out.push_str(&format!("Last-Modified: {}\r\n", http_date(time(modified))));
    }
    if let Some(location) = response.header("location") {
        out.push_str(&format!("Location: {}\r\n", clean_value(location)));
    }
    if dynamic
        && !ctx.head
        && ctx.version == Version::Http11
        && !matches!(response.status, 204 | 304)
    {
        out.push_str("Transfer-Encoding: chunked\r\n");
    }
    let connection = if ctx.keep_alive && !response.close {
        "keep-alive"
    } else {
        "close"
    };
    out.push_str(&format!("Connection: {connection}\r\n"));
    for (name, value) in &response.headers {
        if name.eq_ignore_ascii_case("location") {
            continue;
        }
        out.push_str(&format!(
            "{}: {}\r\n",
            clean_value(name),
            clean_value(value)
        ));
    }
    if let BodyKind::Static {
        modified,
        length,
        range,
    } = response.kind
    {
        out.push_str(&format!(
            "ETag: {}\r\n",
            super::ServerKind::Nginx.etag(modified, length)
        ));
        match range {
            Some((first, last)) => {
                out.push_str(&format!("Content-Range: bytes {first}-{last}/{length}\r\n"))
            }
            None if response.status == 200 => out.push_str("Accept-Ranges: bytes\r\n"),
            None => {}
        }
    }
    out.push_str("\r\n");
    out
}

fn time(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> WriteCtx {
        WriteCtx {
            version: Version::Http11,
            head: false,
            keep_alive: true,
            date: time(1_700_000_000),
            requests_left: 99,
        }
    }

    #[test]
    fn a_static_file_has_nginx_header_order() {
        let response = Response::file("text/html", b"hi".to_vec(), 1_600_000_000);
        let head = head(&response, &ctx());
        assert_eq!(
            head,
            "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0 (Ubuntu)\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n\
             Content-Type: text/html\r\nContent-Length: 2\r\nLast-Modified: Sun, 13 Sep 2020 12:26:40 GMT\r\n\
             Connection: keep-alive\r\nETag: \"5f5e1000-2\"\r\nAccept-Ranges: bytes\r\n\r\n"
        );
    }

    #[test]
    fn the_404_page_is_nginx_s() {
        let body = String::from_utf8(error(404).body).unwrap();
        assert_eq!(
            body,
            "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n"
        );
    }
}
