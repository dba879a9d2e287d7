use proptest::prelude::*;

use super::*;

fn nginx(buf: &[u8]) -> Parsed {
    parse(buf, &ServerKind::Nginx.limits(), ServerKind::Nginx)
}

fn apache(buf: &[u8]) -> Parsed {
    parse(buf, &ServerKind::Apache.limits(), ServerKind::Apache)
}

fn complete(parsed: Parsed) -> (Request, usize) {
    match parsed {
        Parsed::Complete(req, used) => (*req, used),
        other => panic!("not complete: {other:?}"),
    }
}

fn error(parsed: Parsed) -> ParseError {
    match parsed {
        Parsed::Error(err) => err,
        other => panic!("not an error: {other:?}"),
    }
}

#[test]
fn a_form_post_is_parsed_with_its_body_and_header_order() {
    let raw = b"POST /wp-login.php?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: u\r\nContent-Length: 17\r\n\r\nlog=admin&pwd=a+b";
    let (req, used) = complete(apache(raw));
    assert_eq!(used, raw.len());
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/wp-login.php");
    assert_eq!(req.query, "x=1");
    let names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Host", "User-Agent", "Content-Length"]);
    assert_eq!(req.form_field("log").as_deref(), Some("admin"));
    assert_eq!(req.form_field("pwd").as_deref(), Some("a b"));
}

#[test]
fn a_partial_request_waits_for_more() {
    assert!(matches!(
        nginx(b"GET / HTTP/1.1\r\nHost: a\r\n"),
        Parsed::Incomplete
    ));
    assert!(matches!(
        nginx(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab"),
        Parsed::Incomplete
    ));
}

#[test]
fn chunked_bodies_are_decoded() {
    let raw = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET";
    let (req, used) = complete(nginx(raw));
    assert_eq!(req.body, b"abcde");
    assert_eq!(&raw[used..], b"GET");
}

#[test]
fn each_server_refuses_what_it_refuses() {
    // nginx: lower-case methods are not methods; Apache takes any token.
    assert_eq!(error(nginx(b"get / HTTP/1.1\r\n")), ParseError::BadRequest);
    assert!(matches!(
        apache(b"get / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Parsed::Complete(..)
    ));
    // Binary garbage (a TLS hello) is refused at once.
    assert_eq!(
        error(nginx(b"\x16\x03\x01\x02\x00\x01")),
        ParseError::NotHttp
    );
    assert_eq!(error(apache(b"\x16\x03\x01")), ParseError::NotHttp);
    // Blank lines before a request are skipped.
    let (req, used) = complete(nginx(b"\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
    assert_eq!((req.path.as_str(), used), ("/x", 30));
    // HTTP/2.0 on the request line: nginx 505, Apache serves it.
    assert_eq!(
        error(nginx(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n")),
        ParseError::VersionNotSupported
    );
    assert!(matches!(
        apache(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
        Parsed::Complete(..)
    ));
    // HTTP/1.1 needs Host.
    assert_eq!(
        error(nginx(b"GET / HTTP/1.1\r\n\r\n")),
        ParseError::BadRequest
    );
    let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(9000));
    assert_eq!(error(nginx(long.as_bytes())), ParseError::UriTooLong);
    let header = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nCookie: {}\r\n\r\n",
        "c".repeat(9000)
    );
    assert_eq!(error(nginx(header.as_bytes())), ParseError::HeaderTooLarge);
    let body = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n";
    assert!(matches!(error(apache(body)), ParseError::BodyTooLarge { path, .. } if path == "/x"));
    let many: String = (0..120).map(|i| format!("X-{i}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n");
    assert_eq!(error(apache(many.as_bytes())), ParseError::TooManyHeaders);
}

#[test]
fn a_simple_request_is_http_0_9() {
    let (req, used) = complete(nginx(b"GET /index.html\r\n"));
    assert_eq!(req.version, Version::Http09);
    assert_eq!(req.path, "/index.html");
    assert_eq!(used, 17);
}

#[test]
fn invalid_utf8_in_path_and_headers_is_kept_lossily() {
    let (req, _) = complete(nginx(
        b"GET /\xff\xfe?q=\xc3 HTTP/1.1\r\nHost: a\r\nX-A: \xff\r\n\r\n",
    ));
    assert_eq!(req.path, "/\u{fffd}\u{fffd}");
    assert_eq!(req.header("x-a"), Some(&b"\xff"[..]));
}

#[test]
fn salvage_keeps_what_it_can() {
    let req = salvage(b"\x16\x03 junk\r\nX: y\r\n");
    assert_eq!(req.headers, vec![("X".to_owned(), b"y".to_vec())]);
}

proptest! {
    #[test]
    fn parsing_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = nginx(&bytes);
        let _ = apache(&bytes);
        let _ = salvage(&bytes);
    }

    #[test]
    fn parsing_request_like_text_never_panics(
        method in "[A-Za-z]{0,8}",
        target in "[ -~]{0,64}",
        headers in proptest::collection::vec(("[ -~]{0,16}", "[ -~\u{80}-\u{ff}]{0,32}"), 0..8),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        chunked in any::<bool>(),
    ) {
        let mut raw = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
        for (k, v) in headers {
            raw.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        if chunked {
            raw.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
        } else {
            raw.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        raw.extend_from_slice(&body);
        for end in [raw.len() / 2, raw.len()] {
            let _ = nginx(&raw[..end]);
            let _ = apache(&raw[..end]);
        }
    }
}
