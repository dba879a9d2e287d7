//! Who may use the admin listener, and the headers every admin answer carries.
//!
//! [`guard`] wraps the whole admin app. With `admin.token` set, every path except `/healthz`,
//! `/readyz`, `/login` and `/static/…` needs either the token as a bearer token (API clients)
//! or a login session: `POST /login` with the token sets an HttpOnly, `SameSite=Strict` cookie
//! holding a random session id (the token itself never leaves the server), and `POST /logout`
//! ends it. Without credentials the answer is 401; for a page it carries the login form.
//!
//! Every state-changing request (anything but GET, HEAD and OPTIONS) is checked for cross-site
//! forgery: one that `Sec-Fetch-Site`, `Origin` or `Referer` says comes from another site is
//! refused with 403, and a request riding on a login cookie must also carry the session's CSRF
//! token (the `csrf` form field or the `X-CSRF-Token` header). `Origin: null` (what a browser
//! sends for a form under `Referrer-Policy: no-referrer` when it sends no `Sec-Fetch-Site`) is
//! accepted only where that token decides, and for the login form. Bearer clients need no CSRF
//! token: a browser cannot attach that header across sites.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// The login cookie's name.
pub const COOKIE: &str = "mirage_admin";
/// How long a login session lives without being used.
const IDLE: Duration = Duration::from_secs(12 * 3600);
/// At most this many login sessions are kept; the least recently used goes first.
const MAX_SESSIONS: usize = 256;
/// Largest form body the guard reads to find the CSRF token.
const MAX_FORM: usize = 64 * 1024;

/// The content security policy: no inline scripts, nothing from elsewhere, never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; \
                   frame-ancestors 'none'";

/// The admin token and the login sessions opened with it.
pub struct Auth {
    token: String,
    sessions: Mutex<HashMap<String, LoginSession>>,
    /// `POST /login` attempts per client address.
    pub logins: super::login_limit::LoginLimit,
}

struct LoginSession {
    csrf: String,
    last_used: Instant,
}

/// How the current request is authorized; handlers read it from the request extensions.
#[derive(Clone, Debug)]
pub enum Principal {
    /// No token is configured (loopback only): everyone on this host is the operator.
    Open,
    /// The request carried the token as a bearer token.
    Bearer,
    /// The request carried a login cookie.
    Session {
        /// The login session's id (the cookie's value).
        id: String,
        /// The session's CSRF token, for forms.
        csrf: String,
    },
}

impl Auth {
    /// Guards with `token`; an empty token means no login is needed.
    pub fn new(token: &str) -> Auth {
        Auth {
            token: token.to_owned(),
            sessions: Mutex::new(HashMap::new()),
            logins: super::login_limit::LoginLimit::default(),
        }
    }

    /// Whether a token is set (and so a login is needed).
    pub fn enabled(&self) -> bool {
        !self.token.is_empty()
    }

    /// Whether `given` is the token.
    pub fn is_token(&self, given: &str) -> bool {
        self.enabled() && constant_time_eq(given.as_bytes(), self.token.as_bytes())
    }

    /// Opens a login session; returns its id and CSRF token.
    pub fn open_session(&self) -> (String, String) {
        let (id, csrf) = (random_hex(), random_hex());
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.retain(|_, s| s.last_used.elapsed() < IDLE);
            if sessions.len() >= MAX_SESSIONS
                && let Some(oldest) = sessions
                    .iter()
                    .min_by_key(|(_, s)| s.last_used)
                    .map(|(k, _)| k.clone())
            {
                sessions.remove(&oldest);
            }
            sessions.insert(
                id.clone(),
                LoginSession {
                    csrf: csrf.clone(),
                    last_used: Instant::now(),
                },
            );
        }
        (id, csrf)
    }

    /// The CSRF token of a live login session, which counts as a use of it.
    fn session(&self, id: &str) -> Option<String> {
        let mut sessions = self.sessions.lock().ok()?;
        let session = sessions.get_mut(id)?;
        if session.last_used.elapsed() >= IDLE {
            sessions.remove(id);
            return None;
        }
        session.last_used = Instant::now();
        Some(session.csrf.clone())
    }

    /// Ends a login session.
    pub fn close_session(&self, id: &str) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.remove(id);
        }
    }

    /// Who the request is, or `None` without valid credentials.
    fn principal(&self, req: &ServiceRequest) -> Option<Principal> {
        if !self.enabled() {
            return Some(Principal::Open);
        }
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if bearer.is_some_and(|given| self.is_token(given)) {
            return Some(Principal::Bearer);
        }
        let id = req.cookie(COOKIE)?.value().to_owned();
        let csrf = self.session(&id)?;
        Some(Principal::Session { id, csrf })
    }
}

