//! Reading helpers both backends share: alert events as records, the overview's hours.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::{AlertCursor, AlertPage, AlertRecord, HourlyCount, OVERVIEW_HOURS};
use crate::events::{Event, EventKind, Severity};

/// The severities at least as urgent as `min`, as stored.
pub(crate) fn severities_from(min: Severity) -> Vec<&'static str> {
    [
        (Severity::Info, "info"),
        (Severity::Warning, "warning"),
        (Severity::Critical, "critical"),
    ]
    .into_iter()
    .filter(|(s, _)| *s >= min)
    .map(|(_, name)| name)
    .collect()
}

/// Alert events as records, cut to `limit` with the cursor of the next page.
pub(crate) fn alert_page(events: Vec<Event>, limit: usize) -> AlertPage {
    let more = events.len() > limit;
    let alerts: Vec<AlertRecord> = events
        .into_iter()
        .take(limit)
        .filter_map(alert_record)
        .collect();
    let next_cursor = alerts.last().filter(|_| more).map(|a| AlertCursor {
        time: a.time,
        id: a.id,
    });
    AlertPage {
        alerts,
        next_cursor,
    }
}

/// The record of an alert event (`None` for any other kind).
pub(crate) fn alert_record(e: Event) -> Option<AlertRecord> {
    match e.kind {
        EventKind::Alert {
            severity,
            rule,
            message,
            details,
        } => Some(AlertRecord {
            id: e.id,
            time: e.timestamp,
            session: e.session,
            node: e.node,
            src_ip: e.src_ip,
            rule,
            severity,
            message,
            details,
        }),
        _ => None,
    }
}

/// The start of the first of the overview's hours.
pub(crate) fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    hour - Duration::hours(OVERVIEW_HOURS - 1)
}

/// One entry per hour from `start`, with the counts found (zeros elsewhere).
pub(crate) fn hours(
    start: DateTime<Utc>,
    sessions: &HashMap<DateTime<Utc>, u64>,
    logins: &HashMap<DateTime<Utc>, u64>,
) -> Vec<HourlyCount> {
    (0..OVERVIEW_HOURS)
        .map(|i| {
            let hour = start + Duration::hours(i);
            HourlyCount {
                hour,
                sessions: sessions.get(&hour).copied().unwrap_or(0),
                logins: logins.get(&hour).copied().unwrap_or(0),
            }
        })
        .collect()
}
