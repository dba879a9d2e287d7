//! Session summaries, alerts and the overview in the store (issue 8), on SQLite and
//! PostgreSQL alike: each scenario runs as `session_summaries::sqlite::<name>` and
//! `session_summaries::postgres::<name>` (PostgreSQL on 127.0.0.1:5432, or
//! `MIRAGE_TEST_PG_ADDR`, trusting user `postgres`; each test creates and drops its own
//! database).

use std::collections::BTreeSet;
use std::time::Duration;

use mirage::events::{Protocol, SessionId, Severity};
use mirage::store::sessions::{AlertFilter, SessionFilter};

mod fixtures;

use fixtures::{Backend, Spec, all, base, events_of, fixture, net, rich_settings, sid};

/// Upper bound for one whole test, setup and cleanup excluded.
const TEST_TIMEOUT: Duration = Duration::from_secs(120);

macro_rules! backend_tests {
    ($backend:ident: $($name:ident),*) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $name() {
                    let mut backend = super::Backend::$backend().await;
                    let scenario = std::panic::AssertUnwindSafe(tokio::time::timeout(
                        super::TEST_TIMEOUT,
                        super::$name(&backend),
                    ));
                    let outcome = futures::FutureExt::catch_unwind(scenario).await;
                    if let Some(pg) = &mut backend.pg {
                        pg.drop_now().await;
                    }
                    match outcome {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => panic!("test timed out after {:?}", super::TEST_TIMEOUT),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
            )*
        }
    };
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        backend_tests!(sqlite: $($name),*);
        backend_tests!(postgres: $($name),*);
    };
}

