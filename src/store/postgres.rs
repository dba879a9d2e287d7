//! The fleet store: PostgreSQL through a deadpool pool of tokio-postgres connections.
//!
//! The pool is built without connecting; each call takes a connection, so a database that was
//! down is simply tried again on the next call. Every pool wait, connect and recycle is bounded
//! by `connect_timeout_ms`. The first connection this process gets applies pending migrations
//! under a transaction-scoped advisory lock, so nodes starting together against one database
//! take turns instead of racing.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;
use uuid::Uuid;

use super::migrations::{POSTGRES, backfills_after};
use super::sessions::{
    AlertFilter, AlertPage, Overview, SessionDelta, SessionFilter, SessionPage, SessionSummary,
};
use super::{EventStore, StoreError};

mod accuracy;
mod sessions;
mod stale;
mod strategy;
use crate::events::{Event, SessionId};

const BACKEND: &str = "postgres";

/// Key of the advisory lock migration runners take: "mirage" in ASCII. Advisory locks are
/// scoped to one database, so fleets sharing a cluster but not a database do not contend.
const MIGRATION_LOCK: i64 = 0x6d69_7261_6765;

/// Most events sent in one statement; a larger batch is several statements, one transaction.
const INSERT_CHUNK: usize = 1000;

/// Inserts a batch as arrays: one round trip per chunk instead of one per event.
const INSERT: &str = "INSERT INTO events (id, schema_version, node_id, session_id, ts, eventid, \
     protocol, src_ip, src_port, dst_ip, dst_port, payload) \
     SELECT * FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::text[], $5::timestamptz[], \
     $6::text[], $7::text[], $8::text[], $9::int4[], $10::text[], $11::int4[], $12::jsonb[]) \
     ON CONFLICT (id) DO NOTHING RETURNING id";

/// Escape character of [`escape_nul`]: a Unicode noncharacter, so it is rare in real input.
const ESC: char = '\u{ffff}';

/// [`EventStore`] on a PostgreSQL database.
pub struct PostgresStore {
    pool: Pool,
    /// Set once migrations succeeded in this process; until then every new checkout tries.
    migrated: AtomicBool,
}

impl PostgresStore {
    /// A store for `url` (`postgres://user@host:port/db`); nothing is connected yet. The pool
    /// opens at most `pool_size` connections; `connect_timeout_ms` bounds waiting for a pooled
    /// connection, opening one and recycling one (0: no bound).
    pub fn new(url: &str, pool_size: usize, connect_timeout_ms: u64) -> Result<Self, StoreError> {
        let mut pg =
            tokio_postgres::Config::from_str(url).map_err(|source| StoreError::InvalidUrl {
                reason: "cannot parse the postgres url",
                source: Some(Box::new(source)),
            })?;
        if pg.get_hosts().is_empty() && pg.get_hostaddrs().is_empty() {
            return Err(StoreError::InvalidUrl {
                reason: "the postgres url names no host",
                source: None,
            });
        }
        if matches!(pg.get_ssl_mode(), SslMode::Require) {
            // Connections are made without TLS; this setting could never connect.
            return Err(StoreError::InvalidUrl {
                reason: "sslmode=require is not supported (connections are made without TLS)",
                source: None,
            });
        }
        let timeout = (connect_timeout_ms > 0).then(|| Duration::from_millis(connect_timeout_ms));
        if let Some(timeout) = timeout {
            pg.connect_timeout(timeout);
        }
        if pg.get_application_name().is_none() {
            pg.application_name("mirage");
        }
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            // Timeouts need a runtime to sleep on; the node and the tests run on tokio.
            .runtime(Runtime::Tokio1)
            .wait_timeout(timeout)
            .create_timeout(timeout)
            .recycle_timeout(timeout)
            .build()
            .map_err(|source| StoreError::Setup {
                backend: BACKEND,
                source: Box::new(source),
            })?;
        Ok(PostgresStore {
            pool,
            migrated: AtomicBool::new(false),
        })
    }

    /// A pooled connection, with migrations applied if this process has not done so yet.
    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        let mut client = self.checkout().await?;
        if !self.migrated.load(Ordering::Acquire) {
            migrate(&mut client).await?;
            self.migrated.store(true, Ordering::Release);
        }
        Ok(client)
    }

    async fn checkout(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|source| StoreError::Unavailable {
                backend: BACKEND,
                source: Box::new(source),
            })
    }
}

