//! Session listing at scale (issue 8): an SQLite store filled with 100,000 sessions (five
//! events each, half a million events, through the normal `insert`), then one page of 50
//! newest first: unfiltered, filtered (class; CIDR; honeytoken; username + since), and a deep
//! page (keyset cursor 90,000 sessions down). Also prints how long filling took.
//!
//! `cargo bench --bench sessions` (`MIRAGE_BENCH_SESSIONS` changes the count).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use mirage::events::{EventKind, HoneytokenRef, Protocol, SessionId, SessionOrigin};
use mirage::store::EventStore;
use mirage::store::sessions::{SessionCursor, SessionFilter};
use mirage::store::sqlite::SqliteStore;

const CLASSES: &[&str] = &[
    "recon",
    "malware_dropper",
    "credential_hijack",
    "bruteforce",
];
const USERS: &[&str] = &["root", "admin", "ubnt", "pi", "oracle", "test", "user"];

fn sessions() -> usize {
    std::env::var("MIRAGE_BENCH_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn start(i: usize) -> DateTime<Utc> {
    // One session every ten seconds: 100,000 sessions span about 11.5 days.
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(10 * i as i64)
}

/// Fills a fresh store with `n` sessions; returns it with its directory.
fn fill(rt: &tokio::runtime::Runtime, n: usize) -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::new(dir.path().join("bench.db"), 0));
    let began = Instant::now();
    let mut batch = Vec::with_capacity(5000);
    for i in 0..n {
        let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        let origin = SessionOrigin {
            node: "bench".into(),
            session: SessionId(format!("{i:012x}")),
            protocol: if i % 10 == 0 {
                Protocol::Http
            } else {
                Protocol::Ssh
            },
            src: std::net::SocketAddr::new(ip.parse().unwrap(), 40000),
            dst: "192.0.2.1:22".parse().unwrap(),
        };
        let mut at = |s: i64, kind| {
            let mut e = origin.event(kind);
            e.timestamp = start(i) + Duration::seconds(s);
            batch.push(e);
        };
        at(0, EventKind::SessionConnect);
        at(
            1,
            EventKind::LoginSuccess {
                username: USERS[i % USERS.len()].into(),
                password: "123456".into(),
            },
        );
        at(
            2,
            EventKind::CommandInput {
                input: "uname -a".into(),
            },
        );
        if i % 97 == 0 {
            at(
                3,
                EventKind::HoneytokenAccessed {
                    token: HoneytokenRef {
                        token: "aws-root-credentials".into(),
                        kind: "aws_key".into(),
                        placement: "/root/.aws/credentials".into(),
                    },
                    how: "cat".into(),
                },
            );
        } else {
            at(
                3,
                EventKind::Classification {
                    class: CLASSES[i % CLASSES.len()].into(),
                    rule: "R1".into(),
                    source: "rules".into(),
                    confidence: None,
                    phase: None,
                },
            );
        }
        at(4, EventKind::SessionClosed { duration_ms: 4000 });
        if batch.len() >= 5000 {
            rt.block_on(store.insert(&batch)).unwrap();
            batch.clear();
        }
    }
    rt.block_on(store.insert(&batch)).unwrap();
    eprintln!(
        "filled {n} sessions ({} events) in {:.1} s",
        n * 5,
        began.elapsed().as_secs_f64()
    );
    (dir, store)
}

fn pages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let n = sessions();
    let (_dir, store) = fill(&rt, n);
    let deep = n * 9 / 10;
    let cursor = SessionCursor {
        start: start(n - deep),
        session: SessionId(format!("{:012x}", n - deep)),
    };
    let page = |f: SessionFilter| SessionFilter { limit: 50, ..f };
    let cases = [
        ("first page", page(SessionFilter::default())),
        (
            "class=recon",
            page(SessionFilter {
                class: Some("recon".into()),
                ..Default::default()
            }),
        ),
        (
            "ip=10.1.0.0/16",
            page(SessionFilter {
                ip: Some("10.1.0.0/16".parse().unwrap()),
                ..Default::default()
            }),
        ),
        (
            "honeytoken=true",
            page(SessionFilter {
                honeytoken: Some(true),
                ..Default::default()
            }),
        ),
        (
            "username=pi, since 5 days in",
            page(SessionFilter {
                username: Some("pi".into()),
                since: Some(start(0) + Duration::days(5)),
                ..Default::default()
            }),
        ),
        (
            "deep page (90% down)",
            page(SessionFilter {
                cursor: Some(cursor.clone()),
                ..Default::default()
            }),
        ),
        (
            "deep page, class=recon",
            page(SessionFilter {
                cursor: Some(cursor),
                class: Some("recon".into()),
                ..Default::default()
            }),
        ),
    ];
    let mut group = c.benchmark_group(format!("sessions page of 50 among {n}"));
    for (name, filter) in cases {
        let got = rt.block_on(store.sessions(&filter)).unwrap();
        assert_eq!(got.sessions.len(), 50, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| black_box(rt.block_on(store.sessions(&filter)).unwrap()))
        });
    }
    group.finish();
    let now = start(n);
    c.bench_function(&format!("overview among {n}"), |b| {
        b.iter(|| black_box(rt.block_on(store.overview(now)).unwrap()))
    });
}

criterion_group!(benches, pages);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
