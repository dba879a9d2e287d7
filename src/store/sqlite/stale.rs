//! SQLite side of [`crate::store::EventStore::close_stale`]: a restarted node's sessions that
//! its previous run left open are marked closed, lasting until their last stored event.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{query_error, timestamp};
use crate::store::StoreError;

/// Closes `node`'s open sessions that started before `before`; returns how many.
pub(super) fn close_stale(
    conn: &Connection,
    node: &str,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let n = conn
        .execute(
            "UPDATE sessions SET closed = 1, duration_ms = coalesce(duration_ms, \
             max(0, CAST(round((julianday(last_ts) - julianday(first_ts)) * 86400000.0) AS INTEGER))) \
             WHERE closed = 0 AND node_id = ?1 AND first_ts < ?2",
            params![node, timestamp(&before)],
        )
        .map_err(query_error)?;
    Ok(n as u64)
}
