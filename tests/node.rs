//! The real `mirage` binary driven by the system's OpenSSH client: logins, PTY shell, exec,
//! host-key persistence, events in the log and the store, admin endpoints, SIGTERM.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{NodeProcess, OpenSsh, PASSWORD, http_get, http_request, keyscan};

fn eventids(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["eventid"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn pty_shell_shows_a_prompt_runs_commands_and_exits_cleanly() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let (code, out, err) = ssh.run(
        node.ssh.port(),
        "root",
        &["-tt"],
        b"echo hello-mirage\npwd\nwhoami\nexit\n",
    );
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let host: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(node.data_dir.join("host.json")).unwrap())
            .unwrap();
    let prompt = format!("root@{}:~# ", host["hostname"].as_str().unwrap());
    assert!(out.contains(&prompt), "no prompt {prompt:?} in {out:?}");
    assert!(out.contains("hello-mirage\r\n"), "{out:?}");
    assert!(out.contains("/root\r\n"), "{out:?}");
    assert!(out.contains("root\r\n"), "{out:?}");
    assert!(out.contains("logout"), "{out:?}");
}

#[test]
fn exec_request_returns_output_and_exit_status() {
    let node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let (code, out, err) = ssh.run(node.ssh.port(), "root", &["uname -a"], b"");
    assert_eq!(code, 0, "{err}");
    let host: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(node.data_dir.join("host.json")).unwrap())
            .unwrap();
    assert!(out.starts_with("Linux "), "{out:?}");
    assert!(out.contains(host["hostname"].as_str().unwrap()), "{out:?}");
    assert!(out.ends_with("GNU/Linux\n"), "{out:?}");

    let (code, _, _) = ssh.run(node.ssh.port(), "root", &["exit 3"], b"");
    assert_eq!(code, 3);
    let (code, out, _) = ssh.run(node.ssh.port(), "root", &["nosuchcmd"], b"");
    assert_eq!(code, 127, "{out}");
}

#[test]
fn denied_logins_fail_and_are_logged_with_the_credentials() {
    let node = NodeProcess::start(&[]);
    // The default userdb denies root/root, like Cowrie's.
    let (code, _, err) = OpenSsh::new("root").run(node.ssh.port(), "root", &["true"], b"");
    assert_eq!(code, 255, "{err}");
    assert!(err.contains("Permission denied"), "{err}");
    node.wait_for_log("login failure", |e| {
        e["eventid"] == "cowrie.login.failed" && e["username"] == "root" && e["password"] == "root"
    });
}

#[test]
fn userdb_from_the_environment_decides_logins() {
    let node = NodeProcess::start(&[("MIRAGE_AUTH_USERDB", "root:x:*,!root:x:123456")]);
    let port = node.ssh.port();
    let (code, _, _) = OpenSsh::new("123456").run(port, "root", &["true"], b"");
    assert_eq!(code, 255, "root/123456 must be denied");
    let (code, _, err) = OpenSsh::new("anything-else").run(port, "root", &["true"], b"");
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = OpenSsh::new("anything-else").run(port, "admin", &["true"], b"");
    assert_eq!(code, 255, "admin is not in this userdb");
}

#[test]
fn accept_after_policy_lets_the_nth_attempt_in() {
    let node = NodeProcess::start(&[
        ("MIRAGE_AUTH_POLICY", "accept_after"),
        ("MIRAGE_AUTH_ACCEPT_AFTER", "3"),
    ]);
    let port = node.ssh.port();
    let codes: Vec<i32> = (0..3)
        .map(|_| OpenSsh::new("pw1").run(port, "oracle", &["true"], b"").0)
        .collect();
    assert_eq!(codes, vec![255, 255, 0]);
    // The credentials that worked keep working; others no longer do.
    assert_eq!(OpenSsh::new("pw1").run(port, "oracle", &["true"], b"").0, 0);
    assert_eq!(
        OpenSsh::new("pw2").run(port, "oracle", &["true"], b"").0,
        255
    );
}

