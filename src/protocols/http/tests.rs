//! The decoy end to end without actors: bytes in, bytes out, through [`connection::serve`] and
//! [`exchange::handle`] on an in-memory stream.

use std::net::SocketAddr;
use std::sync::Arc;

use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::connection::{self, Responder};
use super::exchange::{self, Incoming};
use super::limits::{LimitConfig, Limiter};
use super::response::Response;
use super::site::Site;
use crate::config::HttpLure;
use crate::honeytokens::Honeytokens;
use crate::host::HostProfile;

struct Direct(Site);

impl Responder for Direct {
    async fn respond(&self, peer: SocketAddr, local: SocketAddr, incoming: Incoming) -> Response {
        exchange::handle(&self.0, &incoming, peer.ip(), local, chrono::Utc::now()).response
    }
}

fn site(lure: HttpLure, limits: LimitConfig) -> Direct {
    Direct(Site::new(
        lure,
        Arc::new(HostProfile::generate(7)),
        Honeytokens::default(),
        Arc::new(Limiter::open(limits, None)),
    ))
}

fn open_limits() -> LimitConfig {
    LimitConfig {
        per_minute: 0,
        max_failures: 0,
        lockout_secs: 60,
    }
}

/// Sends `raw`, closes the sending side, returns everything the server wrote.
fn exchange_bytes(site: &Direct, raw: &[u8]) -> Vec<u8> {
    exchange_with(site, raw, true, site.0.server.into())
}

/// Sends `raw` (then closes the sending side if `close`) to a connection under `rules`;
/// returns everything the server wrote until it closed.
fn exchange_with(site: &Direct, raw: &[u8], close: bool, rules: connection::Rules) -> Vec<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let peer: SocketAddr = "198.51.100.7:40000".parse().unwrap();
        let local: SocketAddr = "192.0.2.10:80".parse().unwrap();
        client.write_all(raw).await.unwrap();
        if close {
            client.shutdown().await.unwrap();
        }
        let serve = connection::serve(server, peer, local, rules, site);
        let read = async {
            let mut out = Vec::new();
            client.read_to_end(&mut out).await.ok();
            out
        };
        let ((), out) = tokio::join!(serve, read);
        out
    })
}

fn text(site: &Direct, raw: &str) -> String {
    String::from_utf8_lossy(&exchange_bytes(site, raw.as_bytes())).into_owned()
}

fn header_names(response: &str) -> Vec<String> {
    let head = response.split("\r\n\r\n").next().unwrap();
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.to_owned()))
        .collect()
}