/// The login cookie for session `id` (`Max-Age=0` when `id` is empty: the logout).
pub fn session_cookie(id: &str) -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, id.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    if id.is_empty() {
        cookie.make_removal();
    }
    cookie
}

/// The CSRF token to put in this request's forms (`None` when no login session is in use).
pub fn csrf_token(req: &HttpRequest) -> Option<String> {
    match req.extensions().get::<Principal>() {
        Some(Principal::Session { csrf, .. }) => Some(csrf.clone()),
        _ => None,
    }
}

/// The login session this request rides on, if any.
pub fn session_id(req: &HttpRequest) -> Option<String> {
    match req.extensions().get::<Principal>() {
        Some(Principal::Session { id, .. }) => Some(id.clone()),
        _ => None,
    }
}

/// Paths anyone may request: health checks (orchestrators probe them without credentials),
/// the login form, and the stylesheet and scripts it needs.
fn is_open(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/login") || path.starts_with("/static/")
}

/// The middleware: authentication, CSRF checks and security headers on every admin answer.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(auth) = req.app_data::<web::Data<Auth>>().cloned() else {
        // Misassembled app: refuse rather than serve unguarded.
        let res = HttpResponse::InternalServerError().body("admin guard not configured\n");
        return Ok(with_headers(req.into_response(res)));
    };
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let principal = auth.principal(&req);
    let path = req.path().to_owned();
    // Without a token the UI trusts whoever reaches the loopback listener, so a page of
    // another site must not reach it through a rebound DNS name: the Host must be loopback.
    if !auth.enabled() && !is_open(&path) && !host_is_loopback(req.request()) {
        let res =
            HttpResponse::Forbidden().body("unexpected Host header: use 127.0.0.1 or localhost\n");
        return Ok(with_headers(req.into_response(res)));
    }
    if !safe {
        let allowed = match site(req.request()) {
            Site::Same | Site::Unknown => true,
            Site::Cross => false,
            // Our own forms under `Referrer-Policy: no-referrer` (plain HTTP, no Sec-Fetch):
            // the login form (harmless: it needs the token) and login sessions (whose CSRF
            // token is checked below).
            Site::Opaque => {
                path == "/login" || matches!(principal, Some(Principal::Session { .. }))
            }
        };
        if !allowed {
            let res = HttpResponse::Forbidden().body("cross-origin request refused\n");
            return Ok(with_headers(req.into_response(res)));
        }
    }
    if !is_open(&path) {
        let Some(principal) = principal else {
            let res = refuse(req.request());
            return Ok(with_headers(req.into_response(res)));
        };
        if let (false, Principal::Session { csrf, .. }) = (safe, &principal)
            && !csrf_matches(&mut req, csrf).await
        {
            let res = HttpResponse::Forbidden().body("missing or wrong CSRF token\n");
            return Ok(with_headers(req.into_response(res)));
        }
        req.extensions_mut().insert(principal);
    } else if let Some(principal) = principal {
        req.extensions_mut().insert(principal);
    }
    let res = next.call(req).await?;
    Ok(with_headers(res.map_into_boxed_body()))
}

