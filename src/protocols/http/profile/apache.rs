//! Ubuntu 22.04's `Apache/2.4.52 (Ubuntu)`: its header order, status lines and the canned
//! error pages of `ap_send_error_response` (HTML 2.0 doctype, LF line ends, the
//! `ServerSignature` footer naming the requested host and port).
//!
//! Header order, as Apache's core output filter writes it: `Date`, `Server`, the headers the
//! application set in its order, `Last-Modified`/`ETag`/`Accept-Ranges` of static files,
//! `Content-Length` (and mod_deflate's `Vary`), `Keep-Alive`, `Connection`, `Content-Type`.

use super::{ErrorCtx, WriteCtx, clean_value, escape_html, http_date};
use crate::protocols::http::request::ParseError;
use crate::protocols::http::response::{BodyKind, Response};

/// The `Server` header.
pub const BANNER: &str = "Apache/2.4.52 (Ubuntu)";

/// Apache's status line reason for `status`.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Methods Apache knows (others get 501 from the default handler).
pub fn known_method(method: &str) -> bool {
    matches!(
        method,
        "GET"
            | "HEAD"
            | "POST"
            | "PUT"
            | "DELETE"
            | "CONNECT"
            | "OPTIONS"
            | "TRACE"
            | "PATCH"
            | "PROPFIND"
            | "PROPPATCH"
            | "MKCOL"
            | "COPY"
            | "MOVE"
            | "LOCK"
            | "UNLOCK"
    )
}

fn canned(status: u16, ctx: &ErrorCtx, notes: &str) -> String {
    let method = escape_html(&ctx.method);
    match status {
        301 | 302 | 303 | 307 => format!(
            "<p>The document has moved <a href=\"{}\">here</a>.</p>\n",
            escape_html(notes)
        ),
        400 => format!(
            "<p>Your browser sent a request that this server could not understand.<br />\n{notes}</p>\n"
        ),
        401 => "<p>This server could not verify that you\nare authorized to access the document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't understand how to supply\nthe credentials required.</p>\n".into(),
        403 => "<p>You don't have permission to access this resource.</p>\n".into(),
        404 => "<p>The requested URL was not found on this server.</p>\n".into(),
        405 => format!("<p>The requested method {method} is not allowed for this URL.</p>\n"),
        408 => "<p>Server timeout waiting for the HTTP request from the client.</p>\n".into(),
        413 => format!(
            "The requested resource does not allow request data with {method} requests, or the amount of data provided in\nthe request exceeds the capacity limit.\n"
        ),
        414 => "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n".into(),
        429 => "<p>The user has sent too many requests\nin a given amount of time.</p>\n".into(),
        501 => format!("<p>{method} not supported for current URL.<br />\n</p>\n"),
        503 => "<p>The server is temporarily unable to service your\nrequest due to maintenance downtime or capacity\nproblems. Please try again later.</p>\n".into(),
        _ => "<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n<p>Please contact the server administrator at \n webmaster@localhost to inform them of the time this error occurred,\n and the actions you performed just before this error.</p>\n<p>More information about this error may be available\nin the server error log.</p>\n".into(),
    }
}

fn page(status: u16, ctx: &ErrorCtx, notes: &str) -> Vec<u8> {
    let status = if reason(status) == "Unknown" {
        500
    } else {
        status
    };
    format!(
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n{canned}<hr>\n<address>{BANNER} Server at {host} Port {port}</address>\n</body></html>\n",
        reason = reason(status),
        canned = canned(status, ctx, notes),
        host = escape_html(&ctx.host),
        port = ctx.port,
    )
    .into_bytes()
}

/// Apache's canned page for `status`.
pub fn error(status: u16, ctx: &ErrorCtx) -> Response {
    with_notes(status, ctx, "")
}

fn with_notes(status: u16, ctx: &ErrorCtx, notes: &str) -> Response {
    let mut response = Response::dynamic(
        status,
        "text/html; charset=iso-8859-1",
        page(status, ctx, notes),
    );
    response.kind = BodyKind::Error;
    response.close = matches!(status, 400 | 408 | 413 | 414 | 500 | 501);
    response
}