/// Maps a driver error: lost or refused connections are [`StoreError::Unavailable`] (the spool
/// keeps the events and a later try may work), everything else is [`StoreError::Query`].
fn pg_error(source: tokio_postgres::Error) -> StoreError {
    let unavailable = match source.code() {
        // Class 08 is "connection exception"; 57P01-57P03 are shutdowns and startup.
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
        }
        None => {
            source.is_closed()
                || std::error::Error::source(&source).is_some_and(|s| s.is::<std::io::Error>())
        }
    };
    if unavailable {
        StoreError::Unavailable {
            backend: BACKEND,
            source: Box::new(source),
        }
    } else {
        StoreError::Query {
            backend: BACKEND,
            source: Box::new(source),
        }
    }
}

/// Applies pending migrations in one transaction that first takes the advisory lock: a second
/// runner waits for the first to commit, then finds nothing pending.
async fn migrate(client: &mut deadpool_postgres::Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(pg_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg_error)?;
    // Read committed: each statement below sees what the previous lock holder committed.
    let exists: bool = tx
        .query_one("SELECT to_regclass('mirage_migrations') IS NOT NULL", &[])
        .await
        .and_then(|row| row.try_get(0))
        .map_err(pg_error)?;
    let applied: i32 = if exists {
        tx.query_one(
            "SELECT COALESCE(MAX(version), 0) FROM mirage_migrations",
            &[],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(pg_error)?
    } else {
        0
    };
    for m in POSTGRES.iter().filter(|m| m.version > applied) {
        let failed = |source: tokio_postgres::Error| StoreError::Migration {
            backend: BACKEND,
            version: m.version,
            name: m.name,
            source: Box::new(source),
        };
        tx.batch_execute(m.sql).await.map_err(failed)?;
        if backfills_after(POSTGRES, applied, m.version) {
            let events = sessions::backfill(&tx).await?;
            tracing::info!(backend = BACKEND, events, "Session summaries backfilled.");
        }
        tx.execute(
            "INSERT INTO mirage_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .await
        .map_err(failed)?;
        tracing::info!(
            backend = BACKEND,
            version = m.version,
            name = m.name,
            "Migration applied."
        );
    }
    tx.commit().await.map_err(pg_error)
}

/// One chunk of events as the column arrays [`INSERT`] unnests.
#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    schema_version: Vec<i32>,
    node_id: Vec<String>,
    session_id: Vec<String>,
    ts: Vec<chrono::DateTime<chrono::Utc>>,
    eventid: Vec<&'static str>,
    protocol: Vec<&'static str>,
    src_ip: Vec<String>,
    src_port: Vec<i32>,
    dst_ip: Vec<String>,
    dst_port: Vec<i32>,
    payload: Vec<serde_json::Value>,
}

impl Columns {
    fn from_events(events: &[&Event]) -> Result<Columns, StoreError> {
        let mut c = Columns::default();
        for &e in events {
            let mut payload = serde_json::to_value(e)
                .map_err(|source| StoreError::Encode { id: e.id, source })?;
            map_strings(&mut payload, escape_nul);
            c.payload.push(payload);
            c.id.push(e.id);
            c.schema_version
                .push(i32::try_from(e.schema).unwrap_or(i32::MAX));
            c.node_id.push(e.node.clone());
            c.session_id.push(e.session.0.clone());
            c.ts.push(e.timestamp);
            c.eventid.push(e.kind.eventid());
            c.protocol.push(e.protocol.as_str());
            c.src_ip.push(e.src_ip.to_string());
            c.src_port.push(i32::from(e.src_port));
            c.dst_ip.push(e.dst_ip.to_string());
            c.dst_port.push(i32::from(e.dst_port));
        }
        Ok(c)
    }
}

/// Applies `f` to every string of `value`, object keys included; `f` answers `None` for a
/// string it leaves as it is.
fn map_strings(value: &mut serde_json::Value, f: fn(&str) -> Option<String>) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Some(new) = f(s) {
                *s = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| map_strings(item, f)),
        Value::Object(map) => {
            if map.keys().any(|k| f(k).is_some()) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (f(&k).unwrap_or(k), v))
                    .collect();
            }
            map.values_mut().for_each(|item| map_strings(item, f));
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// jsonb cannot hold U+0000, and attackers do type NUL bytes: a payload holding one would fail
/// its insert every time and block the spool behind it. Strings are therefore escaped
/// reversibly (NUL becomes [`ESC`] `0`, [`ESC`] becomes [`ESC`] [`ESC`]) in the payload only;
/// reading back undoes it, so events round-trip exactly.
fn escape_nul(s: &str) -> Option<String> {
    if !s.contains(['\0', ESC]) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\0' => out.extend([ESC, '0']),
            ESC => out.extend([ESC, ESC]),
            c => out.push(c),
        }
    }
    Some(out)
}

