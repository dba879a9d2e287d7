//! [`Response`]: what the site answers, before a server profile puts it on the wire.
//!
//! A response says what the application sent (status, its own headers in its order, the
//! content type, the body) and what kind of answer it is; the server profile
//! ([`super::profile`]) adds the headers the web server itself writes, in that server's order
//! and casing, and turns it into bytes.

/// What produced the body; decides which headers the server adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// A file served from disk: `Last-Modified`, `ETag`, `Accept-Ranges`. A 304 answer has
    /// no body; a 206 answer's body is the range.
    Static {
        /// The file's modification time, seconds since the epoch.
        modified: i64,
        /// The whole file's length (the `ETag` is made of it).
        length: usize,
        /// The byte range served (first and last byte), for a 206.
        range: Option<(usize, usize)>,
    },
    /// A page made by the application (PHP, CGI).
    Dynamic,
    /// The server's own error page.
    Error,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Headers the application set (`Location`, `Set-Cookie`, `Allow`, …), in its order.
    pub headers: Vec<(String, String)>,
    /// The body (also its length for a HEAD answer).
    pub body: Vec<u8>,
    /// What made it.
    pub kind: BodyKind,
    /// Close the connection after this answer.
    pub close: bool,
    /// Say nothing and close (nginx's answer to a header timeout, `444`-like drops).
    pub silent: bool,
}

impl Response {
    /// An application page.
    pub fn dynamic(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type: Some(content_type.to_owned()),
            headers: Vec::new(),
            body: body.into(),
            kind: BodyKind::Dynamic,
            close: false,
            silent: false,
        }
    }

    /// An HTML application page (`text/html; charset=UTF-8`, as PHP sends it).
    pub fn html(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response::dynamic(status, "text/html; charset=UTF-8", body)
    }

    /// A static file.
    pub fn file(content_type: &str, body: impl Into<Vec<u8>>, modified: i64) -> Response {
        let body = body.into();
        Response {
            kind: BodyKind::Static {
                modified,
                length: body.len(),
                range: None,
            },
            ..Response::dynamic(200, content_type, body)
        }
    }

    /// A redirect from the application.
    pub fn redirect(status: u16, location: &str) -> Response {
        Response::html(status, Vec::new()).with_header("Location", location)
    }

    /// Adds an application header (after those already set).
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The first application header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Default for Response {
    /// An empty 200 page.
    fn default() -> Self {
        Response::html(200, Vec::new())
    }
}
