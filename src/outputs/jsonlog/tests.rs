use super::*;
use crate::events::EventKind;
use crate::events::{ClientKex, Protocol, SCHEMA_VERSION, SessionId, Severity};
use chrono::TimeZone;
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

mod rotation;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 2, 51, 3).unwrap() + TimeDelta::microseconds(123_456)
}

fn event_at(kind: EventKind, timestamp: DateTime<Utc>, n: u128) -> Event {
    Event {
        schema: SCHEMA_VERSION,
        id: Uuid::from_u128(n),
        node: "node-a".into(),
        session: SessionId("0123456789ab".into()),
        timestamp,
        protocol: Protocol::Ssh,
        src_ip: "203.0.113.7".parse().unwrap(),
        src_port: 50000,
        dst_ip: "192.0.2.1".parse().unwrap(),
        dst_port: 2222,
        kind,
    }
}

fn event(kind: EventKind) -> Event {
    event_at(kind, t0(), 7)
}

fn json_of(kind: EventKind) -> Value {
    cowrie_json(&event(kind))
}

#[test]
fn every_line_has_the_cowrie_envelope() {
    let v = json_of(EventKind::SessionConnect);
    assert_eq!(v["eventid"], "cowrie.session.connect");
    assert_eq!(v["timestamp"], "2026-11-21T02:51:03.123456Z");
    assert_eq!(v["session"], "0123456789ab");
    assert_eq!(v["src_ip"], "203.0.113.7");
    assert_eq!(v["src_port"], 50000);
    assert_eq!(v["dst_ip"], "192.0.2.1");
    assert_eq!(v["dst_port"], 2222);
    assert_eq!(v["sensor"], "node-a");
    assert_eq!(v["protocol"], "ssh");
    assert_eq!(v["uuid"], Uuid::from_u128(7).to_string());
    assert_eq!(v["mirage_schema"], SCHEMA_VERSION);
    assert_eq!(
        v["message"],
        "New connection: 203.0.113.7:50000 (192.0.2.1:2222) [session: 0123456789ab]"
    );
    assert_eq!(v.as_object().unwrap().len(), 12, "{v}");
}

#[test]
fn http_events_and_mapped_addresses() {
    let mut e = event(EventKind::SessionConnect);
    e.protocol = Protocol::Http;
    e.src_ip = "::ffff:198.51.100.9".parse().unwrap();
    e.dst_ip = "2001:db8::1".parse().unwrap();
    let v = cowrie_json(&e);
    assert_eq!(v["protocol"], "http");
    assert_eq!(v["src_ip"], "198.51.100.9");
    assert_eq!(v["dst_ip"], "2001:db8::1");
    assert_eq!(
        v["message"],
        "New connection: 198.51.100.9:50000 (2001:db8::1:2222) [session: 0123456789ab]"
    );
}

#[test]
fn timestamps_have_microseconds_and_z() {
    let whole = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let v = cowrie_json(&event_at(EventKind::SessionConnect, whole, 1));
    assert_eq!(v["timestamp"], "2026-01-02T03:04:05.000000Z");
    let nanos = whole + TimeDelta::nanoseconds(987_654_321);
    let v = cowrie_json(&event_at(EventKind::SessionConnect, nanos, 1));
    assert_eq!(v["timestamp"], "2026-01-02T03:04:05.987654Z");
}

#[test]
fn client_version() {
    let v = json_of(EventKind::ClientVersion {
        version: "SSH-2.0-Go".into(),
    });
    assert_eq!(v["eventid"], "cowrie.client.version");
    assert_eq!(v["version"], "SSH-2.0-Go");
    assert_eq!(v["message"], "Remote SSH version: SSH-2.0-Go");
}

