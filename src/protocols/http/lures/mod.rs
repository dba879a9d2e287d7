//! The lures: one believable site per file, and what they share.
//!
//! Each lure module has `answer(site, x) -> Option<Answer>` for the paths it serves (`None`:
//! not found). Pages made by an application (PHP) take any method, as mod_php and php-fpm do;
//! static files follow the server's rules ([`static_file`]).

use super::limits::ReflexHit;
use super::profile::ServerKind;
use super::response::Response;
use super::site::{Answer, Exchange, Site};
use crate::config::HttpLure;

pub mod apache_default;
pub mod nginx_default;
pub mod phpmyadmin;
pub mod router;
pub mod webmail;
pub mod wordpress;

/// The lure's answer to `x`, if the path is one of its own.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    match site.lure {
        HttpLure::Wordpress => wordpress::answer(site, x),
        HttpLure::Phpmyadmin => phpmyadmin::answer(site, x),
        HttpLure::Router => router::answer(site, x),
        HttpLure::Webmail => webmail::answer(site, x),
        HttpLure::Nginx => nginx_default::answer(site, x),
        HttpLure::Apache => apache_default::answer(site, x),
    }
}

/// The lure's "not found": WordPress routes every unknown path to its theme's 404 page; the
/// others get the server's own page.
pub fn not_found(site: &Site, x: &Exchange<'_>) -> Response {
    match site.lure {
        HttpLure::Wordpress => wordpress::not_found(site, x),
        _ => site.server.error(404, &x.ectx),
    }
}

/// A static file under the server's method rules: GET and HEAD get it; OPTIONS gets
/// Apache's method list or nginx's 405; POST gets the file from Apache and 405 from nginx;
/// anything else 405 (or 501 from Apache for a method it does not know).
pub fn static_file(site: &Site, x: &Exchange<'_>, content_type: &str, body: &[u8]) -> Answer {
    let method = x.req.method.as_str();
    let response = match (method, site.server) {
        ("GET" | "HEAD", _) => conditional(site, x, content_type, body),
        ("POST", ServerKind::Apache) => Response::file(content_type, body.to_vec(), site.installed),
        ("OPTIONS", _) => site.server.options(&x.ectx),
        _ => site.server.method_not_allowed(&x.ectx),
    };
    response.into()
}

/// A GET or HEAD of a static file with the request's conditions and range: 304 when
/// `If-None-Match` names the file's `ETag` (or, without it, `If-Modified-Since` is not older
/// than the file: nginx wants the exact time), 206 for one satisfiable `bytes=` range of a
/// GET, else the whole file.
fn conditional(site: &Site, x: &Exchange<'_>, content_type: &str, body: &[u8]) -> Response {
    let modified = site.installed;
    let etag = site.server.etag(modified, body.len());
    let not_modified = match x.req.header("if-none-match") {
        Some(tags) => String::from_utf8_lossy(tags)
            .split(',')
            .any(|t| t.trim() == etag || t.trim() == "*"),
        None => x
            .req
            .header("if-modified-since")
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(&String::from_utf8_lossy(v)).ok())
            .is_some_and(|since| match site.server {
                ServerKind::Nginx => since.timestamp() == modified,
                ServerKind::Apache => since.timestamp() >= modified,
            }),
    };
    let mut response = Response::file(content_type, body.to_vec(), modified);
    if not_modified {
        response.status = 304;
        response.body.clear();
        response.content_type = None;
        return response;
    }
    if x.req.method == "GET"
        && let Some((first, last)) = x.req.header("range").and_then(|r| range(r, body.len()))
    {
        response.status = 206;
        response.body = body.get(first..=last).unwrap_or_default().to_vec();
        response.kind = super::response::BodyKind::Static {
            modified,
            length: body.len(),
            range: Some((first, last)),
        };
    }
    response
}

/// One `bytes=first-last`, `bytes=first-` or `bytes=-suffix` range within `length` bytes.
fn range(header: &[u8], length: usize) -> Option<(usize, usize)> {
    let text = std::str::from_utf8(header).ok()?.trim();
    let spec = text.strip_prefix("bytes=")?;
    if spec.contains(',') || length == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: usize = suffix.parse().ok()?;
            (length.checked_sub(n.min(length))?, length - 1)
        }
        (first, "") => (first.parse().ok()?, length - 1),
        (first, last) => (
            first.parse().ok()?,
            last.parse::<usize>().ok()?.min(length - 1),
        ),
    };
    (first <= last && first < length).then_some((first, last))
}

/// HTML-escapes a value echoed into a page.
pub fn esc(text: &str) -> String {
    super::profile::escape_html(text)
}

/// `http://host[:port]` as the client addressed the site (for absolute links and redirects).
pub fn base_url(x: &Exchange<'_>) -> String {
    let host = x.req.header_text("host");
    let host = if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
        match x.ectx.port {
            80 => x.local_ip.to_string(),
            port => format!("{}:{port}", x.local_ip),
        }
    } else {
        host
    };
    format!("http://{host}")
}

/// Percent-encodes everything but unreserved characters (for `redirect_to=`).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A random hex string of `len` digits (tokens, session cookies).
pub fn random_hex(len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit(rand::random::<u32>() % 16, 16).unwrap_or('0'))
        .collect()
}

/// How a login attempt ends, by the node's brute-force limits.
pub enum LoginOutcome {
    /// The address is locked out for this many more seconds.
    Locked(u64),
    /// The attempt failed; this many tries are left (`u32::MAX`: no limit).
    Failed(u32),
}

/// Records a failed login from `x`'s address (every lure's logins fail) and says whether the
/// address is now locked out, with the reflex to report when this failure began the lockout.
pub fn fail_login(site: &Site, x: &Exchange<'_>) -> (LoginOutcome, Option<ReflexHit>) {
    if let Some(left) = site.limiter.locked(x.ip, x.now) {
        return (LoginOutcome::Locked(left), None);
    }
    if let Some(left) = site.limiter.fail_login(x.ip, x.now) {
        let hit = ReflexHit::lockout(left, site.limiter.config());
        return (LoginOutcome::Locked(left), Some(hit));
    }
    (
        LoginOutcome::Failed(site.limiter.retries_left(x.ip, x.now)),
        None,
    )
}

/// Minutes, rounded up, for lockout messages.
pub fn minutes(secs: u64) -> u64 {
    secs.div_ceil(60).max(1)
}