/// Whether the request's `Host` names this machine's loopback (`localhost`, `127.x.x.x`,
/// `[::1]`, any port). A request without one (HTTP/1.0 tools) passes: browsers always send it.
fn host_is_loopback(req: &HttpRequest) -> bool {
    let Some(host) = req.headers().get(header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The 401: the login form for a page, a bare 401 for the API and everything else.
fn refuse(req: &HttpRequest) -> HttpResponse {
    let wants_page = !req.path().starts_with("/api/")
        && *req.method() == Method::GET
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if wants_page {
        let next = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        super::pages::login::page(StatusCode::UNAUTHORIZED, &next, None)
    } else {
        super::unauthorized()
    }
}

/// Where a request comes from, as far as the browser says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Site {
    /// This admin's own pages (`Sec-Fetch-Site: same-origin`, or `Origin`/`Referer` naming
    /// the host the request was sent to).
    Same,
    /// Another site.
    Cross,
    /// `Origin: null` with no `Sec-Fetch-Site`: a form posted from a page under
    /// `Referrer-Policy: no-referrer` over plain HTTP, ours or anyone's.
    Opaque,
    /// No `Origin`, `Referer` or `Sec-Fetch-Site`: not a browser (curl, scripts).
    Unknown,
}

/// Where the request comes from: `Sec-Fetch-Site` first (browsers set it and pages cannot),
/// then `Origin`, then `Referer`, compared with the `Host` header.
fn site(req: &HttpRequest) -> Site {
    let get = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match get(header::HeaderName::from_static("sec-fetch-site")) {
        Some("same-origin" | "none") => return Site::Same,
        Some(_) => return Site::Cross,
        None => {}
    }
    // The Host header itself, not ConnectionInfo (which would believe X-Forwarded-Host).
    let host = get(header::HOST).unwrap_or("");
    let origin = match (get(header::ORIGIN), get(header::REFERER)) {
        (Some("null"), _) => return Site::Opaque,
        (Some(origin), _) | (None, Some(origin)) => origin,
        (None, None) => return Site::Unknown,
    };
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    let same = rest
        .map(|r| r.split('/').next().unwrap_or(""))
        .is_some_and(|given| !host.is_empty() && given.eq_ignore_ascii_case(host));
    if same { Site::Same } else { Site::Cross }
}

#[derive(Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// Whether the request carries `expected` in `X-CSRF-Token` or in a `csrf` form field. The
/// form body is read and put back for the handler.
async fn csrf_matches(req: &mut ServiceRequest, expected: &str) -> bool {
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(given) = header {
        return constant_time_eq(given.as_bytes(), expected.as_bytes());
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return false;
    }
    let body = match req
        .extract::<web::Bytes>()
        .await
        .ok()
        .filter(|b| b.len() <= MAX_FORM)
    {
        Some(body) => body,
        None => return false,
    };
    let given = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| web::Query::<CsrfField>::from_query(text).ok())
        .and_then(|q| q.into_inner().csrf);
    req.set_payload(Payload::from(body));
    given.is_some_and(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
}

/// Adds the security headers (and keeps answers out of shared caches).
fn with_headers(mut res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let headers = res.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        headers.insert(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn only_loopback_host_names_count_as_loopback() {
        let host = |value: &str| {
            host_is_loopback(
                &TestRequest::default()
                    .insert_header((header::HOST, value))
                    .to_http_request(),
            )
        };
        for ok in [
            "127.0.0.1:9090",
            "127.8.9.1",
            "localhost:9090",
            "LOCALHOST",
            "[::1]:9090",
        ] {
            assert!(host(ok), "{ok}");
        }
        for bad in [
            "evil.example:9090",
            "evil.example",
            "10.0.0.1:9090",
            "[::2]:9090",
            "localhost.evil.example",
        ] {
            assert!(!host(bad), "{bad}");
        }
        assert!(host_is_loopback(&TestRequest::default().to_http_request()));
    }

    fn site_of(headers: &[(&str, &str)]) -> Site {
        let mut req = TestRequest::post()
            .uri("/api/models/reload")
            .insert_header(("host", "127.0.0.1:9090"));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        site(&req.to_http_request())
    }

    #[test]
    fn only_the_admins_own_origin_is_same_site() {
        assert_eq!(site_of(&[("origin", "http://127.0.0.1:9090")]), Site::Same);
        assert_eq!(
            site_of(&[("referer", "http://127.0.0.1:9090/models")]),
            Site::Same
        );
        assert_eq!(site_of(&[("sec-fetch-site", "same-origin")]), Site::Same);
        assert_eq!(site_of(&[]), Site::Unknown, "curl sends none");
        assert_eq!(site_of(&[("origin", "null")]), Site::Opaque);
        for cross in [
            &[("origin", "http://evil.example")][..],
            &[("origin", "http://127.0.0.1:9091")],
            &[("origin", "http://127.0.0.1:9090.evil.example")],
            &[("referer", "http://evil.example/http://127.0.0.1:9090")],
            &[("sec-fetch-site", "cross-site"), ("origin", "null")],
            &[("sec-fetch-site", "same-site")],
            // Origin decides when both are sent.
            &[
                ("origin", "http://evil.example"),
                ("referer", "http://127.0.0.1:9090/"),
            ],
        ] {
            assert_eq!(site_of(cross), Site::Cross, "{cross:?}");
        }
    }

    #[test]
    fn sessions_are_random_and_end_on_logout() {
        let auth = Auth::new("t");
        let (a, csrf) = auth.open_session();
        let (b, _) = auth.open_session();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(auth.session(&a), Some(csrf));
        auth.close_session(&a);
        assert_eq!(auth.session(&a), None);
        assert!(auth.session(&b).is_some());
        assert!(!Auth::new("").is_token(""), "no token never matches");
    }
}
