//! Closing the sessions a previous run of this node left open: a node that crashed or was
//! killed never stored their `cowrie.session.closed`, so without this they would count as
//! live on the overview forever.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::EventStore;

/// Why such a session ended, as the node's log says it.
pub const RESTART_REASON: &str = "node restart";

/// How long to wait before asking an unreachable store again.
const RETRY: Duration = Duration::from_secs(5);

/// Closes `node`'s sessions that started before `started` (this run's start) and are still
/// open, retrying while the store is unreachable; logs how many with [`RESTART_REASON`].
/// Never fails the node: any other error is logged and the sessions stay as they are.
pub async fn close_left_open(store: Arc<dyn EventStore>, node: String, started: DateTime<Utc>) {
    loop {
        match store.close_stale(&node, started).await {
            Ok(0) => return,
            Ok(closed) => {
                tracing::info!(%node, closed, reason = RESTART_REASON, "Closed sessions a previous run left open.");
                return;
            }
            Err(err) if err.is_unavailable() => tokio::time::sleep(RETRY).await,
            Err(err) => {
                tracing::warn!(%node, error = %crate::error_chain(&err), "Cannot close sessions a previous run left open.");
                return;
            }
        }
    }
}
