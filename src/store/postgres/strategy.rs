//! PostgreSQL side of [`crate::store::EventStore::load_strategy`] and
//! [`crate::store::EventStore::save_strategy`]: one row of Layer 3 state per node.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::pg_error;
use crate::store::StoreError;

/// The state `node` saved last.
pub(super) async fn load<C: GenericClient>(
    client: &C,
    node: &str,
) -> Result<Option<String>, StoreError> {
    let row = client
        .query_opt(
            "SELECT state::text FROM strategy_state WHERE node_id = $1",
            &[&node],
        )
        .await
        .map_err(pg_error)?;
    Ok(row.map(|row| row.get(0)))
}

/// Replaces `node`'s state.
pub(super) async fn save<C: GenericClient>(
    client: &C,
    node: &str,
    state: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO strategy_state (node_id, state, updated_at) \
             VALUES ($1, CAST($2::text AS jsonb), $3) \
             ON CONFLICT (node_id) DO UPDATE SET state = excluded.state, \
             updated_at = excluded.updated_at",
            &[&node, &state, &at],
        )
        .await
        .map_err(pg_error)?;
    Ok(())
}
