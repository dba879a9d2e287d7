//! The embedded store: one SQLite file in WAL mode, the default for a single node.
//!
//! rusqlite is synchronous, so every call runs on tokio's blocking pool and takes the one
//! connection behind a std mutex. The connection is opened on first use; when opening fails
//! (the directory is missing, the file is unreadable) the call fails with
//! [`StoreError::Unavailable`] and the next call tries again. The directory is never created
//! here: the node creates its data directory, and a missing one means the store is not there.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::migrations::{Migration, SQLITE, backfills_after};
use super::sessions::{
    AlertFilter, AlertPage, Overview, SessionDelta, SessionFilter, SessionPage, SessionSummary,
};
use super::spool::Spooled;
use super::{EventStore, StoreError};

mod accuracy;
mod sessions;
mod stale;
mod strategy;
use crate::events::{Event, SessionId};

const BACKEND: &str = "sqlite";

/// How long a statement waits for another connection's write lock when no timeout is set.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// [`EventStore`] on an SQLite file.
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    busy_timeout: Duration,
    /// `None` until the first successful open (with migrations applied).
    conn: Mutex<Option<Connection>>,
}

impl SqliteStore {
    /// A store on the database file at `path`; nothing is opened yet. `busy_timeout_ms` bounds
    /// how long a write waits for another process holding the lock (0: five seconds).
    pub fn new(path: PathBuf, busy_timeout_ms: u64) -> SqliteStore {
        let busy_timeout = match busy_timeout_ms {
            0 => DEFAULT_BUSY_TIMEOUT,
            ms => Duration::from_millis(ms),
        };
        SqliteStore {
            inner: Arc::new(Inner {
                path,
                busy_timeout,
                conn: Mutex::new(None),
            }),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` with the open connection on the blocking pool, opening it first if needed.
    async fn with_conn<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves the connection usable: an open rusqlite
            // transaction rolls back when dropped during unwinding.
            let mut slot = inner.conn.lock().unwrap_or_else(PoisonError::into_inner);
            let conn = match &mut *slot {
                Some(conn) => conn,
                empty => empty.insert(connect(&inner.path, inner.busy_timeout)?),
            };
            f(conn)
        })
        .await
        .map_err(StoreError::Task)?
    }
}

/// Opens the database file, sets it up and applies pending migrations.
fn connect(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let unavailable = |source: rusqlite::Error| StoreError::Unavailable {
        backend: BACKEND,
        source: Box::new(source),
    };
    // SQLite would fail too, but with a vaguer "unable to open database file".
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(StoreError::Unavailable {
            backend: BACKEND,
            source: Box::new(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("directory {} does not exist", parent.display()),
            )),
        });
    }
    let mut conn = Connection::open(path).map_err(unavailable)?;
    conn.busy_timeout(busy_timeout).map_err(unavailable)?;
    // WAL lets readers (the admin UI) run while the sink writes. NORMAL in WAL mode keeps
    // every commit across a process crash; only a power loss can undo the last few.
    // Switching a new file to WAL can answer BUSY at once, without the busy handler, while
    // another connection (another node or store on the same file) does the same: retry.
    let deadline = Instant::now() + busy_timeout;
    loop {
        let switched = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .and_then(|_| conn.pragma_update(None, "synchronous", "NORMAL"));
        match switched {
            Ok(()) => break,
            Err(err)
                if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(err) => return Err(unavailable(err)),
        }
    }
    migrate(&mut conn)?;
    Ok(conn)
}

/// Applies pending migrations in one immediate transaction, which takes the database's write
/// lock first, so concurrent runners (other processes, other stores) wait instead of racing.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let failed = |m: Migration| {
        move |source: rusqlite::Error| StoreError::Migration {
            backend: BACKEND,
            version: m.version,
            name: m.name,
            source: Box::new(source),
        }
    };
    let query = |source: rusqlite::Error| StoreError::Query {
        backend: BACKEND,
        source: Box::new(source),
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(query)?;
    let recorded: Option<String> = tx
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'mirage_migrations'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(query)?;
    let applied = match recorded {
        Some(_) => tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM mirage_migrations",
                [],
                |row| row.get::<_, i32>(0),
            )
            .map_err(query)?,
        None => 0,
    };
    for m in SQLITE.iter().filter(|m| m.version > applied) {
        tx.execute_batch(m.sql).map_err(failed(*m))?;
        if backfills_after(SQLITE, applied, m.version) {
            let events = sessions::backfill(&tx)?;
            tracing::info!(backend = BACKEND, events, "Session summaries backfilled.");
        }
        tx.execute(
            "INSERT INTO mirage_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, timestamp(&Utc::now())],
        )
        .map_err(failed(*m))?;
        tracing::info!(
            backend = BACKEND,
            version = m.version,
            name = m.name,
            "Migration applied."
        );
    }
    tx.commit().map_err(query)
}

/// The `ts` column: RFC 3339 in UTC with exactly six fractional digits, so that text order is
/// time order and the precision matches PostgreSQL's.
fn timestamp(ts: &chrono::DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn query_error(source: rusqlite::Error) -> StoreError {
    StoreError::Query {
        backend: BACKEND,
        source: Box::new(source),
    }
}

/// Inserts a batch in one transaction. The payload is the event's JSON: the one the spool
/// already made when there is one (the same bytes), else encoded here.
fn insert_all(conn: &mut Connection, batch: &[Spooled]) -> Result<u64, StoreError> {
    let tx = conn.transaction().map_err(query_error)?;
    let mut new = 0u64;
    let mut stored = Vec::with_capacity(batch.len());
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO events (id, schema_version, node_id, session_id, ts, \
                 eventid, protocol, src_ip, src_port, dst_ip, dst_port, payload) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .map_err(query_error)?;
        for spooled in batch {
            let event = &*spooled.event;
            let encoded;
            let payload: &str = match &spooled.json {
                Some(json) => json,
                None => {
                    encoded =
                        serde_json::to_string(event).map_err(|source| StoreError::Encode {
                            id: event.id,
                            source,
                        })?;
                    &encoded
                }
            };
            let inserted = stmt
                .execute(params![
                    event.id.to_string(),
                    i64::from(event.schema),
                    event.node,
                    event.session.0,
                    timestamp(&event.timestamp),
                    event.kind.eventid(),
                    event.protocol.as_str(),
                    event.src_ip.to_string(),
                    event.src_port,
                    event.dst_ip.to_string(),
                    event.dst_port,
                    payload,
                ])
                .map_err(query_error)?;
            new += inserted as u64;
            if inserted > 0 {
                stored.push(event);
            }
        }
    }
    // Only events stored just now count: a copy already stored changes no summary.
    sessions::apply(&tx, &SessionDelta::fold(stored))?;
    tx.commit().map_err(query_error)?;
    Ok(new)
}

fn select(conn: &Connection, session: Option<&str>, limit: i64) -> Result<Vec<Event>, StoreError> {
    let decode =
        |payload: String| serde_json::from_str::<Event>(&payload).map_err(StoreError::Decode);
    let payloads: Vec<String> = match session {
        Some(session) => {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT payload FROM events WHERE session_id = ?1 ORDER BY ts, id LIMIT ?2",
                )
                .map_err(query_error)?;
            let rows = stmt
                .query_map(params![session, limit], |row| row.get(0))
                .map_err(query_error)?;
            rows.collect::<Result<_, _>>().map_err(query_error)?
        }
        None => {
            let mut stmt = conn
                .prepare_cached("SELECT payload FROM events ORDER BY ts, id LIMIT ?1")
                .map_err(query_error)?;
            let rows = stmt
                .query_map(params![limit], |row| row.get(0))
                .map_err(query_error)?;
            rows.collect::<Result<_, _>>().map_err(query_error)?
        }
    };
    payloads.into_iter().map(decode).collect()
}

#[async_trait::async_trait]
impl EventStore for SqliteStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // A fresh connect has just migrated; running again is a cheap no-op.
        self.with_conn(migrate).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with_conn(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(query_error)
        })
        .await
    }

    async fn insert(&self, events: &[Event]) -> Result<u64, StoreError> {
        let batch: Arc<[Spooled]> = events.iter().cloned().map(Spooled::new).collect();
        self.insert_spooled(batch).await
    }

    async fn insert_spooled(&self, batch: Arc<[Spooled]>) -> Result<u64, StoreError> {
        if batch.is_empty() {
            return Ok(0);
        }
        self.with_conn(move |conn| insert_all(conn, &batch)).await
    }

    async fn events(
        &self,
        session: Option<&SessionId>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let session = session.map(|s| s.0.clone());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(move |conn| select(conn, session.as_deref(), limit))
            .await
    }

    async fn count(&self) -> Result<u64, StoreError> {
        self.with_conn(|conn| {
            conn.query_row("SELECT COUNT(*) FROM events", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as u64)
            .map_err(query_error)
        })
        .await
    }

    async fn sessions(&self, filter: &SessionFilter) -> Result<SessionPage, StoreError> {
        let filter = filter.clone();
        self.with_conn(move |conn| sessions::list(conn, &filter))
            .await
    }

    async fn session(&self, session: &SessionId) -> Result<Option<SessionSummary>, StoreError> {
        let session = session.0.clone();
        self.with_conn(move |conn| sessions::one(conn, &session))
            .await
    }

    async fn alerts(&self, filter: &AlertFilter) -> Result<AlertPage, StoreError> {
        let filter = filter.clone();
        self.with_conn(move |conn| sessions::alerts(conn, &filter))
            .await
    }

    async fn recent_events(
        &self,
        eventids: &[&'static str],
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let eventids = eventids.to_vec();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(move |conn| sessions::recent(conn, &eventids, limit))
            .await
    }

    async fn overview(&self, now: chrono::DateTime<Utc>) -> Result<Overview, StoreError> {
        self.with_conn(move |conn| sessions::overview(conn, now))
            .await
    }

    async fn model_accuracy(
        &self,
        now: chrono::DateTime<Utc>,
    ) -> Result<crate::store::sessions::ModelAccuracy, StoreError> {
        self.with_conn(move |conn| accuracy::model_accuracy(conn, now))
            .await
    }

    async fn close_stale(
        &self,
        node: &str,
        before: chrono::DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let node = node.to_owned();
        self.with_conn(move |conn| stale::close_stale(conn, &node, before))
            .await
    }

    async fn load_strategy(&self, node: &str) -> Result<Option<String>, StoreError> {
        let node = node.to_owned();
        self.with_conn(move |conn| strategy::load(conn, &node))
            .await
    }

    async fn save_strategy(
        &self,
        node: &str,
        state: &str,
        at: chrono::DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (node, state) = (node.to_owned(), state.to_owned());
        self.with_conn(move |conn| strategy::save(conn, &node, &state, at))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_text() {
        let a = "2024-05-01T10:00:00.000001Z"
            .parse::<chrono::DateTime<Utc>>()
            .unwrap();
        let b = "2024-05-01T10:00:00.1Z"
            .parse::<chrono::DateTime<Utc>>()
            .unwrap();
        let c = "2024-05-01T10:00:01Z"
            .parse::<chrono::DateTime<Utc>>()
            .unwrap();
        let (ta, tb, tc) = (timestamp(&a), timestamp(&b), timestamp(&c));
        assert_eq!(ta, "2024-05-01T10:00:00.000001Z");
        assert!(ta < tb && tb < tc, "{ta} {tb} {tc}");
        assert_eq!(ta.len(), tc.len());
    }

    #[tokio::test]
    async fn missing_directory_is_unavailable_and_not_created() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("missing");
        let store = SqliteStore::new(dir.join("mirage.db"), 500);
        let err = store.ping().await.unwrap_err();
        assert!(err.is_unavailable(), "{err:?}");
        assert!(!dir.exists());
        std::fs::create_dir(&dir).unwrap();
        store.ping().await.unwrap();
        assert_eq!(store.count().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn first_connect_migrates_once() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::new(tmp.path().join("mirage.db"), 0);
        store.ping().await.unwrap();
        store.migrate().await.unwrap();
        let versions = store
            .with_conn(|conn| {
                let mut stmt = conn
                    .prepare("SELECT version FROM mirage_migrations")
                    .unwrap();
                let rows = stmt.query_map([], |row| row.get::<_, i32>(0)).unwrap();
                Ok(rows.map(Result::unwrap).collect::<Vec<_>>())
            })
            .await
            .unwrap();
        assert_eq!(
            versions,
            SQLITE.iter().map(|m| m.version).collect::<Vec<_>>()
        );
    }
}