#[test]
fn client_kex_carries_hassh() {
    let strings = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let v = json_of(EventKind::ClientKex(ClientKex {
        hassh: "ec7378c1a92f5a8dde7e8b7a1ddf33d1".into(),
        hassh_algorithms: "curve25519-sha256;aes128-ctr;hmac-sha2-256;none".into(),
        kex_algs: strings(&["curve25519-sha256", "ext-info-c"]),
        key_algs: strings(&["ssh-ed25519"]),
        enc_cs: strings(&["aes128-ctr"]),
        mac_cs: strings(&["hmac-sha2-256"]),
        comp_cs: strings(&["none"]),
        lang_cs: strings(&[""]),
    }));
    assert_eq!(v["eventid"], "cowrie.client.kex");
    assert_eq!(v["hassh"], "ec7378c1a92f5a8dde7e8b7a1ddf33d1");
    assert_eq!(
        v["hasshAlgorithms"],
        "curve25519-sha256;aes128-ctr;hmac-sha2-256;none"
    );
    assert_eq!(v["kexAlgs"], json!(["curve25519-sha256", "ext-info-c"]));
    assert_eq!(v["keyAlgs"], json!(["ssh-ed25519"]));
    assert_eq!(v["encCS"], json!(["aes128-ctr"]));
    assert_eq!(v["macCS"], json!(["hmac-sha2-256"]));
    assert_eq!(v["compCS"], json!(["none"]));
    assert_eq!(v["langCS"], json!([""]));
    assert_eq!(
        v["message"],
        "SSH client hassh fingerprint: ec7378c1a92f5a8dde7e8b7a1ddf33d1"
    );
}

#[test]
fn logins() {
    let v = json_of(EventKind::LoginSuccess {
        username: "root".into(),
        password: "admin".into(),
    });
    assert_eq!(v["eventid"], "cowrie.login.success");
    assert_eq!(v["username"], "root");
    assert_eq!(v["password"], "admin");
    assert_eq!(v["message"], "login attempt [root/admin] succeeded");

    let v = json_of(EventKind::LoginFailed {
        username: "root".into(),
        password: "123456".into(),
    });
    assert_eq!(v["eventid"], "cowrie.login.failed");
    assert_eq!(v["username"], "root");
    assert_eq!(v["password"], "123456");
    assert_eq!(v["message"], "login attempt [root/123456] failed");
}

#[test]
fn client_fingerprint() {
    let v = json_of(EventKind::ClientFingerprint {
        username: "git".into(),
        fingerprint: "SHA256:abc".into(),
        key_type: "ssh-ed25519".into(),
    });
    assert_eq!(v["eventid"], "cowrie.client.fingerprint");
    assert_eq!(v["username"], "git");
    assert_eq!(v["fingerprint"], "SHA256:abc");
    assert_eq!(v["type"], "ssh-ed25519");
    assert!(v.get("key").is_none(), "no key blob to log: {v}");
    assert_eq!(
        v["message"],
        "public key attempt for user git of type ssh-ed25519 with fingerprint SHA256:abc"
    );
}

#[test]
fn client_size_and_var() {
    let v = json_of(EventKind::ClientSize {
        width: 80,
        height: 24,
    });
    assert_eq!(v["eventid"], "cowrie.client.size");
    assert_eq!(v["width"], 80);
    assert_eq!(v["height"], 24);
    assert_eq!(v["message"], "Terminal Size: 80 24");

    let v = json_of(EventKind::ClientVar {
        name: "LANG".into(),
        value: "C".into(),
    });
    assert_eq!(v["eventid"], "cowrie.client.var");
    assert_eq!(v["name"], "LANG");
    assert_eq!(v["value"], "C");
    assert_eq!(v["message"], "request_env: LANG=C");
}

#[test]
fn commands() {
    let v = json_of(EventKind::CommandInput {
        input: "uname -a".into(),
    });
    assert_eq!(v["eventid"], "cowrie.command.input");
    assert_eq!(v["input"], "uname -a");
    assert_eq!(v["message"], "CMD: uname -a");

    let v = json_of(EventKind::CommandFailed {
        input: "foo --bar".into(),
    });
    assert_eq!(v["eventid"], "cowrie.command.failed");
    assert_eq!(v["input"], "foo --bar");
    assert_eq!(v["message"], "Command not found: foo --bar");
}

