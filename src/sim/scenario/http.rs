//! HTTP request steps (`http:`) of a scenario and their checks.
//!
//! A step `http: {method, path, headers, body}` is one request to the node's HTTP decoy from the
//! attacker's address. The request is sent as written: the request line
//! `METHOD PATH HTTP/1.1`, the headers in the order listed (names and values as given; nothing
//! is added but a `Content-Length` when there is a body and neither `Content-Length` nor
//! `Transfer-Encoding` is listed), then the body. Scanners send odd methods, so any method text
//! without spaces or control characters is allowed; a path must start with `/` (the query
//! follows `?`) or be `*`; header names must be HTTP tokens and no text may hold a line break.

use serde::{Deserialize, Serialize};

/// One HTTP request an attacker sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStep {
    /// The method as sent (default `GET`); any text without spaces or control characters.
    #[serde(default = "default_method")]
    pub method: String,
    /// The request target: a path starting with `/`, query included, or `*`.
    pub path: String,
    /// Header fields in the order sent, each a `[name, value]` pair (names may repeat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

fn default_method() -> String {
    "GET".into()
}

impl HttpStep {
    /// Whether a header called `name` (any case) is listed.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The request's bytes, exactly as a replay sends them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.path).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if !self.body.is_empty()
            && !self.has_header("content-length")
            && !self.has_header("transfer-encoding")
        {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(self.body.as_bytes());
        out
    }

    /// What is wrong with the request, as (field under `http`, message); `None` if it can be
    /// sent.
    pub fn problem(&self) -> Option<(String, String)> {
        if self.method.is_empty()
            || self
                .method
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Some((
                "method".into(),
                format!(
                    "{:?} cannot be sent: a method is text without spaces or control characters",
                    self.method
                ),
            ));
        }
        if !(self.path.starts_with('/') || self.path == "*") {
            return Some((
                "path".into(),
                format!("{:?} must start with `/` or be `*`", self.path),
            ));
        }
        if self
            .path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Some((
                "path".into(),
                format!(
                    "{:?} cannot be sent: no spaces or control characters (write them %-encoded)",
                    self.path
                ),
            ));
        }
        for (i, (name, value)) in self.headers.iter().enumerate() {
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Some((
                    format!("headers[{i}]"),
                    format!("{name:?} is not a header name (letters, digits and !#$%&'*+-.^_`|~)"),
                ));
            }
            if value.contains(['\r', '\n', '\0']) {
                return Some((
                    format!("headers[{i}]"),
                    format!("the value of {name} must not hold a line break or NUL"),
                ));
            }
        }
        None
    }
}

/// An HTTP token character (RFC 9110 `tchar`).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(method: &str, path: &str) -> HttpStep {
        HttpStep {
            method: method.into(),
            path: path.into(),
            headers: vec![("Host".into(), "example.com".into())],
            body: String::new(),
        }
    }

    #[test]
    fn a_request_is_sent_as_written_with_a_length_for_its_body() {
        let mut s = step("POST", "/wp-login.php?x=1");
        s.body = "log=admin&pwd=a".into();
        assert_eq!(
            String::from_utf8(s.to_bytes()).unwrap(),
            "POST /wp-login.php?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 15\r\n\r\nlog=admin&pwd=a"
        );
        s.headers.push(("content-length".into(), "15".into()));
        assert_eq!(
            String::from_utf8(s.to_bytes())
                .unwrap()
                .matches("ength")
                .count(),
            1
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// A step (with a `Host`) that passes the checks is one whole request to the decoy's parser, with its
        /// method, target, headers (in order) and body as written.
        #[test]
        fn a_sendable_step_parses_as_written(
            method in "[A-Z]{1,8}",
            path in "/[a-z0-9/._=&%-]{0,30}(\\?[a-z0-9=&]{0,10})?",
            headers in proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,10}", "[!-~]([ -~]{0,18}[!-~])?"), 0..6),
            body in "[ -~]{0,40}",
        ) {
            use crate::protocols::http::profile::ServerKind;
            use crate::protocols::http::request::{Parsed, parse};
            // HTTP/1.1 needs a `Host`.
            let headers: Vec<(String, String)> = std::iter::once(("Host".into(), "example.com".into()))
                .chain(headers)
                .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length")
                    && !n.eq_ignore_ascii_case("transfer-encoding"))
                .collect();
            let step = HttpStep { method, path, headers, body };
            proptest::prop_assert_eq!(step.problem(), None);
            let server = ServerKind::Nginx;
            let bytes = step.to_bytes();
            let Parsed::Complete(req, used) = parse(&bytes, &server.limits(), server) else {
                return Err(proptest::test_runner::TestCaseError::fail("not one whole request"));
            };
            proptest::prop_assert_eq!(used, bytes.len());
            proptest::prop_assert_eq!(&req.method, &step.method);
            proptest::prop_assert_eq!(req.target.as_slice(), step.path.as_bytes());
            proptest::prop_assert_eq!(req.body.as_slice(), step.body.as_bytes());
            let names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).take(step.headers.len()).collect();
            let want: Vec<&str> = step.headers.iter().map(|(n, _)| n.as_str()).collect();
            proptest::prop_assert_eq!(names, want);
        }
    }

    #[test]
    fn garbage_methods_pass_but_unsendable_text_does_not() {
        assert_eq!(step("G3T_X", "/").problem(), None);
        assert_eq!(step("OPTIONS", "*").problem(), None);
        assert_eq!(step("GE T", "/").problem().unwrap().0, "method");
        assert_eq!(step("GET", "index.html").problem().unwrap().0, "path");
        assert_eq!(step("GET", "/a b").problem().unwrap().0, "path");
        let mut s = step("GET", "/");
        s.headers.push(("Bad Name".into(), "x".into()));
        assert_eq!(s.problem().unwrap().0, "headers[1]");
        let mut s = step("GET", "/");
        s.headers.push(("X-Ok".into(), "a\r\nInjected: 1".into()));
        assert_eq!(s.problem().unwrap().0, "headers[1]");
    }
}
