//! The admin listener's guard over real HTTP to a real node with `admin.token` set: every
//! registered route answers 401 without credentials (the routes are read from the admin
//! sources, not picked by hand), a cross-origin POST is refused, the login cookie works and
//! never carries the token, and every answer has the security headers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::common::{NodeProcess, http_exchange, http_request};

const TOKEN: &str = "adm1n-t0ken-for-tests";

/// Paths that stay open with a token set.
fn is_open(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/login") || path.starts_with("/static/")
}

/// Every `.route("…", …)` and `web::resource("…")` pattern in the admin sources.
fn registered_routes() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read src/admin") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                // Code only (no comments), without whitespace: rustfmt may break a call.
                let compact: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .flat_map(str::split_whitespace)
                    .collect();
                for marker in [".route(\"", "resource(\""] {
                    for piece in compact.split(marker).skip(1) {
                        if let Some((route, _)) = piece.split_once('"')
                            && route.starts_with('/')
                            && route.bytes().all(|b| b.is_ascii_graphic())
                        {
                            out.push(route.to_owned());
                        }
                    }
                }
            }
        }
    }
    let mut routes = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/admin"),
        &mut routes,
    );
    routes.sort();
    routes.dedup();
    routes
}

/// A route pattern with sample values for its `{…}` segments.
fn concrete(route: &str) -> String {
    route
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "0123456789ab"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// An HTTP/1.1 request with a body; returns (status, head, body).
fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    http_exchange(addr, method, path, headers, Some(body))
}

fn header<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

fn assert_security_headers(head: &str, what: &str) {
    let csp = header(head, "content-security-policy").join(";");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}\n{head}"
    );
    assert_eq!(header(head, "x-frame-options"), ["DENY"], "{what}\n{head}");
    assert_eq!(
        header(head, "x-content-type-options"),
        ["nosniff"],
        "{what}\n{head}"
    );
    assert_eq!(
        header(head, "referrer-policy"),
        ["no-referrer"],
        "{what}\n{head}"
    );
}

/// Logs in with the form; returns the cookie pair (`mirage_admin=…`) and the Set-Cookie line.
fn login(addr: SocketAddr) -> (String, String) {
    let origin = format!("http://{addr}");
    let (status, head, body) = send(
        addr,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
        ],
        &format!("token={TOKEN}&next=%2Fsessions"),
    );
    assert_eq!(status, 303, "login: {head}\n{body}");
    assert_eq!(header(&head, "location"), ["/sessions"]);
    let set_cookie = header(&head, "set-cookie")
        .into_iter()
        .find(|c| c.starts_with("mirage_admin="))
        .expect("login cookie")
        .to_owned();
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    (pair, set_cookie)
}

/// The CSRF token a page embeds for this login session.
fn csrf_of(addr: SocketAddr, cookie: &str) -> String {
    let (status, _, body) = http_request(addr, "GET", "/models", &[("Cookie", cookie)]);
    assert_eq!(status, 200, "{body}");
    let at = body.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    body[at..].split('"').next().unwrap().to_owned()
}

#[test]
fn every_registered_admin_route_needs_the_token() {
    let routes = registered_routes();
    for known in [
        "/",
        "/sessions/{id}",
        "/live/events",
        "/api/models/reload",
        "/metrics",
    ] {
        assert!(
            routes.iter().any(|r| r == known),
            "{known} not found in {routes:?}"
        );
    }
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", TOKEN)]);
    let bearer = format!("Bearer {TOKEN}");
    let mut checked = 0;
    for route in &routes {
        let path = concrete(route);
        for method in ["GET", "POST", "DELETE"] {
            let (status, head, _) = send(node.admin, method, &path, &[], "");
            if is_open(route) {
                continue;
            }
            assert_eq!(status, 401, "{method} {path} without credentials:\n{head}");
            assert_security_headers(&head, &format!("{method} {path}"));
            let (status, head, _) = send(
                node.admin,
                method,
                &path,
                &[("Authorization", "Bearer wrong-token")],
                "",
            );
            assert_eq!(status, 401, "{method} {path} with a wrong token:\n{head}");
            checked += 1;
        }
        // With the token the guard lets it through (the handler may still say 404 or 405).
        let (status, head, _) = send(
            node.admin,
            "GET",
            &path,
            &[("Authorization", &bearer), ("Accept", "text/html")],
            "",
        );
        assert_ne!(status, 401, "GET {path} with the token:\n{head}");
    }
    assert!(checked >= 30, "only {checked} route/method pairs checked");
    // A page asked for by a browser gets the login form with its 401.
    let (status, _, body) =
        http_request(node.admin, "GET", "/sessions", &[("Accept", "text/html")]);
    assert_eq!(status, 401);
    assert!(body.contains("id=\"login-form\""), "{body}");
    // The health checks stay open.
    assert_eq!(http_request(node.admin, "GET", "/healthz", &[]).0, 200);
}

