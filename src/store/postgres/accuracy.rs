//! PostgreSQL side of [`crate::store::sessions::ModelAccuracy`]: prediction hits per hour and
//! model version, from the `mirage.prediction` events (`events_ts_idx` bounds the scan).

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::pg_error;
use crate::store::StoreError;
use crate::store::sessions::{AccuracyPoint, ModelAccuracy, accuracy_since};

/// The accuracy series as of `now`.
pub(super) async fn model_accuracy<C: GenericClient>(
    client: &C,
    now: DateTime<Utc>,
) -> Result<ModelAccuracy, StoreError> {
    let since = accuracy_since(now);
    let rows = client
        .query(
            "SELECT (date_trunc('hour', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS h, \
             coalesce(payload->>'model', '') AS m, count(*), \
             count(*) FILTER (WHERE (payload->>'hit_top1')::boolean), \
             count(*) FILTER (WHERE (payload->>'hit_top3')::boolean) \
             FROM events WHERE eventid = 'mirage.prediction' AND ts >= $1 \
             GROUP BY h, m ORDER BY h, m",
            &[&since],
        )
        .await
        .map_err(pg_error)?;
    let count = |v: i64| v.max(0) as u64;
    let hours = rows
        .iter()
        .map(|r| {
            Ok(AccuracyPoint::new(
                r.try_get(0).map_err(pg_error)?,
                r.try_get(1).map_err(pg_error)?,
                count(r.try_get(2).map_err(pg_error)?),
                count(r.try_get(3).map_err(pg_error)?),
                count(r.try_get(4).map_err(pg_error)?),
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(ModelAccuracy {
        generated_at: now,
        since,
        hours,
    })
}
