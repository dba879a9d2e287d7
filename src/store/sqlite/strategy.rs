//! SQLite side of [`crate::store::EventStore::load_strategy`] and
//! [`crate::store::EventStore::save_strategy`]: one row of Layer 3 state per node.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{query_error, timestamp};
use crate::store::StoreError;

/// The state `node` saved last.
pub(super) fn load(conn: &Connection, node: &str) -> Result<Option<String>, StoreError> {
    conn.query_row(
        "SELECT state FROM strategy_state WHERE node_id = ?1",
        params![node],
        |row| row.get(0),
    )
    .optional()
    .map_err(query_error)
}

/// Replaces `node`'s state.
pub(super) fn save(
    conn: &Connection,
    node: &str,
    state: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO strategy_state (node_id, state, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (node_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        params![node, state, timestamp(&at)],
    )
    .map_err(query_error)?;
    Ok(())
}