/// Apache's own redirect page ("The document has moved here").
pub fn redirect(status: u16, location: &str, ctx: &ErrorCtx) -> Response {
    let mut response = with_notes(status, ctx, location);
    response.close = false;
    response
}

/// Apache's answer to a request it refused while reading it.
pub fn parse_error(err: &ParseError, ctx: &ErrorCtx) -> Response {
    match err {
        ParseError::BadRequest | ParseError::TimedOut | ParseError::VersionNotSupported => {
            error(400, ctx)
        }
        // Not HTTP at all: Apache reads no request and writes nothing.
        ParseError::NotHttp => {
            let mut response = error(400, ctx);
            response.silent = true;
            response
        }
        ParseError::UriTooLong => error(414, ctx),
        ParseError::HeaderTooLarge => with_notes(
            400,
            ctx,
            "Size of a request header field exceeds server limit.",
        ),
        ParseError::TooManyHeaders => with_notes(
            400,
            ctx,
            "The number of request header fields exceeds this server's limit.",
        ),
        ParseError::BodyTooLarge { method, path } => error(
            413,
            &ErrorCtx {
                method: method.clone(),
                path: path.clone(),
                ..ctx.clone()
            },
        ),
        // An unknown transfer coding: Apache answers 400, not 501.
        ParseError::NotImplemented { method, path } => error(
            400,
            &ErrorCtx {
                method: method.clone(),
                path: path.clone(),
                ..ctx.clone()
            },
        ),
    }
}

/// mod_deflate adds `Vary: Accept-Encoding` to compressible types.
fn compressible(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.starts_with("text/")
            || ct.contains("javascript")
            || ct.contains("xml")
            || ct.contains("json")
    })
}

/// The status line and headers, in Apache's order.
pub fn head(response: &Response, ctx: &WriteCtx) -> String {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nDate: {}\r\nServer: {BANNER}\r\n",
        response.status,
        reason(response.status),
        http_date(ctx.date)
    );
    for (name, value) in &response.headers {
        out.push_str(&format!(
            "{}: {}\r\n",
            clean_value(name),
            clean_value(value)
        ));
    }
    let vary = matches!(response.status, 200 | 206)
        && !response.body.is_empty()
        && response.kind != BodyKind::Error
        && compressible(response.content_type.as_deref());
    let length = if matches!(response.status, 204 | 304) {
        String::new()
    } else {
        format!("Content-Length: {}\r\n", response.body.len())
    };
    match response.kind {
        BodyKind::Static {
            modified,
            length: full,
            range,
        } => {
            out.push_str(&format!(
                "Last-Modified: {}\r\nETag: {}\r\nAccept-Ranges: bytes\r\n",
                http_date(chrono::DateTime::from_timestamp(modified, 0).unwrap_or_default()),
                super::ServerKind::Apache.etag(modified, full),
            ));
            out.push_str(&length);
            if vary {
                out.push_str("Vary: Accept-Encoding\r\n");
            }
            if let Some((first, last)) = range {
                out.push_str(&format!("Content-Range: bytes {first}-{last}/{full}\r\n"));
            }
        }
        _ => {
            if vary {
                out.push_str("Vary: Accept-Encoding\r\n");
            }
            out.push_str(&length);
        }
    }
    if ctx.keep_alive && !response.close {
        out.push_str(&format!(
            "Keep-Alive: timeout=5, max={}\r\nConnection: Keep-Alive\r\n",
            ctx.requests_left
        ));
    } else {
        out.push_str("Connection: close\r\n");
    }
    if let Some(ct) = &response.content_type {
        out.push_str(&format!("Content-Type: {}\r\n", clean_value(ct)));
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_404_page_names_host_and_port() {
        let ctx = ErrorCtx {
            host: "203.0.113.5".into(),
            port: 80,
            method: "GET".into(),
            path: "/x".into(),
        };
        let body = String::from_utf8(error(404, &ctx).body).unwrap();
        assert_eq!(
            body,
            "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n<address>Apache/2.4.52 (Ubuntu) Server at 203.0.113.5 Port 80</address>\n</body></html>\n"
        );
    }
}
