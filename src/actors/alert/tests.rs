use std::sync::{Arc, Mutex};

use super::*;
use crate::config::RuleLevel;
use crate::events::{HoneytokenRef, Protocol, SessionId, SessionOrigin, Severity};

/// Keeps what the alert actor sends to the sink.
#[derive(Default)]
struct Collector(Arc<Mutex<Vec<Event>>>);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<Event> for Collector {
    type Result = ();
    fn handle(&mut self, event: Event, _: &mut Context<Self>) {
        self.0.lock().unwrap().push(event);
    }
}

fn origin(session: &str, src: &str) -> SessionOrigin {
    SessionOrigin {
        node: "mirage-test".into(),
        session: SessionId(session.into()),
        protocol: Protocol::Ssh,
        src: src.parse().unwrap(),
        dst: "192.0.2.1:2222".parse().unwrap(),
    }
}

fn token_used(session: &str, src: &str) -> Event {
    origin(session, src).event(EventKind::HoneytokenUsed {
        token: HoneytokenRef {
            token: "aws-1".into(),
            kind: "aws_key".into(),
            placement: "/root/.aws/credentials".into(),
        },
        how: "aws key presented".into(),
        accessed_by: Some(SessionId("aaaaaaaaaaaa".into())),
        accessed_from: Some("203.0.113.5".parse().unwrap()),
    })
}

fn alerts(events: &Arc<Mutex<Vec<Event>>>) -> Vec<(String, Severity, String)> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Alert { severity, rule, .. } => {
                Some((rule.clone(), *severity, e.session.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[actix::test]
async fn token_use_is_critical_and_repeats_are_deduplicated() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Collector(events.clone()).start();
    let metrics = Metrics::new();
    let actor = AlertActor::with_config(
        sink.recipient(),
        &AlertConfig::default(),
        Dispatcher::default(),
        metrics.clone(),
    )
    .start();
    actor
        .send(token_used("bbbbbbbbbbbb", "198.51.100.1:4000"))
        .await
        .unwrap();
    // The same token used again from the same address: one alert per window.
    actor
        .send(token_used("cccccccccccc", "198.51.100.1:4001"))
        .await
        .unwrap();
    // From another address: a new alert.
    actor
        .send(token_used("dddddddddddd", "198.51.100.2:4000"))
        .await
        .unwrap();
    assert_eq!(actor.send(AlertCount).await.unwrap(), 2);
    assert_eq!(
        alerts(&events),
        [
            (
                "token_use".to_owned(),
                Severity::Critical,
                "bbbbbbbbbbbb".to_owned()
            ),
            (
                "token_use".to_owned(),
                Severity::Critical,
                "dddddddddddd".to_owned()
            ),
        ]
    );
    let event = events.lock().unwrap()[0].clone();
    let EventKind::Alert {
        details, message, ..
    } = &event.kind
    else {
        unreachable!()
    };
    assert_eq!(details["used_by"], "bbbbbbbbbbbb");
    assert_eq!(details["accessed_by"], "aaaaaaaaaaaa");
    assert!(message.contains("/root/.aws/credentials"), "{message}");
    let text = metrics.render();
    assert!(
        text.contains("mirage_alerts_raised_total{rule=\"token_use\",severity=\"critical\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("mirage_alerts_deduplicated_total{rule=\"token_use\"} 1"),
        "{text}"
    );
}

#[actix::test]
async fn a_full_webhook_queue_drops_and_counts_without_waiting() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Collector(events.clone()).start();
    let metrics = Metrics::new();
    let config = AlertConfig {
        // Nobody drains this queue: its worker is never run.
        webhook_url: "http://127.0.0.1:9/hook".into(),
        queue_size: 1,
        rules: AlertRules {
            session_crash: RuleLevel::Critical,
            ..AlertRules::default()
        },
        ..AlertConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let (webhooks, workers) = Dispatcher::build(&config, dir.path(), &metrics).unwrap();
    let actor =
        AlertActor::with_config(sink.recipient(), &config, webhooks, metrics.clone()).start();
    for n in 0..3 {
        let session = format!("{n:012x}");
        actor
            .send(
                origin(&session, "198.51.100.1:4000").event(EventKind::SessionRestarted {
                    reason: "panic".into(),
                }),
            )
            .await
            .unwrap();
    }
    // Every alert still reached the sink (the log and the store).
    assert_eq!(alerts(&events).len(), 3);
    assert!(
        metrics
            .render()
            .contains("mirage_webhook_dropped_total{sink=\"json0\"} 2"),
        "{}",
        metrics.render()
    );
    // Shutting down with an alert still queued dead-letters it: nothing is lost.
    drop(workers);
    let dead = crate::outputs::webhook::DeadLetter::new(dir.path().join(&config.dead_letter));
    let entries = dead.read_all();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].reason, "shutdown");
    assert_eq!(entries[0].alert.rule, "session_crash");
}

#[actix::test]
async fn one_reflex_alert_per_reflex_and_address_within_the_window() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Collector(events.clone()).start();
    let metrics = Metrics::new();
    let actor = AlertActor::with_config(
        sink.recipient(),
        &AlertConfig::default(),
        Dispatcher::default(),
        metrics.clone(),
    )
    .start();
    let reflex = |session: &str, src: &str, rule: &str| {
        let mut o = origin(session, src);
        o.protocol = Protocol::Http;
        o.event(EventKind::Reflex {
            rule: rule.into(),
            action: "503".into(),
            detail: "over 3 requests per minute".into(),
        })
    };
    for event in [
        reflex("aaaaaaaaaaa1", "198.51.100.1:4000", "http_rate_limit"),
        // The same reflex on the same address again (a new session): deduplicated.
        reflex("aaaaaaaaaaa2", "198.51.100.1:4001", "http_rate_limit"),
        // Another reflex on that address, and the first on another address: alerts.
        reflex("aaaaaaaaaaa2", "198.51.100.1:4001", "http_login_lockout"),
        reflex("aaaaaaaaaaa3", "198.51.100.2:4000", "http_rate_limit"),
    ] {
        actor.send(event).await.unwrap();
    }
    let raised = alerts(&events);
    assert!(
        raised
            .iter()
            .all(|(rule, severity, _)| rule == "reflex" && *severity == Severity::Info),
        "{raised:?}"
    );
    let sessions: Vec<&str> = raised.iter().map(|(_, _, s)| s.as_str()).collect();
    assert_eq!(sessions, ["aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaaa3"]);
    let text = metrics.render();
    assert!(
        text.contains("mirage_alerts_deduplicated_total{rule=\"reflex\"} 1"),
        "{text}"
    );
}