#[test]
fn session_closed_has_duration_and_duration_ms() {
    let v = json_of(EventKind::SessionClosed {
        duration_ms: 12_345,
    });
    assert_eq!(v["eventid"], "cowrie.session.closed");
    assert_eq!(v["duration"], "12.3");
    assert_eq!(v["duration_ms"], 12_345);
    assert_eq!(v["message"], "Connection lost after 12.3 seconds");
    assert_eq!(seconds_with_tenths(0), "0.0");
    assert_eq!(seconds_with_tenths(49), "0.0");
    assert_eq!(seconds_with_tenths(50), "0.1");
    assert_eq!(seconds_with_tenths(120_000), "120.0");
    assert_eq!(seconds_with_tenths(u64::MAX), "18446744073709551.6");
}

#[test]
fn mirage_only_kinds() {
    let v = json_of(EventKind::SessionRestarted {
        reason: "handler panicked".into(),
    });
    assert_eq!(v["eventid"], "mirage.session.restarted");
    assert_eq!(v["reason"], "handler panicked");
    assert_eq!(
        v["message"],
        "Session restarted from its last checkpoint: handler panicked"
    );

    let v = json_of(EventKind::Alert {
        severity: Severity::Critical,
        rule: "session_crash".into(),
        message: "session 0123456789ab crashed".into(),
        details: Default::default(),
    });
    assert_eq!(v["eventid"], "mirage.alert");
    assert_eq!(v["severity"], "critical");
    assert_eq!(v["rule"], "session_crash");
    assert_eq!(v["message"], "session 0123456789ab crashed");

    let v = json_of(EventKind::Reflex {
        rule: "http_login_lockout".into(),
        action: "lockout 1200s".into(),
        detail: "5 failed logins within 1200s".into(),
    });
    assert_eq!(v["eventid"], "mirage.reflex");
    assert_eq!(v["rule"], "http_login_lockout");
    assert_eq!(v["action"], "lockout 1200s");
    assert_eq!(v["detail"], "5 failed logins within 1200s");
    assert_eq!(
        v["message"],
        "Reflex http_login_lockout acting on 203.0.113.7: lockout 1200s (5 failed logins within 1200s)"
    );

    let v = json_of(EventKind::Classification {
        class: "malware_dropper".into(),
        rule: "R5".into(),
        source: "rules".into(),
        confidence: None,
        phase: None,
    });
    assert_eq!(v["eventid"], "mirage.classification");
    assert_eq!(v["class"], "malware_dropper");
    assert_eq!(v["rule"], "R5");
    assert_eq!(v["source"], "rules");
    assert_eq!(
        v["message"],
        "Session classified as malware_dropper (rules R5)"
    );
    assert!(v.get("confidence").is_none());
    assert!(v.get("phase").is_none());
    let v = json_of(EventKind::Classification {
        class: "malware_dropper".into(),
        rule: "3f9a0c".into(),
        source: "tree".into(),
        confidence: Some(0.875),
        phase: Some("download_execute".into()),
    });
    assert_eq!(v["confidence"], 0.875);
    assert_eq!(v["phase"], "download_execute");
    assert_eq!(
        v["message"],
        "Session classified as malware_dropper (tree 3f9a0c, 0.88)"
    );

    let v = json_of(EventKind::Prediction {
        predicted: vec![
            crate::events::PredictedCommand {
                command: "cat /proc/cpuinfo".into(),
                probability: 0.75,
            },
            crate::events::PredictedCommand {
                command: "w".into(),
                probability: 0.25,
            },
        ],
        actual: "w".into(),
        hit_top1: false,
        hit_top3: true,
        model: "0a1b2c3d4e5f".into(),
    });
    assert_eq!(v["eventid"], "mirage.prediction");
    assert_eq!(
        v["predicted"],
        json!([
            {"command": "cat /proc/cpuinfo", "probability": 0.75},
            {"command": "w", "probability": 0.25}
        ])
    );
    assert_eq!(v["actual"], "w");
    assert_eq!(v["hit_top1"], false);
    assert_eq!(v["hit_top3"], true);
    assert_eq!(v["model"], "0a1b2c3d4e5f");
    assert_eq!(
        v["message"],
        "Prediction top-3 hit: expected cat /proc/cpuinfo, got w"
    );
    let v = json_of(EventKind::Prediction {
        predicted: Vec::new(),
        actual: "ls".into(),
        hit_top1: false,
        hit_top3: false,
        model: "0a1b2c3d4e5f".into(),
    });
    assert_eq!(v["predicted"], json!([]));
    assert_eq!(v["message"], "Prediction miss: expected nothing, got ls");
}

