//! PostgreSQL side of [`crate::store::EventStore::close_stale`]: a restarted node's sessions
//! that its previous run left open are marked closed, lasting until their last stored event.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::pg_error;
use crate::store::StoreError;

/// Closes `node`'s open sessions that started before `before`; returns how many.
pub(super) async fn close_stale<C: GenericClient>(
    client: &C,
    node: &str,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    client
        .execute(
            "UPDATE sessions SET closed = true, duration_ms = coalesce(duration_ms, \
             greatest(0, round(extract(epoch FROM last_ts - first_ts) * 1000))::bigint) \
             WHERE NOT closed AND node_id = $1 AND first_ts < $2",
            &[&node, &before],
        )
        .await
        .map_err(pg_error)
}