#[test]
fn nginx_answers_with_nginx_order_and_pages() {
    let s = site(HttpLure::Nginx, open_limits());
    let out = text(&s, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.1 200 OK\r\nServer: nginx/1.18.0 (Ubuntu)\r\nDate: "),
        "{out}"
    );
    assert_eq!(
        header_names(&out),
        [
            "Server",
            "Date",
            "Content-Type",
            "Content-Length",
            "Last-Modified",
            "Connection",
            "ETag",
            "Accept-Ranges"
        ]
    );
    assert!(out.contains("Welcome to nginx!"));
    let out = text(
        &s,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 405 Not Allowed\r\n"), "{out}");
    let out = text(&s, "OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 405 Not Allowed\r\n"), "{out}");
    let out = text(&s, "get / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert!(out.contains("Connection: close\r\n"), "{out}");
    assert!(
        out.ends_with("<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n"),
        "{out}"
    );
}

#[test]
fn head_has_the_get_length_and_no_body() {
    for lure in [HttpLure::Nginx, HttpLure::Apache, HttpLure::Wordpress] {
        let s = site(lure, open_limits());
        let get = text(&s, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let head = text(
            &s,
            "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        let length = |r: &str| {
            r.lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .map(str::to_owned)
        };
        assert_eq!(length(&get), length(&head), "{lure:?}");
        assert!(head.ends_with("\r\n\r\n"), "{head}");
    }
}

#[test]
fn apache_order_keep_alive_and_options() {
    let s = site(HttpLure::Apache, open_limits());
    let out = text(
        &s,
        "GET / HTTP/1.1\r\nHost: example\r\n\r\nGET /nope HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n",
    );
    let (first, second) = out.split_at(out.find("HTTP/1.1 404").expect("second answer"));
    assert_eq!(
        header_names(first),
        [
            "Date",
            "Server",
            "Last-Modified",
            "ETag",
            "Accept-Ranges",
            "Content-Length",
            "Vary",
            "Keep-Alive",
            "Connection",
            "Content-Type"
        ]
    );
    assert!(
        first.contains("Keep-Alive: timeout=5, max=100\r\nConnection: Keep-Alive\r\n"),
        "{first}"
    );
    assert!(
        second.contains("<address>Apache/2.4.52 (Ubuntu) Server at example Port 80</address>"),
        "{second}"
    );
    assert!(
        second.contains("Connection: close\r\nContent-Type: text/html; charset=iso-8859-1\r\n"),
        "{second}"
    );
    let out = text(&s, "OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("Allow: OPTIONS,HEAD,GET,POST\r\n"), "{out}");
    let out = text(
        &s,
        "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        header_names(&out),
        ["Date", "Server", "Content-Length", "Connection"],
        "{out}"
    );
    let out = text(&s, "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{out}"
    );
    assert!(
        out.contains("Server: Apache/2.4.52 (Ubuntu)\r\nAllow: OPTIONS,HEAD,GET,POST\r\n"),
        "{out}"
    );
    // Not HTTP at all: Apache says nothing.
    assert_eq!(text(&s, "\u{16}\u{3}\u{1}\u{0}"), "");
    let out = text(&s, "FOO / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 501 Not Implemented\r\n"), "{out}");
    assert!(
        out.contains("<p>FOO not supported for current URL.<br />"),
        "{out}"
    );
    let out = text(&s, "GET /server-status HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{out}");
}

#[test]
fn nginx_relays_application_pages_chunked_or_with_a_close() {
    let s = site(HttpLure::Webmail, open_limits());
    let out = text(
        &s,
        "GET / HTTP/1.1\r\nHost: mail\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        header_names(&out)[..5],
        [
            "Server",
            "Date",
            "Content-Type",
            "Transfer-Encoding",
            "Connection"
        ]
    );
    assert!(out.contains("\r\nTransfer-Encoding: chunked\r\n"), "{out}");
    assert!(!out.contains("Content-Length"), "{out}");
    assert!(out.ends_with("</html>\n\r\n0\r\n\r\n"), "{out}");
    // HTTP/1.0 keep-alive is refused: no length, so the close ends the page.
    let out = text(
        &s,
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
    );
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 1, "{out}");
    assert!(out.contains("\r\nConnection: close\r\n"), "{out}");
    assert!(out.ends_with("</html>\n"), "{out}");
}

#[test]
fn a_stalled_request_times_out_as_each_server_does() {
    let partial = b"GET / HTTP/1.1\r\nHost: x\r\n";
    let quick = |server: super::ServerKind| connection::Rules {
        request_timeout: std::time::Duration::from_millis(100),
        ..server.into()
    };
    // Apache answers 408 and closes; nginx closes without a word.
    let apache = site(HttpLure::Apache, open_limits());
    let out = String::from_utf8(exchange_with(
        &apache,
        partial,
        false,
        quick(apache.0.server),
    ))
    .unwrap();
    assert!(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{out}");
    assert!(
        out.contains("Server timeout waiting for the HTTP request from the client."),
        "{out}"
    );
    let nginx = site(HttpLure::Nginx, open_limits());
    let out = exchange_with(&nginx, partial, false, quick(nginx.0.server));
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    // An idle kept-alive connection is closed after its answer.
    let rules = connection::Rules {
        keep_alive_timeout: std::time::Duration::from_millis(100),
        ..nginx.0.server.into()
    };
    let out = String::from_utf8(exchange_with(
        &nginx,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        false,
        rules,
    ))
    .unwrap();
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 1, "{out}");
}

#[test]
fn a_request_dripping_in_still_times_out() {
    let apache = site(HttpLure::Apache, open_limits());
    let rules = connection::Rules {
        request_timeout: std::time::Duration::from_millis(200),
        ..apache.0.server.into()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = rt.block_on(async {
        let (client, server) = tokio::io::duplex(1 << 16);
        let (mut rx, mut tx) = tokio::io::split(client);
        let peer: SocketAddr = "198.51.100.7:40000".parse().unwrap();
        let local: SocketAddr = "192.0.2.10:80".parse().unwrap();
        // One header byte every 20 ms, for far longer than the request timeout.
        let drip = async {
            tx.write_all(b"GET / HTTP/1.1\r\n").await.ok();
            for _ in 0..500 {
                if tx.write_all(b"X").await.is_err() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        };
        let read = async {
            let mut out = Vec::new();
            rx.read_to_end(&mut out).await.ok();
            out
        };
        let serve = connection::serve(server, peer, local, rules, &apache);
        tokio::select! {
            (out, ()) = async { tokio::join!(read, serve) } => out,
            () = drip => Vec::new(),
        }
    });
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{out}");
}

#[test]
fn a_connection_serves_at_most_its_request_cap() {
    let s = site(HttpLure::Nginx, open_limits());
    let requests = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(105);
    let out = text(&s, &requests);
    assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 100);
    let last = out.rsplit("HTTP/1.1 200 OK").next().unwrap();
    assert!(last.contains("\r\nConnection: close\r\n"), "{last}");
}

#[test]
fn http_0_9_gets_the_bare_body() {
    let s = site(HttpLure::Nginx, open_limits());
    let out = text(&s, "GET /\r\n");
    assert!(out.starts_with("<!DOCTYPE html>"), "{out}");
}

#[test]
fn wordpress_login_tells_unknown_user_from_wrong_password_then_locks_out() {
    let s = site(
        HttpLure::Wordpress,
        LimitConfig {
            per_minute: 0,
            max_failures: 3,
            lockout_secs: 1200,
        },
    );
    let post = |body: &str| {
        text(
            &s,
            &format!(
                "POST /wp-login.php HTTP/1.1\r\nHost: blog\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    let out = post("log=bob&pwd=x");
    assert!(
        out.contains("The username <strong>bob</strong> is not registered on this site."),
        "{out}"
    );
    assert!(
        out.contains("<strong>2</strong> attempts remaining."),
        "{out}"
    );
    let out = post("log=admin&pwd=x");
    assert!(
        out.contains(
            "The password you entered for the username <strong>admin</strong> is incorrect."
        ),
        "{out}"
    );
    let out = post("log=admin&pwd=y");
    assert!(
        out.contains("Too many failed login attempts. Please try again in 20 minutes."),
        "{out}"
    );
}

#[test]
fn wordpress_paths() {
    let s = site(HttpLure::Wordpress, open_limits());
    let out = text(&s, "GET /wp-admin/ HTTP/1.1\r\nHost: blog\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 302 Found\r\n"), "{out}");
    assert!(out.contains("Location: http://blog/wp-login.php?redirect_to=http%3A%2F%2Fblog%2Fwp-admin%2F&reauth=1\r\n"), "{out}");
    let out = text(&s, "GET /xmlrpc.php HTTP/1.1\r\nHost: blog\r\n\r\n");
    assert!(
        out.ends_with("XML-RPC server accepts POST requests only."),
        "{out}"
    );
    let out = text(&s, "GET /robots.txt HTTP/1.1\r\nHost: blog\r\n\r\n");
    assert!(out.contains("Disallow: /wp-admin/"), "{out}");
    let out = text(
        &s,
        "GET /wp-json/wp/v2/users HTTP/1.1\r\nHost: blog\r\n\r\n",
    );
    assert!(out.contains("\"slug\":\"admin\""), "{out}");
    let out = text(&s, "GET /phpinfo.php HTTP/1.1\r\nHost: blog\r\n\r\n");
    let host = HostProfile::generate(7);
    assert!(
        out.contains(&host.hostname) && out.contains(&host.kernel_release),
        "{out}"
    );
    assert!(!out.to_lowercase().contains("mirage"));
    let out = text(&s, "GET /no/such HTTP/1.1\r\nHost: blog\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.1 404 Not Found\r\n") && out.contains("Page not found"),
        "{out}"
    );
}

#[test]
fn the_rate_limit_is_the_server_s_answer() {
    let limits = LimitConfig {
        per_minute: 2,
        max_failures: 0,
        lockout_secs: 60,
    };
    let nginx = site(HttpLure::Nginx, limits);
    let three = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(3);
    let out = text(&nginx, &three);
    assert!(
        out.contains("HTTP/1.1 503 Service Temporarily Unavailable\r\n"),
        "{out}"
    );
    let apache = site(HttpLure::Apache, limits);
    let out = text(&apache, &three);
    assert!(out.contains("HTTP/1.1 403 Forbidden\r\n"), "{out}");
}

#[test]
fn huge_and_broken_requests_get_the_server_s_errors() {
    let nginx = site(HttpLure::Nginx, open_limits());
    let out = text(
        &nginx,
        &format!(
            "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
            "a".repeat(10_000)
        ),
    );
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert!(
        out.contains("<title>400 Request Header Or Cookie Too Large</title>"),
        "{out}"
    );
    let out = text(&nginx, &format!("GET /{} HTTP/1.1\r\n", "a".repeat(10_000)));
    assert!(
        out.starts_with("HTTP/1.1 414 Request-URI Too Large\r\n"),
        "{out}"
    );
    let apache = site(HttpLure::Apache, open_limits());
    let out = text(
        &apache,
        &format!(
            "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
            "a".repeat(10_000)
        ),
    );
    assert!(
        out.contains("Size of a request header field exceeds server limit."),
        "{out}"
    );
    let out = text(
        &apache,
        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n",
    );
    assert!(
        out.starts_with("HTTP/1.1 413 Request Entity Too Large\r\n"),
        "{out}"
    );
    // Truncated: the client went away mid-request; nothing is written.
    assert_eq!(text(&nginx, "GET / HTTP/1.1\r\nHost"), "");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn a_connection_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for lure in [HttpLure::Wordpress, HttpLure::Router] {
            let _ = exchange_bytes(&site(lure, open_limits()), &bytes);
        }
    }

    #[test]
    fn a_connection_never_panics_on_mangled_requests(
        prefix in "(GET|POST|HEAD|OPTIONS|get|PUT) /[ -~]{0,40} HTTP/1\\.[01]\r\n",
        rest in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut raw = prefix.into_bytes();
        raw.extend_from_slice(b"Host: x\r\n");
        raw.extend_from_slice(&rest);
        for lure in [HttpLure::Phpmyadmin, HttpLure::Webmail, HttpLure::Nginx] {
            let _ = exchange_bytes(&site(lure, open_limits()), &raw);
        }
    }
}

#[test]
fn trace_star_and_spacing_are_refused_as_each_server_does() {
    let nginx = site(HttpLure::Nginx, open_limits());
    let out = text(&nginx, "TRACE /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 405 Not Allowed\r\n"), "{out}");
    assert!(out.contains("\r\nConnection: close\r\n"), "{out}");
    let out = text(&nginx, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    let out = text(&nginx, "GET / HTTP/2.0\r\nHost: x\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"),
        "{out}"
    );
    let out = text(
        &nginx,
        "GET  / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    let out = text(&nginx, "\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 404 Not Found\r\n"), "{out}");

    let apache = site(HttpLure::Apache, open_limits());
    let out = text(&apache, "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
        "{out}"
    );
    assert!(out.contains("\r\nAllow: \r\n"), "{out}");
    let out = text(&apache, "GET  / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert!(
        out.contains("Server at 127.0.1.1 Port 80</address>"),
        "{out}"
    );
    let out = text(
        &apache,
        "GET / HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    let out = text(&apache, "GET /icons HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        out.contains("<p>The document has moved <a href=\"http://x/icons/\">here</a>.</p>"),
        "{out}"
    );
}

#[test]
fn static_files_answer_conditions_and_ranges() {
    for lure in [HttpLure::Nginx, HttpLure::Apache] {
        let s = site(lure, open_limits());
        let full = text(&s, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let field = |r: &str, name: &str| {
            r.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap()
                .to_owned()
        };
        let etag = field(&full, "ETag");
        let modified = field(&full, "Last-Modified");
        for condition in [
            format!("If-None-Match: {etag}"),
            format!("If-Modified-Since: {modified}"),
        ] {
            let out = text(
                &s,
                &format!("GET / HTTP/1.1\r\nHost: x\r\n{condition}\r\nConnection: close\r\n\r\n"),
            );
            assert!(out.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{out}");
            assert!(
                out.ends_with("\r\n\r\n") && !out.contains("Content-Length"),
                "{out}"
            );
            assert_eq!(field(&out, "ETag"), etag);
        }
        let out = text(
            &s,
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n",
        );
        assert!(out.starts_with("HTTP/1.1 206 Partial Content\r\n"), "{out}");
        assert_eq!(field(&out, "Content-Length"), "10");
        assert!(
            field(&out, "Content-Range").starts_with("bytes 0-9/"),
            "{out}"
        );
        assert_eq!(
            body_of(&out),
            &full[full.find("\r\n\r\n").unwrap() + 4..][..10]
        );
    }
}

fn body_of(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}