#[test]
fn lines_are_ascii_like_python_ensure_ascii() {
    let e = event(EventKind::CommandInput {
        input: "é😀\u{2028}\n\"\\\u{1b}".into(),
    });
    let line = encode_line(&cowrie_json(&e)).unwrap();
    let text = String::from_utf8(line).unwrap();
    assert!(text.is_ascii(), "{text}");
    assert!(
        text.contains(r#""input":"\u00e9\ud83d\ude00\u2028\n\"\\\u001b""#),
        "{text}"
    );
    assert_eq!(text.matches('\n').count(), 1);
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"\\\\\n\r\t\u{0}\u{7}\u{1b}\u{7f}\u{85}\u{2028}\u{2029}\u{feff}\u{fffd}\u{10ffff}a/😀é]{0,24}",
    ]
}

fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        Just(EventKind::SessionConnect),
        text().prop_map(|version| EventKind::ClientVersion { version }),
        (text(), text(), prop::collection::vec(text(), 0..4)).prop_map(|(h, a, list)| {
            EventKind::ClientKex(ClientKex {
                hassh: h,
                hassh_algorithms: a,
                kex_algs: list.clone(),
                key_algs: list.clone(),
                enc_cs: list.clone(),
                mac_cs: list.clone(),
                comp_cs: list.clone(),
                lang_cs: list,
            })
        }),
        (text(), text())
            .prop_map(|(username, password)| EventKind::LoginSuccess { username, password }),
        (text(), text())
            .prop_map(|(username, password)| EventKind::LoginFailed { username, password }),
        (text(), text(), text()).prop_map(|(username, fingerprint, key_type)| {
            EventKind::ClientFingerprint {
                username,
                fingerprint,
                key_type,
            }
        }),
        (any::<u32>(), any::<u32>())
            .prop_map(|(width, height)| EventKind::ClientSize { width, height }),
        (text(), text()).prop_map(|(name, value)| EventKind::ClientVar { name, value }),
        text().prop_map(|input| EventKind::CommandInput { input }),
        text().prop_map(|input| EventKind::CommandFailed { input }),
        (text(), text(), text()).prop_map(|(url, outfile, shasum)| EventKind::FileDownload {
            url,
            outfile,
            shasum
        }),
        (text(), text()).prop_map(|(url, reason)| EventKind::FileDownloadFailed { url, reason }),
        text().prop_map(|reason| EventKind::SessionRestarted { reason }),
        (text(), text()).prop_map(|(rule, message)| EventKind::Alert {
            severity: Severity::Warning,
            rule,
            message,
            details: Default::default(),
        }),
        (text(), any::<u64>(), text(), any::<u64>()).prop_map(
            |(ttylog, size, shasum, duration_ms)| EventKind::LogClosed {
                ttylog,
                size,
                shasum,
                duration_ms
            }
        ),
        (text(), text(), text(), any::<u64>()).prop_map(|(filename, destfile, shasum, size)| {
            EventKind::FileUpload {
                outfile: format!("uploads/{shasum}"),
                filename,
                destfile,
                shasum,
                size,
                transfer: "scp".into(),
            }
        }),
        (text(), any::<u32>(), text(), any::<u32>()).prop_map(
            |(target_host, target_port, orig_host, orig_port)| EventKind::DirectTcpipRequest {
                target_host,
                target_port,
                orig_host,
                orig_port
            }
        ),
        (text(), any::<u32>(), text()).prop_map(|(target_host, target_port, data)| {
            EventKind::DirectTcpipData {
                target_host,
                target_port,
                data,
            }
        }),
        (text(), any::<u32>())
            .prop_map(|(address, port)| EventKind::TcpipForward { address, port }),
        any::<u64>().prop_map(|duration_ms| EventKind::SessionClosed { duration_ms }),
        (text(), text(), text(), text(), any::<u16>()).prop_map(
            |(method, path, user_agent, body_sample, status)| {
                EventKind::HttpRequest(crate::events::HttpRequestInfo {
                    method,
                    path,
                    query: String::new(),
                    version: "HTTP/1.1".into(),
                    headers: vec![("User-Agent".into(), user_agent.clone())],
                    user_agent,
                    body_len: body_sample.len() as u64,
                    body_sha256: "0".repeat(64),
                    body_sample,
                    status,
                    lure: "wordpress".into(),
                })
            }
        ),
        (text(), text(), text()).prop_map(|(token, placement, how)| {
            EventKind::HoneytokenAccessed {
                token: crate::events::HoneytokenRef {
                    token,
                    kind: "aws_key".into(),
                    placement,
                },
                how,
            }
        }),
        (text(), text()).prop_map(|(token, how)| EventKind::HoneytokenUsed {
            token: crate::events::HoneytokenRef {
                token,
                kind: "ssh_credential".into(),
                placement: "/root/.bash_history".into(),
            },
            how,
            accessed_by: Some(crate::events::SessionId("0123456789ab".into())),
            accessed_from: Some("203.0.113.9".parse().unwrap()),
        }),
        (text(), text(), text()).prop_map(|(rule, action, detail)| EventKind::Reflex {
            rule,
            action,
            detail
        }),
        (text(), text(), text()).prop_map(|(command, source, reason)| EventKind::Persona {
            command,
            source,
            reason
        }),
        (
            text(),
            text(),
            text(),
            // Eighths: exact in binary, so they read back from JSON bit for bit.
            prop::option::of((0u8..=8).prop_map(|n| f64::from(n) / 8.0)),
            prop::option::of(text())
        )
            .prop_map(|(class, rule, source, confidence, phase)| {
                EventKind::Classification {
                    class,
                    rule,
                    source,
                    confidence,
                    phase,
                }
            }),
        (
            prop::collection::vec((text(), 0u32..=10_000), 0..4),
            text(),
            any::<bool>(),
            text()
        )
            .prop_map(|(guesses, actual, hit_top1, model)| {
                let predicted: Vec<_> = guesses
                    .into_iter()
                    .map(|(command, p)| crate::events::PredictedCommand {
                        command,
                        probability: f64::from(p) / 10_000.0,
                    })
                    .collect();
                let hit_top3 = hit_top1 || predicted.iter().any(|p| p.command == actual);
                EventKind::Prediction {
                    predicted,
                    actual,
                    hit_top1,
                    hit_top3,
                    model,
                }
            }),
    ]
}

