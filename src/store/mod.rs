//! Event storage: the [`EventStore`] trait, embedded SQLite and PostgreSQL backends, and the
//! on-disk spool that makes sure no accepted event is lost while the store is unreachable.
//!
//! [`open`] picks the backend from [`DatabaseConfig::url`] without touching the database, so a
//! node starts even when its database is down. Each backend connects lazily on first use,
//! retries a failed connect on the next call, and applies pending migrations on its first
//! successful connect. [`spool::Spool`] is the write-ahead log in front of the store:
//! [`spool::drain`] moves spooled events into it exactly once, relying on the primary key on
//! the event id to skip copies a crash may leave behind.

pub mod corpus;
pub mod postgres;
pub mod sessions;
pub mod spool;
pub mod sqlite;

mod migrations;

use std::path::Path;
use std::sync::Arc;

use uuid::Uuid;

use crate::config::DatabaseConfig;
use crate::events::{Event, SessionId};

/// A boxed error from a database driver or the pool.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL cannot be used. The URL itself is not repeated: it may hold a password.
    #[error("invalid database url: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: &'static str,
        /// The parser's complaint, if one was involved.
        #[source]
        source: Option<BoxError>,
    },
    /// The database cannot be reached or opened; the operation may succeed later.
    #[error("{backend} database is unavailable")]
    Unavailable {
        /// `"sqlite"` or `"postgres"`.
        backend: &'static str,
        /// Why connecting failed.
        #[source]
        source: BoxError,
    },
    /// The store could not be built from a valid configuration.
    #[error("cannot set up the {backend} store")]
    Setup {
        /// `"sqlite"` or `"postgres"`.
        backend: &'static str,
        /// What went wrong.
        #[source]
        source: BoxError,
    },
    /// The database was reached but refused or failed a statement.
    #[error("{backend} query failed")]
    Query {
        /// `"sqlite"` or `"postgres"`.
        backend: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// A schema migration failed; nothing of it was applied.
    #[error("{backend} migration {version} ({name}) failed")]
    Migration {
        /// `"sqlite"` or `"postgres"`.
        backend: &'static str,
        /// The migration's version.
        version: i32,
        /// The migration's name.
        name: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// An event could not be turned into its JSON payload.
    #[error("cannot encode event {id}")]
    Encode {
        /// The event's id.
        id: Uuid,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
    /// A stored payload is not a valid event.
    #[error("cannot decode stored event")]
    Decode(#[source] serde_json::Error),
    /// Reading or removing spool segments failed.
    #[error("spool i/o failed")]
    Spool(#[source] std::io::Error),
    /// A blocking database task panicked or was cancelled.
    #[error("store task failed")]
    Task(#[source] tokio::task::JoinError),
}

impl StoreError {
    /// True when the database could not be reached: events stay spooled and a later attempt
    /// may succeed without anyone changing anything.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }
}

/// Where events are kept for good. Implementations connect lazily and are shared by every
/// actor of the node.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// Applies pending migrations. Idempotent. Runners exclude each other (SQLite: an
    /// immediate transaction; PostgreSQL: `pg_advisory_xact_lock`), so nodes starting at once
    /// against one database do not race.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Cheap reachability check (used by `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Stores events in one transaction; an event whose id is already stored is skipped.
    /// Returns how many were new.
    async fn insert(&self, events: &[Event]) -> Result<u64, StoreError>;

    /// [`EventStore::insert`] for a batch from the spool: the events are shared, not copied,
    /// and those this process spooled come with their JSON payload already encoded, which a
    /// backend that stores `serde_json::to_string(event)` can take as is. The default copies
    /// the events and calls [`EventStore::insert`].
    async fn insert_spooled(&self, batch: Arc<[spool::Spooled]>) -> Result<u64, StoreError> {
        let events: Vec<Event> = batch.iter().map(|s| Event::clone(&s.event)).collect();
        self.insert(&events).await
    }

    /// Events of one session (or all when `None`), oldest first (by time, then id), at most
    /// `limit`.
    async fn events(
        &self,
        session: Option<&SessionId>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError>;

    /// Number of stored events.
    async fn count(&self) -> Result<u64, StoreError>;

    /// One page of session summaries matching `filter`, newest first (by start, then id).
    async fn sessions(
        &self,
        filter: &sessions::SessionFilter,
    ) -> Result<sessions::SessionPage, StoreError>;

    /// The summary of one session, if the store holds any of its events.
    async fn session(
        &self,
        session: &SessionId,
    ) -> Result<Option<sessions::SessionSummary>, StoreError>;

    /// One page of alerts (`mirage.alert` events) matching `filter`, newest first.
    async fn alerts(
        &self,
        filter: &sessions::AlertFilter,
    ) -> Result<sessions::AlertPage, StoreError>;

    /// The newest events whose `eventid` is one of `eventids`, newest first, at most `limit`.
    async fn recent_events(
        &self,
        eventids: &[&'static str],
        limit: usize,
    ) -> Result<Vec<Event>, StoreError>;

    /// The overview as of `now` (see [`sessions::Overview`]).
    async fn overview(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<sessions::Overview, StoreError>;

    /// Prediction accuracy per hour and model version over the last
    /// [`sessions::ACCURACY_DAYS`] days as of `now` (see [`sessions::ModelAccuracy`]). Stores
    /// that keep no events answer with an empty series.
    async fn model_accuracy(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<sessions::ModelAccuracy, StoreError> {
        Ok(sessions::ModelAccuracy {
            generated_at: now,
            since: sessions::accuracy_since(now),
            hours: Vec::new(),
        })
    }

    /// Marks the sessions of `node` that started before `before` and are still open as
    /// closed, lasting until their last stored event: a node that crashed (or was killed) left
    /// them open, and its restart closes them. Returns how many. Stores that keep no
    /// summaries close nothing.
    async fn close_stale(
        &self,
        _node: &str,
        _before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        Ok(0)
    }

    /// The Layer 3 strategy state `node` saved last (JSON, see [`crate::models::bandit`]),
    /// if any. Stores that keep none answer `None`.
    async fn load_strategy(&self, _node: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    /// Saves `node`'s Layer 3 strategy state (JSON) as of `at`, replacing the one before.
    /// Stores that keep none accept and drop it.
    async fn save_strategy(
        &self,
        _node: &str,
        _state: &str,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Name of the embedded database inside the data directory.
pub const SQLITE_FILE: &str = "mirage.db";

/// Builds the store for `database` without touching the database: a node must start even when
/// the database is down. Connecting happens lazily on first use; a failed connect is retried
/// on the next call.
///
/// An empty URL means SQLite at `<data_dir>/mirage.db`, `sqlite:PATH` SQLite at `PATH`, and
/// `postgres://…` or `postgresql://…` PostgreSQL. Anything else is [`StoreError::InvalidUrl`].
pub fn open(database: &DatabaseConfig, data_dir: &Path) -> Result<Arc<dyn EventStore>, StoreError> {
    let url = database.url.trim();
    if url.is_empty() {
        return Ok(Arc::new(sqlite::SqliteStore::new(
            data_dir.join(SQLITE_FILE),
            database.connect_timeout_ms,
        )));
    }
    if let Some(path) = url.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err(StoreError::InvalidUrl {
                reason: "sqlite: needs a path",
                source: None,
            });
        }
        return Ok(Arc::new(sqlite::SqliteStore::new(
            path.into(),
            database.connect_timeout_ms,
        )));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(postgres::PostgresStore::new(
            url,
            database.pool_size,
            database.connect_timeout_ms,
        )?));
    }
    Err(StoreError::InvalidUrl {
        reason: "expected empty, sqlite:PATH, postgres:// or postgresql://",
        source: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> DatabaseConfig {
        DatabaseConfig {
            url: url.into(),
            ..DatabaseConfig::default()
        }
    }

    #[test]
    fn empty_url_is_sqlite_in_the_data_dir() {
        let store = open(&config(""), Path::new("/nonexistent/data")).unwrap();
        assert_eq!(store.backend(), "sqlite");
    }

    #[test]
    fn sqlite_url_is_sqlite() {
        let store = open(&config("sqlite:/nonexistent/x.db"), Path::new(".")).unwrap();
        assert_eq!(store.backend(), "sqlite");
        assert!(matches!(
            open(&config("sqlite:"), Path::new(".")),
            Err(StoreError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn postgres_url_opens_without_a_server_or_runtime() {
        // Port 1 on loopback: nothing listens, and open() must not notice.
        for url in [
            "postgres://mirage@127.0.0.1:1/mirage",
            "postgresql://mirage@127.0.0.1:1/x",
        ] {
            let store = open(&config(url), Path::new(".")).unwrap();
            assert_eq!(store.backend(), "postgres");
        }
    }

    #[test]
    fn bad_urls_are_rejected_without_echoing_them() {
        for url in [
            "mysql://root:hunter2@db/x",
            "postgres://u:hunter2@h:notaport/db",
        ] {
            let err = open(&config(url), Path::new(".")).err().expect("rejected");
            assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err:?}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }
}