/// Undoes [`escape_nul`]. An escape character followed by anything else is kept as it is.
fn unescape_nul(s: &str) -> Option<String> {
    if !s.contains(ESC) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ESC {
            match chars.peek() {
                Some('0') => {
                    chars.next();
                    out.push('\0');
                    continue;
                }
                Some(&ESC) => {
                    chars.next();
                }
                _ => {}
            }
        }
        out.push(c);
    }
    Some(out)
}

impl PostgresStore {
    /// [`EventStore::insert`] on borrowed events.
    async fn insert_all(&self, events: &[&Event]) -> Result<u64, StoreError> {
        if events.is_empty() {
            return Ok(0);
        }
        // Encode before touching the database: a bad event fails the batch without a round trip.
        let chunks = events
            .chunks(INSERT_CHUNK)
            .map(Columns::from_events)
            .collect::<Result<Vec<_>, _>>()?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let stmt = tx.prepare_cached(INSERT).await.map_err(pg_error)?;
        let mut stored = std::collections::HashSet::new();
        for c in &chunks {
            let rows = tx
                .query(
                    &stmt,
                    &[
                        &c.id,
                        &c.schema_version,
                        &c.node_id,
                        &c.session_id,
                        &c.ts,
                        &c.eventid,
                        &c.protocol,
                        &c.src_ip,
                        &c.src_port,
                        &c.dst_ip,
                        &c.dst_port,
                        &c.payload,
                    ],
                )
                .await
                .map_err(pg_error)?;
            for row in rows {
                stored.insert(row.try_get::<_, Uuid>(0).map_err(pg_error)?);
            }
        }
        // Only events stored just now count: a copy already stored changes no summary.
        let new = events.iter().copied().filter(|e| stored.contains(&e.id));
        sessions::apply(&tx, &SessionDelta::fold(new)).await?;
        tx.commit().await.map_err(pg_error)?;
        Ok(stored.len() as u64)
    }
}