proptest! {
    #[test]
    fn any_event_is_one_line_of_json_that_round_trips(
        kind in kind(),
        node in text(),
        session in text(),
        micros in 0i64..4_102_444_800_000_000,
    ) {
        let mut e = event(kind);
        e.node = node;
        e.session = SessionId(session);
        e.timestamp = DateTime::from_timestamp_micros(micros).unwrap();
        let line = encode_line(&cowrie_json(&e)).unwrap();
        prop_assert!(line.is_ascii());
        prop_assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        prop_assert_eq!(line.last(), Some(&b'\n'));
        prop_assert!(!line.contains(&b'\r'));
        let v: Value = serde_json::from_slice(&line).unwrap();
        prop_assert_eq!(&v, &cowrie_json(&e));
        prop_assert_eq!(&v["eventid"], e.kind.eventid());
        prop_assert_eq!(&v["sensor"], e.node.as_str());
        prop_assert_eq!(&v["session"], e.session.0.as_str());
        let stamp = DateTime::parse_from_rfc3339(v["timestamp"].as_str().unwrap()).unwrap();
        prop_assert_eq!(stamp, e.timestamp);
        let s = |key: &str| v[key].as_str().unwrap().to_owned();
        match &e.kind {
            EventKind::SessionConnect => {}
            EventKind::ClientVersion { version } => {
                prop_assert_eq!(&s("version"), version);
                prop_assert_eq!(s("message"), format!("Remote SSH version: {version}"));
            }
            EventKind::ClientKex(kex) => {
                prop_assert_eq!(&s("hassh"), &kex.hassh);
                prop_assert_eq!(&s("hasshAlgorithms"), &kex.hassh_algorithms);
                for key in ["kexAlgs", "keyAlgs", "encCS", "macCS", "compCS", "langCS"] {
                    prop_assert_eq!(&v[key], &json!(kex.kex_algs));
                }
            }
            EventKind::LoginSuccess { username, password }
            | EventKind::LoginFailed { username, password } => {
                prop_assert_eq!(&s("username"), username);
                prop_assert_eq!(&s("password"), password);
                let prefix = format!("login attempt [{username}/{password}] ");
                prop_assert!(s("message").starts_with(&prefix));
            }
            EventKind::ClientFingerprint { username, fingerprint, key_type } => {
                prop_assert_eq!(&s("username"), username);
                prop_assert_eq!(&s("fingerprint"), fingerprint);
                prop_assert_eq!(&s("type"), key_type);
            }
            EventKind::ClientSize { width, height } => {
                prop_assert_eq!(&v["width"], &json!(width));
                prop_assert_eq!(&v["height"], &json!(height));
            }
            EventKind::ClientVar { name, value } => {
                prop_assert_eq!(&s("name"), name);
                prop_assert_eq!(&s("value"), value);
                prop_assert_eq!(s("message"), format!("request_env: {name}={value}"));
            }
            EventKind::CommandInput { input } => {
                prop_assert_eq!(&s("input"), input);
                prop_assert_eq!(s("message"), format!("CMD: {input}"));
            }
            EventKind::CommandFailed { input } => {
                prop_assert_eq!(&s("input"), input);
            }
            EventKind::FileDownload { url, outfile, shasum } => {
                prop_assert_eq!(&s("url"), url);
                prop_assert_eq!(&s("outfile"), outfile);
                prop_assert_eq!(&s("destfile"), outfile);
                prop_assert_eq!(&s("shasum"), shasum);
                prop_assert_eq!(
                    s("message"),
                    format!("Downloaded URL ({url}) with SHA-256 {shasum} to {outfile}")
                );
            }
            EventKind::FileDownloadFailed { url, reason } => {
                prop_assert_eq!(&s("url"), url);
                prop_assert_eq!(&s("reason"), reason);
                prop_assert_eq!(
                    s("message"),
                    format!("Attempt to download file(s) from URL ({url}) failed")
                );
            }
            EventKind::SessionRestarted { reason } => {
                prop_assert_eq!(&s("reason"), reason);
            }
            EventKind::Alert { rule, message, .. } => {
                prop_assert_eq!(&s("rule"), rule);
                prop_assert_eq!(&s("message"), message);
                prop_assert_eq!(s("severity"), "warning");
            }
            EventKind::LogClosed { ttylog, size, shasum, .. } => {
                prop_assert_eq!(&s("ttylog"), ttylog);
                prop_assert_eq!(&v["size"], &json!(size));
                prop_assert_eq!(&s("shasum"), shasum);
            }
            EventKind::FileUpload { filename, destfile, outfile, shasum, size, .. } => {
                prop_assert_eq!(&s("filename"), filename);
                prop_assert_eq!(&s("destfile"), destfile);
                prop_assert_eq!(&s("outfile"), outfile);
                prop_assert_eq!(&s("shasum"), shasum);
                prop_assert_eq!(&v["size"], &json!(size));
            }
            EventKind::DirectTcpipRequest { target_host, target_port, orig_host, orig_port } => {
                prop_assert_eq!(&s("dst_ip"), target_host);
                prop_assert_eq!(&v["dst_port"], &json!(target_port));
                prop_assert_eq!(&s("src_ip"), orig_host);
                prop_assert_eq!(&v["src_port"], &json!(orig_port));
            }
            EventKind::DirectTcpipData { target_host, target_port, data } => {
                prop_assert_eq!(&s("dst_ip"), target_host);
                prop_assert_eq!(&v["dst_port"], &json!(target_port));
                prop_assert_eq!(&s("data"), data);
            }
            EventKind::TcpipForward { address, port } => {
                prop_assert_eq!(&s("address"), address);
                prop_assert_eq!(&v["port"], &json!(port));
            }
            EventKind::SessionClosed { duration_ms } => {
                prop_assert_eq!(&v["duration_ms"], &json!(duration_ms));
            }
            EventKind::HttpRequest(request) => {
                prop_assert_eq!(&s("method"), &request.method);
                prop_assert_eq!(&s("path"), &request.path);
                prop_assert_eq!(&s("user_agent"), &request.user_agent);
                prop_assert_eq!(&s("body_sample"), &request.body_sample);
                prop_assert_eq!(&v["status"], &json!(request.status));
                prop_assert_eq!(&v["headers"][0][1], &json!(request.user_agent));
            }
            EventKind::HoneytokenAccessed { token, how } => {
                prop_assert_eq!(&s("token"), &token.token);
                prop_assert_eq!(&s("placement"), &token.placement);
                prop_assert_eq!(&s("how"), how);
            }
            EventKind::HoneytokenUsed { token, how, .. } => {
                prop_assert_eq!(&s("token"), &token.token);
                prop_assert_eq!(&s("how"), how);
                prop_assert_eq!(s("accessed_by"), "0123456789ab");
                prop_assert_eq!(s("accessed_from"), "203.0.113.9");
            }
            EventKind::Persona { command, source, reason } => {
                prop_assert_eq!(&s("command"), command);
                prop_assert_eq!(&s("source"), source);
                prop_assert_eq!(&s("reason"), reason);
                prop_assert_eq!(s("message"), format!("Persona answered {command} from {source}"));
            }
            EventKind::Strategy { settings, mode, class, phase } => {
                prop_assert_eq!(&v["settings"], &json!(settings));
                prop_assert_eq!(&s("mode"), mode);
                prop_assert_eq!(&s("class"), class);
                prop_assert_eq!(&s("phase"), phase);
            }
            EventKind::Reflex { rule, action, detail } => {
                prop_assert_eq!(&s("rule"), rule);
                prop_assert_eq!(&s("action"), action);
                prop_assert_eq!(&s("detail"), detail);
            }
            EventKind::Classification { class, rule, source, confidence, phase } => {
                prop_assert_eq!(&s("class"), class);
                prop_assert_eq!(&s("rule"), rule);
                prop_assert_eq!(&s("source"), source);
                prop_assert_eq!(v["confidence"].as_f64(), *confidence);
                prop_assert_eq!(v["phase"].as_str(), phase.as_deref());
            }
            EventKind::Prediction { predicted, actual, hit_top1, hit_top3, model } => {
                prop_assert_eq!(&s("actual"), actual);
                prop_assert_eq!(&s("model"), model);
                prop_assert_eq!(&v["hit_top1"], &json!(hit_top1));
                prop_assert_eq!(&v["hit_top3"], &json!(hit_top3));
                let guesses = v["predicted"].as_array().unwrap();
                prop_assert_eq!(guesses.len(), predicted.len());
                for (got, want) in guesses.iter().zip(predicted) {
                    prop_assert_eq!(got["command"].as_str().unwrap(), want.command.as_str());
                    prop_assert_eq!(got["probability"].as_f64().unwrap(), want.probability);
                }
                let tail = format!("got {actual}");
                prop_assert!(s("message").ends_with(&tail));
            }
        }
    }
}