scenarios! {
    summaries_follow_the_events,
    each_filter_narrows_the_list,
    paging_visits_every_session_exactly_once,
    duplicate_inserts_do_not_double_count,
    out_of_order_inserts_give_the_same_summary,
    backfill_on_upgrade_matches_live_summaries,
    alerts_page_and_filter,
    overview_counts_the_last_day,
    model_accuracy_per_hour_and_version,
    a_restart_closes_its_nodes_stale_sessions,
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// A session's summary holds what its events said, the latest values winning.
async fn summaries_follow_the_events(b: &Backend) {
    let store = b.store();
    let specs = fixture();
    let events = events_of(&specs);
    store.insert(&events).await.unwrap();
    let rich = &specs[0];
    let s = store.session(&sid(rich)).await.unwrap().expect("stored");
    assert_eq!(s.session, sid(rich));
    assert_eq!(s.protocol, Protocol::Ssh);
    assert_eq!(s.src_ip.to_string(), rich.ip);
    assert_eq!(s.start, rich.start());
    assert_eq!(s.last_seen, rich.start() + chrono::Duration::seconds(8));
    assert!(s.closed);
    assert_eq!(s.duration_ms, Some(9000));
    assert_eq!(s.client_version.as_deref(), Some("SSH-2.0-Go"));
    // Two successes and one failure: the latest success is the login shown.
    assert_eq!(s.login_attempts, 3);
    assert_eq!(s.username.as_deref(), Some("root"));
    assert_eq!(s.password.as_deref(), Some("second"));
    assert_eq!((s.commands, s.downloads, s.uploads, s.alerts), (2, 1, 1, 1));
    assert!(s.honeytoken_read && !s.honeytoken_used);
    assert_eq!(s.class.as_deref(), Some("malware_dropper"));
    assert_eq!(s.class_confidence, Some(0.875));
    assert_eq!(s.tags, ["flood", "scanner"]);
    // The latest phase a classification carried, and the latest settings.
    assert_eq!(s.phase.as_deref(), Some("download_execute"));
    assert_eq!(
        s.strategy.as_deref(),
        Some(
            "latency=human_jitter enticement=high richness=standard errors=realistic vulnerable=never"
        )
    );
    assert_eq!(s.strategy, Some(rich_settings().to_string()));
    // The events carrying them come back as they went in.
    let stored = store.events(Some(&sid(rich)), 100).await.unwrap();
    let sent: Vec<_> = events
        .iter()
        .filter(|e| e.session == sid(rich))
        .cloned()
        .collect();
    for kind in ["mirage.classification", "mirage.strategy"] {
        let of = |events: &[mirage::events::Event]| {
            let mut v: Vec<_> = events
                .iter()
                .filter(|e| e.kind.eventid() == kind)
                .cloned()
                .collect();
            v.sort_by_key(|e| (e.timestamp, e.id));
            v
        };
        assert_eq!(of(&stored), of(&sent), "{kind}");
    }
    // A session still open.
    let open = store.session(&sid(&specs[1])).await.unwrap().unwrap();
    assert!(!open.closed);
    assert_eq!(open.duration_ms, None);
    assert_eq!(open.username.as_deref(), Some("admin"));
    assert_eq!(open.password.as_deref(), Some("admin"));
    assert_eq!((open.phase, open.strategy), (None, None));
    let quiet = store.session(&sid(&specs[9])).await.unwrap().unwrap();
    assert_eq!(
        (quiet.username, quiet.class, quiet.login_attempts),
        (None, None, 0)
    );
    assert!(
        store
            .session(&SessionId("nope".into()))
            .await
            .unwrap()
            .is_none()
    );
}

/// A named filter and which fixture sessions it should list.
type Case = (&'static str, SessionFilter, Box<dyn Fn(&Spec) -> bool>);

/// Every filter, alone, lists exactly the sessions it describes, newest first.
async fn each_filter_narrows_the_list(b: &Backend) {
    let store = b.store();
    let specs = fixture();
    store.insert(&events_of(&specs)).await.unwrap();
    let t = |h: i64| base() + chrono::Duration::hours(h);
    let cases: Vec<Case> = vec![
        ("all", SessionFilter::default(), Box::new(|_| true)),
        (
            "since",
            SessionFilter {
                since: Some(t(5)),
                ..Default::default()
            },
            Box::new(move |s| s.start() >= t(5)),
        ),
        (
            "until",
            SessionFilter {
                until: Some(t(5)),
                ..Default::default()
            },
            Box::new(move |s| s.start() < t(5)),
        ),
        (
            "since+until",
            SessionFilter {
                since: Some(t(3)),
                until: Some(t(8)),
                ..Default::default()
            },
            Box::new(move |s| s.start() >= t(3) && s.start() < t(8)),
        ),
        (
            "exact ip",
            SessionFilter {
                ip: Some(net("198.51.100.20")),
                ..Default::default()
            },
            Box::new(|s| s.ip == "198.51.100.20"),
        ),
        (
            "cidr",
            SessionFilter {
                ip: Some("198.51.100.0/24".parse().unwrap()),
                ..Default::default()
            },
            Box::new(|s| s.ip.starts_with("198.51.100.")),
        ),
        (
            "ipv6 cidr",
            SessionFilter {
                ip: Some("2001:db8::/32".parse().unwrap()),
                ..Default::default()
            },
            Box::new(|s| s.ip.starts_with("2001:db8:")),
        ),
        (
            "username",
            SessionFilter {
                username: Some("admin".into()),
                ..Default::default()
            },
            Box::new(|s| s.user == Some("admin")),
        ),
        (
            "class",
            SessionFilter {
                class: Some("recon".into()),
                ..Default::default()
            },
            Box::new(|s| s.class == Some("recon")),
        ),
        (
            "protocol",
            SessionFilter {
                protocol: Some(Protocol::Http),
                ..Default::default()
            },
            Box::new(|s| s.http),
        ),
        (
            "honeytoken",
            SessionFilter {
                honeytoken: Some(true),
                ..Default::default()
            },
            Box::new(|s| s.token_read || s.token_used),
        ),
        (
            "no honeytoken",
            SessionFilter {
                honeytoken: Some(false),
                ..Default::default()
            },
            Box::new(|s| !s.token_read && !s.token_used),
        ),
        (
            "downloaded",
            SessionFilter {
                downloaded: Some(true),
                ..Default::default()
            },
            Box::new(|s| s.download),
        ),
        (
            "not downloaded",
            SessionFilter {
                downloaded: Some(false),
                ..Default::default()
            },
            Box::new(|s| !s.download),
        ),
        (
            "class+cidr",
            SessionFilter {
                class: Some("recon".into()),
                ip: Some("198.51.100.0/24".parse().unwrap()),
                ..Default::default()
            },
            Box::new(|s| s.class == Some("recon") && s.ip.starts_with("198.51.100.")),
        ),
    ];
    for (name, filter, keep) in cases {
        let page = store
            .sessions(&SessionFilter {
                limit: 500,
                ..filter
            })
            .await
            .unwrap();
        let mut expected: Vec<&Spec> = specs.iter().filter(|s| keep(s)).collect();
        expected.sort_by(|a, b| (b.start(), &b.id).cmp(&(a.start(), &a.id)));
        let got: Vec<&str> = page.sessions.iter().map(|s| s.session.0.as_str()).collect();
        let want: Vec<&str> = expected.iter().map(|s| s.id.as_str()).collect();
        assert!(
            !want.is_empty() && want.len() < specs.len() || name == "all",
            "{name}: weak case"
        );
        assert_eq!(got, want, "filter {name}");
        assert!(page.next_cursor.is_none(), "{name}");
    }
}

/// Paging newest first with a small page visits every session once, ties on the start time
/// included, with and without a filter.
async fn paging_visits_every_session_exactly_once(b: &Backend) {
    let store = b.store();
    let mut events = Vec::new();
    for i in 0..95 {
        // Groups of five share a start time: the cursor must break ties by id.
        let spec = Spec::plain(
            &format!("{i:012x}"),
            (i / 5) as i64,
            if i % 3 == 0 { "10.1.1.1" } else { "10.2.2.2" },
        );
        events.extend(spec.events());
    }
    store.insert(&events).await.unwrap();
    for (filter, expected) in [
        (SessionFilter::default(), 95),
        (
            SessionFilter {
                ip: Some(net("10.1.1.1")),
                ..Default::default()
            },
            32,
        ),
    ] {
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = store
                .sessions(&SessionFilter {
                    limit: 7,
                    cursor: cursor.clone(),
                    ..filter.clone()
                })
                .await
                .unwrap();
            pages += 1;
            assert!(page.sessions.len() <= 7);
            seen.extend(page.sessions.iter().map(|s| (s.start, s.session.clone())));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(pages < 100, "paging does not end");
        }
        let unique: BTreeSet<_> = seen.iter().map(|(_, id)| id.clone()).collect();
        assert_eq!(seen.len(), expected);
        assert_eq!(unique.len(), expected, "a session came twice");
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(seen, sorted, "not newest first");
    }
}

/// Storing the same events again, alone or mixed with new ones, counts each event once.
async fn duplicate_inserts_do_not_double_count(b: &Backend) {
    let store = b.store();
    let specs = fixture();
    let events = events_of(&specs);
    let (first, rest) = events.split_at(events.len() / 2);
    store.insert(first).await.unwrap();
    store.insert(first).await.unwrap();
    store.insert(&events).await.unwrap();
    store.insert(rest).await.unwrap();
    // A second store on the same database (another node, a spool drain) too.
    b.store().insert(&events).await.unwrap();
    let fresh = Backend::fresh_like(b).await;
    let reference = fresh.store();
    reference.insert(&events).await.unwrap();
    assert_eq!(all(&*store).await, all(&*reference).await);
    let rich = store.session(&sid(&specs[0])).await.unwrap().unwrap();
    assert_eq!((rich.login_attempts, rich.commands, rich.alerts), (3, 2, 1));
    fresh.finish().await;
}

/// Events stored in reverse order, one per batch, give the summaries stored in order gives.
async fn out_of_order_inserts_give_the_same_summary(b: &Backend) {
    let store = b.store();
    let specs = fixture();
    let events = events_of(&specs);
    for e in events.iter().rev() {
        store.insert(std::slice::from_ref(e)).await.unwrap();
    }
    let fresh = Backend::fresh_like(b).await;
    let reference = fresh.store();
    reference.insert(&events).await.unwrap();
    assert_eq!(all(&*store).await, all(&*reference).await);
    fresh.finish().await;
}

/// A database from before migration 2 (events, no summaries) gets its summaries when the
/// upgraded node first connects, equal to those kept live.
async fn backfill_on_upgrade_matches_live_summaries(b: &Backend) {
    let specs = fixture();
    let events = events_of(&specs);
    let live = {
        let store = b.store();
        store.insert(&events).await.unwrap();
        all(&*store).await
    };
    assert_eq!(live.len(), specs.len());
    b.downgrade_to_version_1().await;
    let upgraded = b.store();
    assert_eq!(upgraded.count().await.unwrap(), events.len() as u64);
    assert_eq!(all(&*upgraded).await, live);
    // And it keeps counting from there.
    let more = Spec::plain("ffffffffffff", 30, "192.0.2.99").events();
    upgraded.insert(&more).await.unwrap();
    assert_eq!(all(&*upgraded).await.len(), specs.len() + 1);
}

/// Alerts come newest first, page with a cursor, and filter by severity and session.
async fn alerts_page_and_filter(b: &Backend) {
    let store = b.store();
    let specs = fixture();
    store.insert(&events_of(&specs)).await.unwrap();
    let with_alert: Vec<&Spec> = specs.iter().filter(|s| s.alert.is_some()).collect();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .alerts(&AlertFilter {
                limit: 2,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        seen.extend(
            page.alerts
                .iter()
                .map(|a| (a.time, a.session.clone(), a.rule.clone())),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), with_alert.len());
    assert!(
        seen.windows(2).all(|w| w[0].0 >= w[1].0),
        "newest first: {seen:?}"
    );
    let critical = store
        .alerts(&AlertFilter {
            min_severity: Some(Severity::Critical),
            ..Default::default()
        })
        .await
        .unwrap();
    let want = with_alert
        .iter()
        .filter(|s| s.alert == Some(Severity::Critical))
        .count();
    assert_eq!(critical.alerts.len(), want);
    assert!(
        critical
            .alerts
            .iter()
            .all(|a| a.severity == Severity::Critical)
    );
    let one = store
        .alerts(&AlertFilter {
            session: Some(sid(&specs[0])),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(one.alerts.len(), 1);
    assert_eq!(one.alerts[0].message, "<script>alert(1)</script>\u{1b}[31m");
}

/// The overview counts the last 24 hours by hour and ranks credentials, commands, networks
/// and classes; live sessions are those not closed.
async fn overview_counts_the_last_day(b: &Backend) {
    let store = b.store();
    let specs = fixture();
    store.insert(&events_of(&specs)).await.unwrap();
    // The window starts at hour 6: the sessions of hours 2, 4 and 5 are outside it.
    let now = base() + chrono::Duration::hours(29) + chrono::Duration::minutes(30);
    let o = store.overview(now).await.unwrap();
    let in_window: Vec<&Spec> = specs
        .iter()
        .filter(|s| s.start() >= base() + chrono::Duration::hours(6))
        .collect();
    assert_eq!(o.hourly.len(), 24);
    assert_eq!(o.hourly[0].hour, base() + chrono::Duration::hours(6));
    assert_eq!(
        o.hourly.iter().map(|h| h.sessions).sum::<u64>(),
        in_window.len() as u64
    );
    let logins: u64 = in_window.iter().map(|s| s.logins()).sum();
    assert_eq!(o.hourly.iter().map(|h| h.logins).sum::<u64>(), logins);
    let open = specs.iter().filter(|s| !s.closed).count() as u64;
    assert_eq!(o.live_sessions, open);
    assert!(o.live.iter().all(|s| !s.closed));
    assert_eq!(o.top_credentials[0].username, "admin");
    assert!(o.top_commands.iter().any(|c| c.value == "cat /etc/passwd"));
    assert_eq!(o.top_networks[0].value, "198.51.100.0/24");
    let recon = in_window
        .iter()
        .filter(|s| s.class == Some("recon"))
        .count() as u64;
    assert!(
        o.classes
            .iter()
            .any(|c| c.value == "recon" && c.count == recon),
        "{:?}",
        o.classes
    );
    assert!(o.classes.iter().any(|c| c.value == "unclassified"));
    assert!(!o.latest_alerts.is_empty());
    assert!(o.store.ok);
    assert_eq!(o.store.sessions, specs.len() as u64);
}

/// Predictions of two model versions in two hours, plus one too old to count: the accuracy
/// series has one entry per hour and version with the hits the events said.
async fn model_accuracy_per_hour_and_version(b: &Backend) {
    use mirage::events::{EventKind, PredictedCommand, SessionOrigin};
    let store = b.store();
    let origin = SessionOrigin {
        node: "node-a".into(),
        session: SessionId("acc000000001".into()),
        protocol: Protocol::Ssh,
        src: "203.0.113.9:40000".parse().unwrap(),
        dst: "192.0.2.1:2222".parse().unwrap(),
    };
    let now = base() + chrono::Duration::days(8) + chrono::Duration::minutes(30);
    let at = |minutes: i64, model: &str, top1: bool, top3: bool| {
        let mut e = origin.event(EventKind::Prediction {
            predicted: vec![PredictedCommand {
                command: "uname -a".into(),
                probability: 0.5,
            }],
            actual: if top1 { "uname -a" } else { "ls" }.into(),
            hit_top1: top1,
            hit_top3: top3,
            model: model.into(),
        });
        e.timestamp = base() + chrono::Duration::minutes(minutes);
        e
    };
    let day = 24 * 60;
    let events = vec![
        // Older than the window (which starts 7 days before `now`'s hour).
        at(60, "v1", true, true),
        // Day 2, hour 10: v1 got 1 of 4 first and 3 of 4 in three; v2 2 of 2.
        at(2 * day + 10 * 60 + 1, "v1", true, true),
        at(2 * day + 10 * 60 + 2, "v1", false, true),
        at(2 * day + 10 * 60 + 3, "v1", false, true),
        at(2 * day + 10 * 60 + 59, "v1", false, false),
        at(2 * day + 10 * 60 + 5, "v2", true, true),
        at(2 * day + 10 * 60 + 6, "v2", true, true),
        // Day 5, hour 3: v2 missed once.
        at(5 * day + 3 * 60 + 7, "v2", false, false),
        origin.event(EventKind::LoginFailed {
            username: "root".into(),
            password: "x".into(),
        }),
    ];
    store.insert(&events).await.unwrap();
    let a = store.model_accuracy(now).await.unwrap();
    assert_eq!(
        a.since,
        base() + chrono::Duration::days(1) + chrono::Duration::hours(1)
    );
    let got: Vec<(chrono::DateTime<chrono::Utc>, &str, u64, u64, u64)> = a
        .hours
        .iter()
        .map(|p| {
            (
                p.hour,
                p.model.as_str(),
                p.predictions,
                p.hits_top1,
                p.hits_top3,
            )
        })
        .collect();
    let hour = |d: i64, h: i64| base() + chrono::Duration::days(d) + chrono::Duration::hours(h);
    assert_eq!(
        got,
        vec![
            (hour(2, 10), "v1", 4, 1, 3),
            (hour(2, 10), "v2", 2, 2, 2),
            (hour(5, 3), "v2", 1, 0, 0),
        ]
    );
    assert_eq!((a.hours[0].top1, a.hours[0].top3), (0.25, 0.75));
    assert_eq!(a.hours[1].top1, 1.0);
}

/// A restarted node closes its own sessions that started before it and are open (duration
/// until their last event); other nodes' sessions and newer ones stay as they are.
async fn a_restart_closes_its_nodes_stale_sessions(b: &Backend) {
    let store = b.store();
    let specs = fixture();
    store.insert(&events_of(&specs)).await.unwrap();
    let open: Vec<&Spec> = specs.iter().filter(|s| !s.closed).collect();
    assert!(open.len() >= 2, "the fixture has open sessions");
    let cut = open.iter().map(|s| s.start()).max().unwrap();
    let older: Vec<&&Spec> = open.iter().filter(|s| s.start() < cut).collect();
    assert_eq!(store.close_stale("another-node", cut).await.unwrap(), 0);
    assert_eq!(
        store.close_stale("node-t", cut).await.unwrap(),
        older.len() as u64
    );
    for s in &open {
        let got = store.session(&sid(s)).await.unwrap().unwrap();
        assert_eq!(got.closed, s.start() < cut, "{}", s.id);
        if got.closed {
            let lasted = (got.last_seen - got.start).num_milliseconds() as u64;
            assert_eq!(got.duration_ms, Some(lasted), "{}", s.id);
        }
    }
    let now = cut + chrono::Duration::hours(1);
    assert_eq!(
        store.overview(now).await.unwrap().live_sessions,
        (open.len() - older.len()) as u64
    );
    assert_eq!(store.close_stale("node-t", cut).await.unwrap(), 0);
}