#[async_trait::async_trait]
impl EventStore for PostgresStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.checkout().await?;
        migrate(&mut client).await?;
        self.migrated.store(true, Ordering::Release);
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client.batch_execute("SELECT 1").await.map_err(pg_error)
    }

    async fn insert(&self, events: &[Event]) -> Result<u64, StoreError> {
        let events: Vec<&Event> = events.iter().collect();
        self.insert_all(&events).await
    }

    async fn insert_spooled(
        &self,
        batch: std::sync::Arc<[crate::store::spool::Spooled]>,
    ) -> Result<u64, StoreError> {
        // The payload is a JSON value here (NULs escaped), so the spooled text is not reused;
        // but the events are not copied either.
        let events: Vec<&Event> = batch.iter().map(|s| &*s.event).collect();
        self.insert_all(&events).await
    }

    async fn events(
        &self,
        session: Option<&SessionId>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = match session {
            Some(session) => {
                let stmt = client
                    .prepare_cached(
                        "SELECT payload FROM events WHERE session_id = $1 \
                         ORDER BY ts, id LIMIT $2",
                    )
                    .await
                    .map_err(pg_error)?;
                client
                    .query(&stmt, &[&session.0, &limit])
                    .await
                    .map_err(pg_error)?
            }
            None => {
                let stmt = client
                    .prepare_cached("SELECT payload FROM events ORDER BY ts, id LIMIT $1")
                    .await
                    .map_err(pg_error)?;
                client.query(&stmt, &[&limit]).await.map_err(pg_error)?
            }
        };
        rows.iter()
            .map(|row| {
                let mut payload: serde_json::Value = row.try_get(0).map_err(pg_error)?;
                map_strings(&mut payload, unescape_nul);
                serde_json::from_value(payload).map_err(StoreError::Decode)
            })
            .collect()
    }

    async fn count(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT count(*) FROM events")
            .await
            .map_err(pg_error)?;
        let n: i64 = client
            .query_one(&stmt, &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(pg_error)?;
        Ok(n.max(0) as u64)
    }

    async fn sessions(&self, filter: &SessionFilter) -> Result<SessionPage, StoreError> {
        sessions::list(&self.client().await?, filter).await
    }

    async fn session(&self, session: &SessionId) -> Result<Option<SessionSummary>, StoreError> {
        sessions::one(&self.client().await?, &session.0).await
    }

    async fn alerts(&self, filter: &AlertFilter) -> Result<AlertPage, StoreError> {
        sessions::alerts(&self.client().await?, filter).await
    }

    async fn recent_events(
        &self,
        eventids: &[&'static str],
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        sessions::recent(&self.client().await?, eventids, limit).await
    }

    async fn overview(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Overview, StoreError> {
        sessions::overview(&self.client().await?, now).await
    }

    async fn model_accuracy(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::store::sessions::ModelAccuracy, StoreError> {
        accuracy::model_accuracy(&self.client().await?, now).await
    }

    async fn close_stale(
        &self,
        node: &str,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        stale::close_stale(&self.client().await?, node, before).await
    }

    async fn load_strategy(&self, node: &str) -> Result<Option<String>, StoreError> {
        strategy::load(&self.client().await?, node).await
    }

    async fn save_strategy(
        &self,
        node: &str,
        state: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        strategy::save(&self.client().await?, node, state, at).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_urls_fail_at_construction() {
        for url in [
            "postgres://h:99999999/db",
            "postgres:///db",
            "postgres://u@h/db?sslmode=require",
        ] {
            assert!(
                matches!(
                    PostgresStore::new(url, 4, 500),
                    Err(StoreError::InvalidUrl { .. })
                ),
                "{url}"
            );
        }
        assert!(PostgresStore::new("postgres://u@h/db?sslmode=disable", 4, 500).is_ok());
    }

    fn round_trip(s: &str) -> String {
        let escaped = escape_nul(s).unwrap_or_else(|| s.to_owned());
        assert!(!escaped.contains('\0'), "{escaped:?}");
        unescape_nul(&escaped).unwrap_or(escaped)
    }

    #[test]
    fn nul_escaping_round_trips() {
        for s in [
            "",
            "plain",
            "\0",
            "a\0b\0",
            "\u{ffff}",
            "\u{ffff}0",
            "\0\u{ffff}\u{ffff}0\0",
        ] {
            assert_eq!(round_trip(s), s, "{s:?}");
        }
        assert_eq!(
            escape_nul("plain"),
            None,
            "no allocation for ordinary strings"
        );
    }

    #[test]
    fn nul_escaping_reaches_keys_and_nested_values() {
        let original = serde_json::json!({"a\0": ["x\0", {"k": "\u{ffff}"}], "n": 1});
        let mut value = original.clone();
        map_strings(&mut value, escape_nul);
        assert!(!value.to_string().contains("\\u0000"), "{value}");
        map_strings(&mut value, unescape_nul);
        assert_eq!(value, original);
    }

    proptest::proptest! {
        #[test]
        fn nul_escaping_round_trips_any_string(s in "[a\\x00\u{ffff}0]{0,12}|\\PC*") {
            proptest::prop_assert_eq!(round_trip(&s), s);
        }
    }

    #[tokio::test]
    async fn unreachable_server_is_unavailable_and_fast() {
        // Port 1 on loopback refuses at once; the timeout bounds other failure modes.
        let store = PostgresStore::new("postgres://mirage@127.0.0.1:1/mirage", 2, 500).unwrap();
        let started = std::time::Instant::now();
        for _ in 0..2 {
            let err = store.count().await.unwrap_err();
            assert!(err.is_unavailable(), "{err:?}");
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
