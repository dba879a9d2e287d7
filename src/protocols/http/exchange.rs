//! One exchange: a request (or a refused one) in, the response and the events out.
//!
//! This is what the session actor runs for each request ([`handle`]); it is a plain function
//! so the transport can run it too when a session actor is gone. Every request becomes an
//! [`EventKind::HttpRequest`], bounded: at most [`MAX_HEADERS`] headers, each name and value
//! cut to [`MAX_FIELD`] bytes, path and query to [`MAX_TARGET`], the body's SHA-256 and its
//! first [`BODY_SAMPLE`] bytes. Login forms add a `LoginFailed` with the credentials; a served
//! honeytoken adds `HoneytokenAccessed`; a reflex that began acting with this request (the
//! first refusal of a rate-limit episode, the failure that began a lockout) adds `Reflex`.

use std::net::{IpAddr, SocketAddr};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::request::{ParseError, Request};
use super::response::Response;
use super::site::{Exchange, Site};
use crate::events::{EventKind, HttpRequestInfo};

/// Most headers recorded per request.
pub const MAX_HEADERS: usize = 64;
/// Longest header name or value recorded, in bytes.
pub const MAX_FIELD: usize = 2048;
/// Longest path or query recorded, in bytes.
pub const MAX_TARGET: usize = 4096;
/// How much of the body is recorded as text.
pub const BODY_SAMPLE: usize = 1024;
/// Longest user name or password recorded.
pub const MAX_CREDENTIAL: usize = 1024;

/// What reached the server.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A whole request.
    Request(Box<Request>),
    /// A request the server refused while reading it, with what could be made of it.
    Refused {
        /// Why.
        error: ParseError,
        /// The salvaged request line and headers.
        request: Box<Request>,
    },
}

impl Incoming {
    /// The request (whole or salvaged).
    pub fn request(&self) -> &Request {
        match self {
            Incoming::Request(r) | Incoming::Refused { request: r, .. } => r,
        }
    }
}

/// The response and what to record.
#[derive(Debug, Clone)]
pub struct Exchanged {
    /// The answer.
    pub response: Response,
    /// The events, in order.
    pub events: Vec<EventKind>,
}

/// Answers `incoming` from `peer` on the decoy at `local`.
pub fn handle(
    site: &Site,
    incoming: &Incoming,
    peer: IpAddr,
    local: SocketAddr,
    now: DateTime<Utc>,
) -> Exchanged {
    let req = incoming.request();
    let (response, login, token, reflex) = match incoming {
        Incoming::Request(req) => {
            let ectx = site.error_ctx(req);
            let answer = site.answer(&Exchange {
                req,
                ip: peer,
                local_ip: local.ip(),
                now,
                ectx,
            });
            (answer.response, answer.login, answer.token, answer.reflex)
        }
        Incoming::Refused { error, request } => (
            site.refuse(error, &site.server_ctx(request)),
            None,
            None,
            None,
        ),
    };
    let mut events = vec![EventKind::HttpRequest(info(
        req,
        response.status,
        site.lure.as_str(),
    ))];
    if let Some((username, password)) = login {
        events.push(EventKind::LoginFailed {
            username: cut(&username, MAX_CREDENTIAL),
            password: cut(&password, MAX_CREDENTIAL),
        });
    }
    if let Some((token, how)) = token {
        events.push(EventKind::HoneytokenAccessed {
            token,
            how: cut(&how, MAX_TARGET),
        });
    }
    if let Some(hit) = reflex {
        events.push(hit.into_event());
    }
    Exchanged { response, events }
}