#[test]
fn rejected_logins_are_answered_after_the_rejection_time() {
    let node = NodeProcess::start(&[("MIRAGE_SSH_AUTH_REJECTION_TIME_MS", "1500")]);
    let started = Instant::now();
    let (code, _, _) = OpenSsh::new("root").run(node.ssh.port(), "root", &["true"], b"");
    assert_eq!(code, 255);
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_restart_presents_the_same_host_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mut node = NodeProcess::start_in(&dir, &[]);
    let before = keyscan(node.ssh.port());
    assert_eq!(before.len(), 3, "rsa, ecdsa and ed25519: {before:?}");
    for file in [
        "ssh_host_ed25519_key",
        "ssh_host_ecdsa_key",
        "ssh_host_rsa_key",
    ] {
        assert!(dir.join("keys").join(file).exists(), "{file}");
    }
    let (status, _) = node.terminate();
    assert!(status.success());
    let node = NodeProcess::start_in(&dir, &[]);
    let strip_port = |keys: Vec<String>| -> Vec<String> {
        keys.into_iter()
            .map(|k| k.split_once(' ').unwrap().1.to_owned())
            .collect()
    };
    assert_eq!(strip_port(keyscan(node.ssh.port())), strip_port(before));
}

#[test]
fn every_session_event_reaches_the_json_log_and_the_store() {
    let mut node = NodeProcess::start(&[]);
    let (code, _, err) = OpenSsh::new(PASSWORD).run(node.ssh.port(), "root", &["uname -a"], b"");
    assert_eq!(code, 0, "{err}");
    let events = node.wait_for_log("session close", |e| e["eventid"] == "cowrie.session.closed");
    let ids = eventids(&events);
    for id in [
        "cowrie.session.connect",
        "cowrie.client.version",
        "cowrie.client.kex",
        "cowrie.login.success",
        "cowrie.command.input",
        "cowrie.session.closed",
    ] {
        assert!(ids.iter().any(|i| i == id), "missing {id} in {ids:?}");
    }
    let find = |id: &str| events.iter().find(|e| e["eventid"] == id).unwrap().clone();
    let session = find("cowrie.session.connect")["session"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        events.iter().all(|e| e["session"] == session.as_str()),
        "one session only"
    );
    assert!(
        find("cowrie.client.version")["version"]
            .as_str()
            .unwrap()
            .starts_with("SSH-2.0-OpenSSH_")
    );
    let kex = find("cowrie.client.kex");
    assert_eq!(kex["hassh"].as_str().unwrap().len(), 32, "{kex}");
    assert!(
        kex["hasshAlgorithms"]
            .as_str()
            .unwrap()
            .contains("curve25519-sha256"),
        "{kex}"
    );
    assert_eq!(find("cowrie.login.success")["password"], PASSWORD);
    assert_eq!(find("cowrie.command.input")["input"], "uname -a");
    assert!(find("cowrie.session.closed")["duration_ms"].is_u64());
    for e in &events {
        assert_eq!(e["src_ip"], "127.0.0.1");
        assert_eq!(e["dst_port"], node.ssh.port());
        assert!(e["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    // The store holds the same events, exactly once (checked after a clean stop).
    let (status, _) = node.terminate();
    assert!(status.success());
    let db = rusqlite::Connection::open(node.data_dir.join("mirage.db")).unwrap();
    let mut stmt = db
        .prepare("SELECT id FROM events WHERE session_id = ?1")
        .unwrap();
    let stored: Vec<String> = stmt
        .query_map([&session], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let logged: HashSet<String> = events
        .iter()
        .map(|e| e["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        stored.len(),
        stored.iter().collect::<HashSet<_>>().len(),
        "duplicates in store"
    );
    assert_eq!(stored.into_iter().collect::<HashSet<_>>(), logged);
}

#[test]
fn sigterm_closes_sessions_flushes_events_and_exits_zero() {
    let mut node = NodeProcess::start(&[]);
    let ssh = OpenSsh::new(PASSWORD);
    let mut client = ssh
        .command(node.ssh.port(), "root", &["-tt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = client.stdin.take().unwrap();
    stdin.write_all(b"echo still-here\n").unwrap();
    node.wait_for_log("the command", |e| e["input"] == "echo still-here");

    let (status, took) = node.terminate();
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // The client was disconnected.
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "client still connected after shutdown"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let events = node.log_events();
    assert!(
        eventids(&events).contains(&"cowrie.session.closed".to_owned()),
        "{events:#?}"
    );
    let db = rusqlite::Connection::open(node.data_dir.join("mirage.db")).unwrap();
    let closed: i64 = db
        .query_row(
            "SELECT count(*) FROM events WHERE eventid = 'cowrie.session.closed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(closed, 1, "the closing event was flushed to the store");
    let spooled = std::fs::read_dir(node.data_dir.join("spool"))
        .unwrap()
        .count();
    assert_eq!(spooled, 0, "nothing left in the spool");
}

#[test]
fn admin_listener_reports_health_readiness_and_metrics() {
    let node = NodeProcess::start(&[]);
    let (status, _, body) = http_get(node.admin, "/healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, _, body) = http_get(node.admin, "/readyz");
    assert_eq!(status, 200, "{body}");
    let ready: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["store"], "ok");
    assert_eq!(ready["store_backend"], "sqlite");

    let (code, _, _) = OpenSsh::new(PASSWORD).run(node.ssh.port(), "root", &["echo hi"], b"");
    assert_eq!(code, 0);
    let (_, _, _) = OpenSsh::new("root").run(node.ssh.port(), "root", &["true"], b"");
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let (status, head, body) = http_get(node.admin, "/metrics");
        assert_eq!(status, 200);
        assert!(
            head.to_lowercase().contains("content-type: text/plain"),
            "{head}"
        );
        if body.contains("mirage_sessions_total{protocol=\"ssh\"} 2")
            && body.contains("mirage_sessions_active{protocol=\"ssh\"} 0")
        {
            break body;
        }
        assert!(Instant::now() < deadline, "{body}");
        std::thread::sleep(Duration::from_millis(50));
    };
    for line in [
        "mirage_logins_total{result=\"success\"} 1",
        "mirage_logins_total{result=\"failed\"} 1",
        "mirage_commands_total 1",
        "mirage_events_spooled",
        "mirage_actor_restarts_total{actor=\"session\"} 0",
        "mirage_command_seconds_bucket",
        "mirage_http_request_seconds_count{listener=\"admin\"}",
    ] {
        assert!(metrics.contains(line), "missing {line:?} in\n{metrics}");
    }
}

#[test]
fn decoy_ports_reveal_no_health_or_metrics() {
    let node = NodeProcess::start(&[]);
    for path in ["/healthz", "/readyz", "/metrics"] {
        let (status, head, body) = http_get(node.http, path);
        assert_eq!(status, 404, "{path}");
        assert!(
            head.contains("\r\nServer: nginx/1.18.0 (Ubuntu)\r\n"),
            "{head}"
        );
        assert!(!body.contains("mirage"), "{body}");
    }
    let (status, _, body) = http_get(node.http, "/");
    assert_eq!(status, 200);
    assert!(body.contains("Welcome to nginx!"));

    // The SSH port speaks SSH, whatever is sent to it.
    let mut stream = TcpStream::connect(node.ssh).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").unwrap();
    let mut banner = vec![0u8; 64];
    let n = stream.read(&mut banner).unwrap();
    let banner = String::from_utf8_lossy(&banner[..n]);
    // The release follows the host profile's distro (`ssh.profile = "auto"`).
    assert!(
        banner.starts_with("SSH-2.0-OpenSSH_") && banner.contains(" Ubuntu-"),
        "{banner:?}"
    );
    assert!(!banner.to_lowercase().contains("mirage") && !banner.contains("russh"));
}

#[test]
fn an_admin_token_guards_metrics_but_not_health() {
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", "t0ken")]);
    assert_eq!(http_get(node.admin, "/metrics").0, 401);
    let (status, _, _) = http_request(
        node.admin,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer wrong")],
    );
    assert_eq!(status, 401);
    let (status, _, body) = http_request(
        node.admin,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer t0ken")],
    );
    assert_eq!(status, 200);
    assert!(body.contains("mirage_sessions_total"));
    assert_eq!(http_get(node.admin, "/healthz").0, 200);
}

#[test]
fn the_json_log_rotates_by_size_and_can_be_turned_off() {
    let node = NodeProcess::start(&[("MIRAGE_LOG_MAX_BYTES", "2048"), ("MIRAGE_LOG_KEEP", "50")]);
    for _ in 0..3 {
        let (code, _, _) = OpenSsh::new(PASSWORD).run(node.ssh.port(), "root", &["echo x"], b"");
        assert_eq!(code, 0);
    }
    node.wait_for_log("a session close", |e| {
        e["eventid"] == "cowrie.session.closed"
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let logs: Vec<_> = std::fs::read_dir(node.data_dir.join("log"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let rotated = logs
            .iter()
            .filter(|n| n.starts_with("mirage.json."))
            .count();
        if rotated >= 2 {
            for name in &logs {
                let text = std::fs::read_to_string(node.data_dir.join("log").join(name)).unwrap();
                // A single line larger than the limit gets a file of its own; nothing is cut.
                assert!(
                    text.len() <= 2048 || text.lines().count() == 1,
                    "{name}: {text}"
                );
            }
            break;
        }
        assert!(Instant::now() < deadline, "no rotation: {logs:?}");
        std::thread::sleep(Duration::from_millis(50));
    }

    let node = NodeProcess::start(&[("MIRAGE_LOG_ENABLED", "false")]);
    let (code, _, _) = OpenSsh::new(PASSWORD).run(node.ssh.port(), "root", &["echo x"], b"");
    assert_eq!(code, 0);
    std::thread::sleep(Duration::from_millis(500));
    assert!(!node.data_dir.join("log").join("mirage.json").exists());
}

#[test]
fn a_node_spools_while_sqlite_is_unreachable_and_stores_each_event_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    // The database's directory does not exist yet: the store cannot open it.
    let db_dir = tmp.path().join("db");
    let db_path = db_dir.join("events.db");
    let url = format!("sqlite:{}", db_path.display());
    let mut node = NodeProcess::start(&[("MIRAGE_DATABASE_URL", &url)]);
    let (status, _, body) = http_get(node.admin, "/readyz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"store\":\"unreachable"), "{body}");
    let ssh = OpenSsh::new(PASSWORD);
    for i in 0..3 {
        let (code, _, err) = ssh.run(node.ssh.port(), "root", &[&format!("echo down-{i}")], b"");
        assert_eq!(code, 0, "{err}");
    }
    node.wait_for_log("the last command", |e| e["input"] == "echo down-2");
    assert!(!db_path.exists());

    std::fs::create_dir(&db_dir).unwrap();
    let stored = |db: &Path| -> Vec<String> {
        let Ok(conn) = rusqlite::Connection::open(db) else {
            return Vec::new();
        };
        let Ok(mut stmt) = conn.prepare("SELECT id FROM events") else {
            return Vec::new();
        };
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let logged = |node: &NodeProcess| -> HashSet<String> {
        node.log_events()
            .iter()
            .map(|e| e["uuid"].as_str().unwrap().to_owned())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while stored(&db_path).into_iter().collect::<HashSet<_>>() != logged(&node) {
        assert!(Instant::now() < deadline, "spooled events were not drained");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, _) = node.terminate();
    assert!(status.success());
    let ids = stored(&db_path);
    assert_eq!(
        ids.len(),
        ids.iter().collect::<HashSet<_>>().len(),
        "no duplicates"
    );
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), logged(&node));
}
