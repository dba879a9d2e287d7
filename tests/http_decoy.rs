//! The HTTP decoy of the real binary, with a raw TCP client: exact bytes in, exact answers out,
//! for each lure, each probe path, HEAD/OPTIONS and malformed requests; events in the JSON log;
//! rate limits and lockouts that outlive a restart.

use std::net::SocketAddr;

use crate::common::{NodeProcess, raw_exchange};

/// Sends `raw`, closes the sending side, returns everything the decoy answered.
fn raw(addr: SocketAddr, raw: &[u8]) -> String {
    String::from_utf8_lossy(&raw_exchange(addr, raw)).into_owned()
}

fn get(addr: SocketAddr, path: &str) -> String {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: decoy.example\r\nUser-Agent: probe/1.0\r\n\r\n")
            .as_bytes(),
    )
}

fn post_form(addr: SocketAddr, path: &str, body: &str) -> String {
    raw(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nHost: decoy.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

fn status(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn header_names(response: &str) -> Vec<&str> {
    let head = response.split("\r\n\r\n").next().unwrap_or("");
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(": ").map(|(n, _)| n))
        .collect()
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// Waits for a failed login with these credentials in the JSON log.
fn wait_login(node: &NodeProcess, user: &str, pass: &str) {
    node.wait_for_log("cowrie.login.failed", |e| {
        e["eventid"] == "cowrie.login.failed"
            && e["protocol"] == "http"
            && e["username"] == user
            && e["password"] == pass
    });
}

#[test]
fn nginx_default_lure_looks_like_ubuntu_nginx_on_the_wire() {
    let node = NodeProcess::start(&[("MIRAGE_HONEYTOKENS_ENABLED", "false")]);
    let addr = node.http;
    let page = get(addr, "/");
    assert!(
        page.starts_with("HTTP/1.1 200 OK\r\nServer: nginx/1.18.0 (Ubuntu)\r\nDate: "),
        "{page}"
    );
    assert_eq!(
        header_names(&page),
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
    assert!(body(&page).contains("<title>Welcome to nginx!</title>"));

    let missing = get(addr, "/nope");
    assert!(
        missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{missing}"
    );
    assert_eq!(
        body(&missing),
        "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n"
    );
    // HEAD: the GET headers, the same length, no body.
    let head = raw(addr, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    let length = |r: &str| {
        r.lines()
            .find(|l| l.starts_with("Content-Length:"))
            .map(str::to_owned)
    };
    assert_eq!(length(&head), length(&page));
    assert!(head.ends_with("\r\n\r\n"), "{head}");
    for request in [
        "OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
        "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let out = raw(addr, request.as_bytes());
        assert!(out.starts_with("HTTP/1.1 405 Not Allowed\r\n"), "{out}");
    }
    // Probe paths a stock nginx does not have.
    for path in [
        "/.env",
        "/.git/config",
        "/config.php.bak",
        "/server-status",
        "/actuator/env",
        "/phpinfo.php",
        "/robots.txt",
        "/favicon.ico",
        "/healthz",
        "/metrics",
    ] {
        let out = get(addr, path);
        assert_eq!(status(&out), 404, "{path}: {out}");
        assert!(!out.to_lowercase().contains("mirage"), "{out}");
    }
    // Every request is an event, with its headers in order.
    let events = node.wait_for_log("mirage.http.request", |e| {
        e["eventid"] == "mirage.http.request" && e["path"] == "/actuator/env"
    });
    let probe = events
        .iter()
        .find(|e| e["eventid"] == "mirage.http.request" && e["path"] == "/actuator/env")
        .unwrap();
    assert_eq!(probe["status"], 404);
    assert_eq!(probe["method"], "GET");
    assert_eq!(probe["user_agent"], "probe/1.0");
    assert_eq!(probe["lure"], "nginx");
    assert_eq!(probe["headers"][0][0], "Host");
    assert!(
        events
            .iter()
            .any(|e| e["eventid"] == "cowrie.session.connect" && e["protocol"] == "http")
    );
}

#[test]
fn malformed_requests_get_nginx_answers_and_the_node_keeps_serving() {
    let node = NodeProcess::start(&[]);
    let addr = node.http;
    let bad = |request: &[u8]| {
        let out = raw(addr, request);
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(out.contains("\r\nConnection: close\r\n"), "{out}");
        assert!(
            out.contains("<hr><center>nginx/1.18.0 (Ubuntu)</center>"),
            "{out}"
        );
        out
    };
    bad(b"get / HTTP/1.1\r\nHost: x\r\n\r\n");
    bad(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage");
    bad(b"GET / HTTP/1.1\r\n\r\n");
    bad(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n");
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let out = bad(huge.as_bytes());
    assert!(
        out.contains("<title>400 Request Header Or Cookie Too Large</title>"),
        "{out}"
    );
    let long = raw(
        addr,
        format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(20_000)).as_bytes(),
    );
    assert!(
        long.starts_with("HTTP/1.1 414 Request-URI Too Large\r\n"),
        "{long}"
    );
    let big = raw(
        addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
    );
    assert!(
        big.starts_with("HTTP/1.1 413 Request Entity Too Large\r\n"),
        "{big}"
    );
    // Invalid UTF-8 in the path and a header: an ordinary 404.
    let out = raw(
        addr,
        b"GET /\xff\xfe\xc3 HTTP/1.1\r\nHost: x\r\nX-Bin: \xff\x80\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 404 Not Found\r\n"), "{out}");
    // HTTP/0.9: the bare page.
    let out = raw(addr, b"GET /\r\n");
    assert!(out.starts_with("<!DOCTYPE html>"), "{out}");
    // Truncated: the client gave up mid-request; nothing is answered.
    assert_eq!(raw(addr, b"GET / HTTP/1.1\r\nHo"), "");
    // Pipelined keep-alive requests are answered in order.
    let out = raw(
        addr,
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    let a = out.find("404 Not Found").unwrap();
    let b = out.find("200 OK").unwrap();
    assert!(a < b, "{out}");
    // Still serving.
    assert_eq!(status(&get(addr, "/")), 200);
    node.wait_for_log("refused request event", |e| {
        e["eventid"] == "mirage.http.request" && e["method"] == "get" && e["status"] == 400
    });
}

#[test]
fn wordpress_lure_records_logins_and_answers_like_wordpress() {
    let node = NodeProcess::start(&[("MIRAGE_HTTP_LURE", "wordpress")]);
    let addr = node.http;
    let home = get(addr, "/");
    assert!(home.starts_with("HTTP/1.1 200 OK\r\nDate: "), "{home}");
    assert!(
        home.contains("\r\nServer: Apache/2.4.52 (Ubuntu)\r\n"),
        "{home}"
    );
    assert!(home.contains("WordPress"), "{home}");
    let names = header_names(&home);
    assert_eq!(names[..2], ["Date", "Server"]);
    assert_eq!(
        names[names.len() - 3..],
        ["Keep-Alive", "Connection", "Content-Type"]
    );
    let form = get(addr, "/wp-login.php");
    assert!(form.contains("name=\"log\"") && form.contains("name=\"pwd\""));
    assert!(form.contains("Set-Cookie: wordpress_test_cookie=WP%20Cookie%20check"));

    let out = post_form(
        addr,
        "/wp-login.php",
        "log=admin&pwd=hunter2&wp-submit=Log+In",
    );
    assert_eq!(status(&out), 200);
    assert!(
        out.contains(
            "The password you entered for the username <strong>admin</strong> is incorrect."
        ),
        "{out}"
    );
    wait_login(&node, "admin", "hunter2");
    let out = post_form(addr, "/wp-login.php", "log=eve&pwd=x");
    assert!(
        out.contains("The username <strong>eve</strong> is not registered"),
        "{out}"
    );

    // The directory without its slash: Apache's own redirect page.
    let dir = get(addr, "/wp-admin");
    assert!(
        dir.starts_with("HTTP/1.1 301 Moved Permanently\r\n"),
        "{dir}"
    );
    assert!(
        dir.contains(
            "<p>The document has moved <a href=\"http://decoy.example/wp-admin/\">here</a>.</p>"
        ),
        "{dir}"
    );
    let admin = get(addr, "/wp-admin/");
    assert!(admin.starts_with("HTTP/1.1 302 Found\r\n"), "{admin}");
    assert!(admin.contains("wp-login.php?redirect_to="), "{admin}");
    assert!(admin.contains("&reauth=1"), "{admin}");

    let xml = get(addr, "/xmlrpc.php");
    assert_eq!(body(&xml), "XML-RPC server accepts POST requests only.");
    let call = "<?xml version=\"1.0\"?><methodCall><methodName>wp.getUsersBlogs</methodName><params><param><value><string>editor</string></value></param><param><value><string>s3cret!</string></value></param></params></methodCall>";
    let out = raw(
        addr,
        format!(
            "POST /xmlrpc.php HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{call}",
            call.len()
        )
        .as_bytes(),
    );
    assert!(out.contains("<int>403</int>"), "{out}");
    assert!(out.contains("Incorrect username or password."), "{out}");
    wait_login(&node, "editor", "s3cret!");

    let users = get(addr, "/wp-json/wp/v2/users");
    assert!(users.contains("\"slug\":\"admin\""), "{users}");
    let robots = get(addr, "/robots.txt");
    assert!(
        body(&robots).starts_with("User-agent: *\nDisallow: /wp-admin/"),
        "{robots}"
    );
    let favicon = get(addr, "/favicon.ico");
    assert!(favicon.starts_with("HTTP/1.1 302 Found\r\n"), "{favicon}");
    let logo = get(addr, "/wp-includes/images/w-logo-blue-white-bg.png");
    assert!(logo.contains("Content-Type: image/png\r\n"), "{logo}");
    assert!(body(&logo).contains("PNG"));
    let status_page = get(addr, "/server-status");
    assert!(
        status_page.starts_with("HTTP/1.1 403 Forbidden\r\n"),
        "{status_page}"
    );
    let info = get(addr, "/phpinfo.php");
    assert!(info.contains("PHP Version 8.1.2-1ubuntu2.14"), "{info}");
    assert!(info.contains("127.0.0.1"), "REMOTE_ADDR echoed: {info}");
    assert!(!info.to_lowercase().contains("mirage"));
    // OPTIONS on a static file: Apache's own answer (PHP pages run for any method).
    let options = raw(
        addr,
        b"OPTIONS /wp-content/themes/twentytwentytwo/style.css HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert!(options.starts_with("HTTP/1.1 200 OK\r\n"), "{options}");
    assert!(
        options.contains("Allow: OPTIONS,HEAD,GET,POST\r\n"),
        "{options}"
    );
    let missing = get(addr, "/no-such-page/");
    assert!(
        missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{missing}"
    );
    assert!(missing.contains("Page not found"), "{missing}");
    // Apache's own 400, with its footer.
    let bad = raw(addr, b"GET / HTTP/1.1\r\n\r\n");
    assert!(
        bad.contains("<address>Apache/2.4.52 (Ubuntu) Server at 127.0.1.1 Port 80</address>"),
        "{bad}"
    );
}

#[test]
fn the_other_lures_serve_their_login_and_record_it() {
    // (lure, page path, marker, login path, form, user, password, answer)
    let cases = [
        (
            "phpmyadmin",
            "/phpmyadmin/",
            "<title>phpMyAdmin</title>",
            "/index.php",
            "pma_username=root&pma_password=toor&server=1",
            "root",
            "toor",
            "Access denied for user 'root'@'localhost' (using password: YES)",
        ),
        (
            "router",
            "/",
            "<title>Router Login</title>",
            "/login",
            "username=admin&password=admin1",
            "admin",
            "admin1",
            "The username or password is incorrect.",
        ),
        (
            "webmail",
            "/",
            "Roundcube Webmail",
            "/?_task=login",
            "_task=login&_action=login&_user=info%40example.com&_pass=p%40ss",
            "info@example.com",
            "p@ss",
            "Login failed.",
        ),
    ];
    for (lure, page, marker, login, form, user, pass, answer) in cases {
        let node = NodeProcess::start(&[("MIRAGE_HTTP_LURE", lure)]);
        let out = get(node.http, page);
        assert_eq!(status(&out), 200, "{lure}: {out}");
        assert!(out.contains(marker), "{lure}: {out}");
        let out = post_form(node.http, login, form);
        assert!(out.contains(answer), "{lure}: {out}");
        wait_login(&node, user, pass);
        let icon = get(node.http, "/favicon.ico");
        assert_eq!(status(&icon), 200, "{lure}: {icon}");
        assert!(body(&icon).starts_with("\0\0\u{1}\0"), "{lure}: an icon");
        let server = if lure == "phpmyadmin" {
            "Server: Apache/2.4.52 (Ubuntu)"
        } else {
            "Server: nginx/1.18.0 (Ubuntu)"
        };
        assert!(out.contains(server), "{lure}: {out}");
        assert_eq!(status(&get(node.http, "/actuator/env")), 404, "{lure}");
        let info = get(node.http, "/phpinfo.php");
        assert_eq!(
            status(&info),
            if lure == "router" { 404 } else { 200 },
            "{lure}"
        );
    }
}

#[test]
fn apache_default_lure() {
    let node = NodeProcess::start(&[("MIRAGE_HTTP_LURE", "apache")]);
    let page = get(node.http, "/");
    assert!(
        page.contains("<title>Apache2 Ubuntu Default Page: It works</title>"),
        "{page}"
    );
    assert_eq!(
        header_names(&page),
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
    let out = raw(node.http, b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 501 Not Implemented\r\n"), "{out}");
    let out = get(node.http, "/server-status");
    assert!(out.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{out}");
    assert!(out.contains("<p>You don't have permission to access this resource.</p>"));
    assert_eq!(status(&get(node.http, "/phpinfo.php")), 404);
    assert_eq!(status(&get(node.http, "/robots.txt")), 404);
}

#[test]
fn planted_tokens_are_served_at_probe_paths() {
    let node = NodeProcess::start(&[("MIRAGE_HTTP_LURE", "wordpress")]);
    let out = get(node.http, "/.env");
    assert_eq!(status(&out), 200, "{out}");
    node.wait_for_log("mirage.honeytoken.accessed", |e| {
        e["eventid"] == "mirage.honeytoken.accessed" && e["how"] == "GET /.env"
    });
}

#[test]
fn the_rate_limit_outlives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let env = [("MIRAGE_HTTP_RATE_LIMIT_PER_MINUTE", "1")];
    let mut node = NodeProcess::start_in(&dir, &env);
    assert_eq!(status(&get(node.http, "/")), 200);
    let limited = get(node.http, "/");
    assert!(
        limited.starts_with("HTTP/1.1 503 Service Temporarily Unavailable\r\n"),
        "{limited}"
    );
    node.terminate();
    let node = NodeProcess::start_in(&dir, &env);
    let limited = get(node.http, "/");
    assert_eq!(status(&limited), 503, "{limited}");
}

#[test]
fn the_login_lockout_outlives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let env = [
        ("MIRAGE_HTTP_LURE", "wordpress"),
        ("MIRAGE_HTTP_LOGIN_MAX_FAILURES", "2"),
    ];
    let mut node = NodeProcess::start_in(&dir, &env);
    let out = post_form(node.http, "/wp-login.php", "log=admin&pwd=one");
    assert!(
        out.contains("<strong>1</strong> attempts remaining."),
        "{out}"
    );
    let out = post_form(node.http, "/wp-login.php", "log=admin&pwd=two");
    assert!(
        out.contains("Too many failed login attempts. Please try again in 20 minutes."),
        "{out}"
    );
    node.terminate();
    let node = NodeProcess::start_in(&dir, &env);
    let out = post_form(node.http, "/wp-login.php", "log=admin&pwd=three");
    assert!(out.contains("Too many failed login attempts."), "{out}");
    // Still recorded while locked out.
    wait_login(&node, "admin", "three");
}

#[test]
fn an_idle_client_s_next_request_is_a_new_session() {
    let node = NodeProcess::start(&[("MIRAGE_HTTP_SESSION_IDLE_SECS", "2")]);
    assert_eq!(status(&get(node.http, "/")), 200);
    assert_eq!(status(&get(node.http, "/nope")), 404);
    // Idle past the limit: the session is closed ...
    let events = node.wait_for_log("cowrie.session.closed", |e| {
        e["eventid"] == "cowrie.session.closed" && e["protocol"] == "http"
    });
    let first = |id: &str| {
        events
            .iter()
            .filter(|e| e["eventid"] == id && e["protocol"] == "http")
            .map(|e| e["session"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let connects = first("cowrie.session.connect");
    assert_eq!(connects.len(), 1, "both requests were one session");
    assert_eq!(first("cowrie.session.closed"), connects);
    let requests = first("mirage.http.request");
    assert_eq!(requests, [connects[0].clone(), connects[0].clone()]);
    // ... and the next request starts another.
    assert_eq!(status(&get(node.http, "/")), 200);
    let events = node.wait_for_log("a second session", |e| {
        e["eventid"] == "cowrie.session.connect"
            && e["protocol"] == "http"
            && e["session"] != connects[0].as_str()
    });
    assert!(
        events
            .iter()
            .any(|e| e["eventid"] == "mirage.http.request" && e["session"] != connects[0].as_str())
    );
}
