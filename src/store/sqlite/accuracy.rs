//! SQLite side of [`crate::store::sessions::ModelAccuracy`]: prediction hits per hour and
//! model version, from the `mirage.prediction` events (`events_ts_idx` bounds the scan).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{query_error, timestamp};
use crate::store::StoreError;
use crate::store::sessions::{AccuracyPoint, ModelAccuracy, accuracy_since};

/// The accuracy series as of `now`.
pub(super) fn model_accuracy(
    conn: &Connection,
    now: DateTime<Utc>,
) -> Result<ModelAccuracy, StoreError> {
    let since = accuracy_since(now);
    let mut stmt = conn
        .prepare_cached(
            "SELECT substr(ts, 1, 13), coalesce(json_extract(payload, '$.model'), ''), count(*), \
             coalesce(sum(json_extract(payload, '$.hit_top1')), 0), \
             coalesce(sum(json_extract(payload, '$.hit_top3')), 0) \
             FROM events WHERE eventid = 'mirage.prediction' AND ts >= ?1 \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .map_err(query_error)?;
    let rows = stmt
        .query_map(params![timestamp(&since)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .map_err(query_error)?;
    let mut hours = Vec::new();
    for row in rows {
        let (hour, model, n, top1, top3) = row.map_err(query_error)?;
        let Ok(hour) = format!("{hour}:00:00Z").parse::<DateTime<Utc>>() else {
            continue;
        };
        let count = |v: i64| v.max(0) as u64;
        hours.push(AccuracyPoint::new(
            hour,
            model,
            count(n),
            count(top1),
            count(top3),
        ));
    }
    Ok(ModelAccuracy {
        generated_at: now,
        since,
        hours,
    })
}