/// The bounded record of `req`, answered with `status` by `lure`.
pub fn info(req: &Request, status: u16, lure: &str) -> HttpRequestInfo {
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .take(MAX_HEADERS)
        .map(|(name, value)| (cut(name, MAX_FIELD), lossy(value, MAX_FIELD)))
        .collect();
    HttpRequestInfo {
        method: cut(&req.method, 64),
        path: cut(&req.path, MAX_TARGET),
        query: cut(&req.query, MAX_TARGET),
        version: req.version.as_str().to_owned(),
        headers,
        user_agent: lossy(req.header("user-agent").unwrap_or_default(), MAX_FIELD),
        body_len: req.body.len() as u64,
        body_sha256: hex::encode(Sha256::digest(&req.body)),
        body_sample: lossy(&req.body, BODY_SAMPLE),
        status,
        lure: lure.to_owned(),
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

fn lossy(bytes: &[u8], max: usize) -> String {
    let bytes = bytes.get(..max.min(bytes.len())).unwrap_or_default();
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::HttpLure;
    use crate::honeytokens::Honeytokens;
    use crate::host::HostProfile;
    use crate::protocols::http::limits::{LimitConfig, Limiter};
    use crate::protocols::http::request::{self, Parsed};

    const PEER: &str = "198.51.100.7";

    fn site(lure: HttpLure, limits: LimitConfig) -> Site {
        Site::new(
            lure,
            Arc::new(HostProfile::generate(7)),
            Honeytokens::default(),
            Arc::new(Limiter::open(limits, None)),
        )
    }

    /// The reflex events of sending `raw` `n` times.
    fn reflexes(site: &Site, raw: &str, n: usize) -> Vec<EventKind> {
        let Parsed::Complete(req, _) =
            request::parse(raw.as_bytes(), &site.server.limits(), site.server)
        else {
            panic!("not a whole request: {raw:?}");
        };
        let incoming = Incoming::Request(req);
        let local: SocketAddr = "192.0.2.10:80".parse().unwrap();
        (0..n)
            .flat_map(|_| handle(site, &incoming, PEER.parse().unwrap(), local, Utc::now()).events)
            .filter(|e| matches!(e, EventKind::Reflex { .. }))
            .collect()
    }

    fn post(path: &str, form: &str) -> String {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        )
    }

    #[test]
    fn a_rate_limit_episode_is_one_reflex_with_the_server_s_answer() {
        let limits = LimitConfig {
            per_minute: 3,
            max_failures: 0,
            lockout_secs: 60,
        };
        for (lure, status) in [(HttpLure::Nginx, "503"), (HttpLure::Apache, "403")] {
            let got = reflexes(&site(lure, limits), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 20);
            assert_eq!(
                got,
                [EventKind::Reflex {
                    rule: "http_rate_limit".into(),
                    action: status.into(),
                    detail: "over 3 requests per minute".into(),
                }]
            );
        }
    }

    #[test]
    fn a_lockout_is_one_reflex_on_every_lure_that_locks_out() {
        let limits = LimitConfig {
            per_minute: 0,
            max_failures: 3,
            lockout_secs: 900,
        };
        let lockout = EventKind::Reflex {
            rule: "http_login_lockout".into(),
            action: "lockout 900s".into(),
            detail: "3 failed logins within 900s".into(),
        };
        let logins = [
            (
                HttpLure::Wordpress,
                post("/wp-login.php", "log=admin&pwd=x"),
            ),
            (
                HttpLure::Wordpress,
                post(
                    "/xmlrpc.php",
                    "<?xml version=\"1.0\"?><methodCall><methodName>wp.getUsersBlogs</methodName><params><param><value><string>admin</string></value></param><param><value><string>x</string></value></param></params></methodCall>",
                ),
            ),
            (
                HttpLure::Router,
                post("/login", "username=admin&password=x"),
            ),
            (
                HttpLure::Webmail,
                post("/?_task=login", "_user=a&_pass=x&_action=login"),
            ),
        ];
        for (lure, raw) in logins {
            let got = reflexes(&site(lure, limits), &raw, 10);
            assert_eq!(got, std::slice::from_ref(&lockout), "{lure:?} {raw}");
        }
        // phpMyAdmin never locks anyone out: nothing acts, nothing is reported.
        let raw = post("/index.php", "pma_username=root&pma_password=x");
        assert_eq!(reflexes(&site(HttpLure::Phpmyadmin, limits), &raw, 10), []);
    }
}
