//! Every lure × every probe path × GET/HEAD/OPTIONS, and malformed requests, against the real
//! binary: each answer carries its lure's web server, HEAD matches GET without a body, the
//! token files are served everywhere, nothing names Mirage, and the node keeps serving.

use std::net::SocketAddr;

use crate::common::{NodeProcess, raw_exchange};

/// The lures and the web server each imitates.
const LURES: &[(&str, &str)] = &[
    ("nginx", "nginx/1.18.0 (Ubuntu)"),
    ("apache", "Apache/2.4.52 (Ubuntu)"),
    ("wordpress", "Apache/2.4.52 (Ubuntu)"),
    ("phpmyadmin", "Apache/2.4.52 (Ubuntu)"),
    ("router", "nginx/1.18.0 (Ubuntu)"),
    ("webmail", "nginx/1.18.0 (Ubuntu)"),
];

/// What scanners ask for on every site.
const PROBES: &[&str] = &[
    "/",
    "/.env",
    "/.git/config",
    "/config.php.bak",
    "/server-status",
    "/actuator/env",
    "/phpinfo.php",
    "/robots.txt",
    "/favicon.ico",
];

/// Words that would give the honeypot away.
const TELLS: &[&str] = &["mirage", "actix", "rust", "panicked", "tokio", "httparse"];

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn parse(bytes: &[u8]) -> Answer {
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(bytes.len());
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let body = bytes.get(split + 4..).unwrap_or_default().to_vec();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Answer { status, head, body }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(": ")?;
            n.eq_ignore_ascii_case(name).then_some(v)
        })
    }
}

fn request(addr: SocketAddr, method: &str, path: &str) -> Answer {
    Answer::parse(&raw_exchange(
        addr,
        format!(
            "{method} {path} HTTP/1.1\r\nHost: 203.0.113.10\r\nUser-Agent: Mozilla/5.0 zgrab/0.x\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    ))
}

fn assert_no_tells(lure: &str, what: &str, answer: &Answer) {
    let text = format!("{}\n{}", answer.head, String::from_utf8_lossy(&answer.body)).to_lowercase();
    for tell in TELLS {
        assert!(!text.contains(tell), "{lure} {what}: {tell:?} in\n{text}");
    }
}

#[test]
fn every_lure_answers_every_probe_path_and_method_as_its_server() {
    for &(lure, server) in LURES {
        let node = NodeProcess::start(&[("MIRAGE_HTTP_LURE", lure)]);
        for &path in PROBES {
            let what = format!("GET {path}");
            let get = request(node.http, "GET", path);
            assert!(
                matches!(get.status, 200 | 301 | 302 | 403 | 404),
                "{lure} {what}: {}",
                get.head
            );
            assert_eq!(
                get.header("Server"),
                Some(server),
                "{lure} {what}: {}",
                get.head
            );
            assert!(get.header("Date").is_some(), "{lure} {what}: {}", get.head);
            assert_no_tells(lure, &what, &get);
            if matches!(path, "/.env" | "/.git/config" | "/config.php.bak") {
                // Planted on every lure: the token files scanners look for.
                assert_eq!(get.status, 200, "{lure} {what}: {}", get.head);
            }
            if path == "/.env" {
                let text = String::from_utf8_lossy(&get.body);
                assert!(text.contains("AKIA"), "{lure}: {text}");
                assert!(text.contains("DB_USERNAME="), "{lure}: {text}");
                assert!(text.contains("DB_PASSWORD="), "{lure}: {text}");
            }

            let head = request(node.http, "HEAD", path);
            assert_eq!(head.status, get.status, "{lure} HEAD {path}: {}", head.head);
            assert!(head.body.is_empty(), "{lure} HEAD {path}: a body");
            assert_eq!(head.header("Server"), Some(server), "{lure} HEAD {path}");
            // phpinfo() prints the request method, so its HEAD length is its own.
            if get.header("Transfer-Encoding").is_none() && path != "/phpinfo.php" {
                assert_eq!(
                    head.header("Content-Length"),
                    get.header("Content-Length"),
                    "{lure} HEAD {path}: {}\nGET: {}",
                    head.head,
                    get.head
                );
            }

            let options = request(node.http, "OPTIONS", path);
            assert!(
                matches!(options.status, 200 | 204 | 301 | 302 | 403 | 404 | 405),
                "{lure} OPTIONS {path}: {}",
                options.head
            );
            assert_eq!(
                options.header("Server"),
                Some(server),
                "{lure} OPTIONS {path}"
            );
            // Apache answers OPTIONS on static files itself, with `Allow`; on a PHP site
            // the script gets the request and answers it like a GET.
            if options.status == 200 && lure == "apache" {
                assert!(
                    options.header("Allow").is_some(),
                    "{lure}: {}",
                    options.head
                );
            }
            assert_no_tells(lure, &format!("OPTIONS {path}"), &options);
        }
    }
}

#[test]
fn every_lure_survives_malformed_requests_with_its_server_s_errors() {
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let huge_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(20_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "lowercase method",
            b"get / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "made-up method",
            b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        ("huge header", huge_header.into_bytes()),
        ("huge uri", huge_uri.into_bytes()),
        (
            "invalid UTF-8 path",
            b"GET /\xff\xfe\xc3(/index.php HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        ),
        (
            "invalid UTF-8 header",
            b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: \xff\xfe\x80\r\n\r\n".to_vec(),
        ),
        (
            "garbage",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
        ),
        ("no version", b"GET /\r\n\r\n".to_vec()),
        ("bad version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n".to_vec()),
        (
            "bad content length",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".to_vec(),
        ),
    ];
    for &(lure, server) in LURES {
        let node = NodeProcess::start(&[("MIRAGE_HTTP_LURE", lure)]);
        for (what, bytes) in &cases {
            let answer = Answer::parse(&raw_exchange(node.http, bytes));
            if !answer.head.is_empty() && answer.head.starts_with("HTTP/") {
                assert!(
                    (400..600).contains(&answer.status) || answer.status == 200,
                    "{lure} {what}: {}",
                    answer.head
                );
                assert_eq!(
                    answer.header("Server"),
                    Some(server),
                    "{lure} {what}: {}",
                    answer.head
                );
                assert_no_tells(lure, what, &answer);
            }
        }
        // Still serving, and nothing crashed.
        let after = request(node.http, "GET", "/");
        assert_eq!(after.status, 200, "{lure}: {}", after.head);
        assert!(
            !node.stderr().contains("panicked"),
            "{lure}: {}",
            node.stderr()
        );
    }
}
