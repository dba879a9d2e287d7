use std::net::SocketAddr;

use chrono::{DateTime, Utc};

use super::*;
use crate::events::{Protocol, SessionOrigin};
use crate::store::sqlite::SqliteStore;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_607_200 + secs, 0).unwrap()
}

/// A recorded session: connect, a refused and an accepted login, a PTY, two commands, a
/// closed recording, the end.
fn session_events(id: &str) -> Vec<Event> {
    let origin = SessionOrigin {
        node: "node-a".into(),
        session: SessionId(id.into()),
        protocol: Protocol::Ssh,
        src: "203.0.113.7:50000".parse::<SocketAddr>().unwrap(),
        dst: "192.0.2.1:22".parse::<SocketAddr>().unwrap(),
    };
    let kinds = [
        EventKind::SessionConnect,
        EventKind::ClientVersion {
            version: "SSH-2.0-Go".into(),
        },
        EventKind::LoginFailed {
            username: "root".into(),
            password: "toor".into(),
        },
        EventKind::LoginSuccess {
            username: "root".into(),
            password: "hunter2".into(),
        },
        EventKind::ClientSize {
            width: 100,
            height: 30,
        },
        EventKind::CommandInput {
            input: "uname -a".into(),
        },
        EventKind::CommandInput {
            input: "exit".into(),
        },
        EventKind::LogClosed {
            ttylog: format!("tty/{id}.cast"),
            size: 10,
            shasum: "00".into(),
            duration_ms: 4000,
        },
        EventKind::SessionClosed { duration_ms: 4200 },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| {
            let mut e = origin.event(kind);
            e.timestamp = at(i as i64);
            e
        })
        .collect()
}

struct Fixture {
    dir: tempfile::TempDir,
    store: SqliteStore,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(dir.path().join("mirage.db"), 1000);
    store.migrate().await.unwrap();
    store.insert(&session_events("aaaa00000001")).await.unwrap();
    store.insert(&session_events("bbbb00000002")).await.unwrap();
    Fixture { dir, store }
}

async fn run(f: &Fixture, id: &str, format: Format) -> Result<String, ExportError> {
    let mut out = Vec::new();
    export(
        &f.store,
        f.dir.path(),
        &SessionId(id.into()),
        format,
        &mut out,
    )
    .await?;
    Ok(String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn cowrie_json_is_the_session_s_events_in_order() {
    let f = fixture().await;
    let text = run(&f, "aaaa00000001", Format::CowrieJson).await.unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["eventid"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cowrie.session.connect",
            "cowrie.client.version",
            "cowrie.login.failed",
            "cowrie.login.success",
            "cowrie.client.size",
            "cowrie.command.input",
            "cowrie.command.input",
            "cowrie.log.closed",
            "cowrie.session.closed",
        ]
    );
    assert!(lines.iter().all(|l| l["session"] == "aaaa00000001"));
    assert_eq!(lines[5]["input"], "uname -a");
    assert_eq!(lines[0]["timestamp"], "2026-01-05T10:00:00.000000Z");
}

#[tokio::test]
async fn scenario_goes_through_the_importer() {
    let f = fixture().await;
    let yaml = run(&f, "bbbb00000002", Format::Scenario).await.unwrap();
    let s = crate::sim::scenario::Scenario::parse(Path::new("x.yaml"), &yaml).unwrap();
    assert_eq!(s.name, "cowrie-bbbb00000002");
    assert_eq!(s.source, "mirage node node-a, session bbbb00000002");
    assert_eq!(s.start, at(0));
    assert_eq!(s.attacker.ip.to_string(), "203.0.113.7");
    assert_eq!(s.attacker.port, 50000);
    assert_eq!(s.attacker.client, "SSH-2.0-Go");
    assert_eq!(s.attacker.credentials.len(), 2);
    assert_eq!(s.attacker.credentials[1].password, "hunter2");
    assert!(s.attacker.pty);
    assert_eq!(s.attacker.columns, 100);
    let steps: Vec<(f64, String)> = s
        .steps
        .iter()
        .map(|st| (st.value.delay, st.value.input.clone().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [(5.0, "uname -a".to_owned()), (1.0, "exit".to_owned())]
    );
    assert_eq!(s.expect.session_open, Some(false));
    assert_eq!(s.expect.logged_in, Some(true));
}

#[tokio::test]
async fn asciicast_is_the_file_the_log_closed_event_names() {
    let f = fixture().await;
    let cast = "{\"version\": 2, \"width\": 100, \"height\": 30}\n[0.5, \"o\", \"$ \"]\n";
    std::fs::create_dir_all(f.dir.path().join("tty")).unwrap();
    std::fs::write(f.dir.path().join("tty/aaaa00000001.cast"), cast).unwrap();
    assert_eq!(
        run(&f, "aaaa00000001", Format::Asciicast).await.unwrap(),
        cast
    );
    let err = run(&f, "bbbb00000002", Format::Asciicast)
        .await
        .unwrap_err();
    assert!(matches!(err, ExportError::Read { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unknown_session_is_a_clear_error() {
    let f = fixture().await;
    for format in [Format::CowrieJson, Format::Scenario, Format::Asciicast] {
        let err = run(&f, "cccc00000003", format).await.unwrap_err();
        assert_eq!(err.to_string(), "no session cccc00000003 in the store");
    }
}

#[test]
fn a_recording_path_cannot_leave_the_data_dir() {
    let mut events = session_events("dddd00000004");
    for e in &mut events {
        if let EventKind::LogClosed { ttylog, .. } = &mut e.kind {
            *ttylog = "../../etc/passwd".into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let err = recording(dir.path(), &SessionId("dddd00000004".into()), &events).unwrap_err();
    assert!(matches!(err, ExportError::NoRecording(_)), "{err:?}");
}

#[test]
fn formats_parse_by_their_cli_names() {
    assert_eq!("cowrie-json".parse::<Format>(), Ok(Format::CowrieJson));
    assert_eq!("scenario".parse::<Format>(), Ok(Format::Scenario));
    assert_eq!("asciicast".parse::<Format>(), Ok(Format::Asciicast));
    assert!(
        "json"
            .parse::<Format>()
            .unwrap_err()
            .contains("expected scenario")
    );
}