#[test]
fn cross_origin_posts_are_refused_and_same_origin_ones_pass() {
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", TOKEN)]);
    let bearer = format!("Bearer {TOKEN}");
    let own = format!("http://{}", node.admin);
    let reload = "/api/models/reload";
    for (name, value) in [
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
        ("Referer", "http://evil.example/attack.html"),
    ] {
        let (status, head, _) = send(
            node.admin,
            "POST",
            reload,
            &[("Authorization", &bearer), (name, value)],
            "",
        );
        assert_eq!(status, 403, "{name}: {value}\n{head}");
        assert_security_headers(&head, "403");
    }
    let (status, head, body) = send(
        node.admin,
        "POST",
        reload,
        &[("Authorization", &bearer), ("Origin", &own)],
        "",
    );
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(body.contains("\"version\""), "{body}");

    // A login cookie alone is not enough for a POST: the session's CSRF token must come too.
    let (cookie, _) = login(node.admin);
    let with_cookie = [("Cookie", cookie.as_str()), ("Origin", own.as_str())];
    let (status, _, _) = send(node.admin, "POST", reload, &with_cookie, "");
    assert_eq!(status, 403, "cookie without CSRF token");
    let (status, _, _) = send(
        node.admin,
        "POST",
        reload,
        &[with_cookie[0], with_cookie[1], ("X-CSRF-Token", "0000")],
        "",
    );
    assert_eq!(status, 403, "cookie with a wrong CSRF token");
    let csrf = csrf_of(node.admin, &cookie);
    let (status, _, body) = send(
        node.admin,
        "POST",
        reload,
        &[
            with_cookie[0],
            with_cookie[1],
            ("X-CSRF-Token", csrf.as_str()),
        ],
        "",
    );
    assert_eq!(status, 200, "cookie with its CSRF token: {body}");
    // The same token in a form field works as well (the logout form).
    let (status, head, _) = send(
        node.admin,
        "POST",
        "/logout",
        &[
            with_cookie[0],
            with_cookie[1],
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 303, "{head}");
}

#[test]
fn the_login_cookie_is_strict_http_only_and_never_holds_the_token() {
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", TOKEN)]);
    let own = format!("http://{}", node.admin);
    // A wrong token gets the form again, with no cookie.
    let (status, head, body) = send(
        node.admin,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &own),
        ],
        "token=guess&next=%2F",
    );
    assert_eq!(status, 401);
    assert!(header(&head, "set-cookie").is_empty(), "{head}");
    assert!(body.contains("Wrong token"), "{body}");

    let (cookie, set_cookie) = login(node.admin);
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(!set_cookie.contains(TOKEN), "{set_cookie}");
    for page in [
        "/",
        "/live",
        "/sessions",
        "/alerts",
        "/honeytokens",
        "/models",
    ] {
        let (status, head, body) = http_request(node.admin, "GET", page, &[("Cookie", &cookie)]);
        assert_eq!(status, 200, "{page}: {head}\n{body}");
        assert_security_headers(&head, page);
        assert!(body.contains("Log out"), "{page}");
    }
    // The API accepts the cookie as well (a page's scripts use it).
    let (status, _, _) = http_request(node.admin, "GET", "/api/models", &[("Cookie", &cookie)]);
    assert_eq!(status, 200);
    // A login form from another site is refused.
    let (status, head, _) = send(
        node.admin,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", "http://evil.example"),
        ],
        &format!("token={TOKEN}"),
    );
    assert_eq!(status, 403, "{head}");

    // After logging out the cookie is worthless.
    let csrf = csrf_of(node.admin, &cookie);
    let (status, head, _) = send(
        node.admin,
        "POST",
        "/logout",
        &[
            ("Cookie", &cookie),
            ("Origin", &own),
            ("X-CSRF-Token", &csrf),
        ],
        "",
    );
    assert_eq!(status, 303, "{head}");
    let (status, _, _) = http_request(node.admin, "GET", "/", &[("Cookie", &cookie)]);
    assert_eq!(status, 401);
    // A made-up cookie is worthless too.
    let (status, _, _) = http_request(
        node.admin,
        "GET",
        "/",
        &[("Cookie", "mirage_admin=00ff00ff")],
    );
    assert_eq!(status, 401);
}

#[test]
fn without_a_token_the_loopback_ui_is_open_but_still_refuses_cross_origin_posts() {
    let node = NodeProcess::start(&[]);
    let (status, head, body) = http_request(node.admin, "GET", "/", &[]);
    assert_eq!(status, 200, "{body}");
    assert_security_headers(&head, "/");
    assert!(!body.contains("Log out"));
    let (status, _, _) = send(
        node.admin,
        "POST",
        "/api/models/reload",
        &[("Origin", "http://evil.example")],
        "",
    );
    assert_eq!(status, 403);
    let (status, _, _) = send(node.admin, "POST", "/api/models/reload", &[], "");
    assert_eq!(status, 200);
    // A page of another site reaching the UI through a rebound DNS name is refused; the
    // health checks still answer whatever the Host.
    for (path, expected) in [("/", 403), ("/api/sessions", 403), ("/healthz", 200)] {
        let mut stream = TcpStream::connect(node.admin).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: rebound.evil.example:9090\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("the answer");
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {expected}")),
            "{path}: {answer}"
        );
    }
}

/// Guessing the token is slow: after a few attempts a minute from one address, `/login`
/// answers 429 with `Retry-After`, even for the right token, and shows why.
#[test]
fn logins_are_rate_limited_per_address() {
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", TOKEN)]);
    let origin = format!("http://{}", node.admin);
    let attempt = |token: &str| {
        send(
            node.admin,
            "POST",
            "/login",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", &origin),
            ],
            &format!("token={token}&next=%2F"),
        )
    };
    for i in 0..mirage::admin::login_limit::ATTEMPTS_PER_MINUTE {
        let (status, head, _) = attempt(&format!("guess{i}"));
        assert_eq!(status, 401, "attempt {i}: {head}");
    }
    let (status, head, body) = attempt(TOKEN);
    assert_eq!(status, 429, "{head}\n{body}");
    let retry: u64 = header(&head, "retry-after")[0]
        .parse()
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{head}");
    assert!(body.contains("Too many login attempts"), "{body}");
    assert!(
        !head.contains("mirage_admin="),
        "no cookie when refused: {head}"
    );
    assert_security_headers(&head, "429");
}
