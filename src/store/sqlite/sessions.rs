//! SQLite side of [`crate::store::sessions`]: keeping `sessions` up to date, and the reads of
//! the admin UI (session pages, alerts, the overview).
//!
//! Times are the `ts` text format of the events table, so comparisons and `ORDER BY` on them
//! are time order and hour buckets are a prefix (`substr(ts, 1, 13)`).

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, Transaction, params, params_from_iter};

use super::{query_error, timestamp};
use crate::events::Event;
use crate::store::StoreError;
use crate::store::sessions::read::{alert_page, hours, severities_from, window_start};
use crate::store::sessions::{
    AlertFilter, AlertPage, CredentialCount, OVERVIEW_LIVE, OVERVIEW_TOP, Overview, Ranked,
    SessionCursor, SessionDelta, SessionFilter, SessionPage, SessionSummary, StoreHealth,
    effective_limit, ip_key, ip_key_range, source_network,
};

/// How many stored events the backfill reads at a time.
const BACKFILL_CHUNK: i64 = 5000;

/// The summary columns, in the order [`summary`] reads them.
const COLUMNS: &str = "session_id, node_id, protocol, src_ip, src_port, first_ts, last_ts, \
    closed, duration_ms, client_version, username, password, login_attempts, commands, \
    downloads, uploads, honeytoken_read, honeytoken_used, alerts, class, class_confidence, \
    phase, tags, strategy";

/// The columns an upsert writes, in the order [`row`] binds them.
const INSERT_COLUMNS: &str = "session_id, node_id, protocol, src_ip, src_port, ip_key, src_net, \
    first_ts, last_ts, closed, duration_ms, client_version, client_version_ts, username, \
    password, login_ts, login_attempts, commands, downloads, uploads, honeytoken_read, \
    honeytoken_used, alerts, class, class_confidence, class_ts, phase, phase_ts, strategy, \
    strategy_ts, tags";
/// How many values [`row`] binds.
const ROW_VALUES: usize = 31;

/// How one session's delta is added to its row; the newer event wins for the "latest" values.
const ON_CONFLICT: &str = " ON CONFLICT (session_id) DO UPDATE SET \
    node_id = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.node_id ELSE sessions.node_id END, \
    src_ip = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.src_ip ELSE sessions.src_ip END, \
    src_port = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.src_port ELSE sessions.src_port END, \
    ip_key = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.ip_key ELSE sessions.ip_key END, \
    src_net = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.src_net ELSE sessions.src_net END, \
    first_ts = min(sessions.first_ts, excluded.first_ts), \
    last_ts = max(sessions.last_ts, excluded.last_ts), \
    closed = max(sessions.closed, excluded.closed), \
    duration_ms = CASE WHEN excluded.duration_ms IS NULL THEN sessions.duration_ms \
        WHEN sessions.duration_ms IS NULL THEN excluded.duration_ms \
        ELSE max(sessions.duration_ms, excluded.duration_ms) END, \
    client_version = CASE WHEN excluded.client_version_ts >= coalesce(sessions.client_version_ts, '') \
        THEN excluded.client_version ELSE sessions.client_version END, \
    client_version_ts = max(coalesce(sessions.client_version_ts, ''), coalesce(excluded.client_version_ts, '')), \
    username = CASE WHEN excluded.login_ts >= coalesce(sessions.login_ts, '') \
        THEN excluded.username ELSE sessions.username END, \
    password = CASE WHEN excluded.login_ts >= coalesce(sessions.login_ts, '') \
        THEN excluded.password ELSE sessions.password END, \
    login_ts = max(coalesce(sessions.login_ts, ''), coalesce(excluded.login_ts, '')), \
    login_attempts = sessions.login_attempts + excluded.login_attempts, \
    commands = sessions.commands + excluded.commands, \
    downloads = sessions.downloads + excluded.downloads, \
    uploads = sessions.uploads + excluded.uploads, \
    honeytoken_read = max(sessions.honeytoken_read, excluded.honeytoken_read), \
    honeytoken_used = max(sessions.honeytoken_used, excluded.honeytoken_used), \
    alerts = sessions.alerts + excluded.alerts, \
    class = CASE WHEN excluded.class_ts >= coalesce(sessions.class_ts, '') \
        THEN excluded.class ELSE sessions.class END, \
    class_confidence = CASE WHEN excluded.class_ts >= coalesce(sessions.class_ts, '') \
        THEN excluded.class_confidence ELSE sessions.class_confidence END, \
    class_ts = max(coalesce(sessions.class_ts, ''), coalesce(excluded.class_ts, '')), \
    phase = CASE WHEN excluded.phase_ts >= coalesce(sessions.phase_ts, '') \
        THEN excluded.phase ELSE sessions.phase END, \
    phase_ts = max(coalesce(sessions.phase_ts, ''), coalesce(excluded.phase_ts, '')), \
    strategy = CASE WHEN excluded.strategy_ts >= coalesce(sessions.strategy_ts, '') \
        THEN excluded.strategy ELSE sessions.strategy END, \
    strategy_ts = max(coalesce(sessions.strategy_ts, ''), coalesce(excluded.strategy_ts, '')), \
    tags = CASE WHEN excluded.tags = '[]' THEN sessions.tags ELSE \
        (SELECT json_group_array(value) FROM (SELECT value FROM json_each(sessions.tags) \
         UNION SELECT value FROM json_each(excluded.tags) ORDER BY value)) END";

/// Rows per upsert statement, largest first: a batch is cut greedily into statements of these
/// sizes, so few distinct statements are prepared (and cached) whatever the batch size.
const CHUNKS: [usize; 4] = [64, 16, 4, 1];

/// The upsert statement of each size in [`CHUNKS`], built once.
static UPSERTS: LazyLock<[String; CHUNKS.len()]> = LazyLock::new(|| CHUNKS.map(upsert_sql));

/// The upsert of `rows` sessions at once (one `VALUES` tuple each).
fn upsert_sql(rows: usize) -> String {
    let tuple = format!("({})", vec!["?"; ROW_VALUES].join(", "));
    let values = vec![tuple.as_str(); rows].join(", ");
    format!("INSERT INTO sessions ({INSERT_COLUMNS}) VALUES {values}{ON_CONFLICT}")
}

/// Adds the deltas of newly stored events to their sessions' rows (inside the insert's
/// transaction): each session once, many sessions per statement.
pub(super) fn apply(tx: &Transaction<'_>, deltas: &[SessionDelta]) -> Result<(), StoreError> {
    let mut rest = deltas;
    while !rest.is_empty() {
        // The last size is 1, so some size always fits.
        let i = CHUNKS
            .iter()
            .position(|&n| n <= rest.len())
            .unwrap_or(CHUNKS.len() - 1);
        let (chunk, tail) = rest.split_at(CHUNKS[i].min(rest.len()));
        let mut stmt = tx.prepare_cached(&UPSERTS[i]).map_err(query_error)?;
        stmt.execute(params_from_iter(chunk.iter().flat_map(row)))
            .map_err(query_error)?;
        rest = tail;
    }
    Ok(())
}

/// One session's values, in [`INSERT_COLUMNS`] order.
fn row(d: &SessionDelta) -> [Value; ROW_VALUES] {
    let text = |s: &str| Value::Text(s.to_owned());
    let opt = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Text(s.to_owned()));
    let at = |t: Option<String>| t.map_or(Value::Null, Value::Text);
    let int = |n: u64| Value::Integer(count(n));
    let tags = serde_json::to_string(&d.tags).unwrap_or_else(|_| "[]".to_owned());
    [
        text(&d.session),
        text(&d.node),
        text(d.protocol),
        Value::Text(d.src_ip.to_string()),
        Value::Integer(i64::from(d.src_port)),
        Value::Text(ip_key(d.src_ip)),
        Value::Text(source_network(d.src_ip)),
        Value::Text(timestamp(&d.first)),
        Value::Text(timestamp(&d.last)),
        Value::Integer(i64::from(d.closed_ms.is_some())),
        d.closed_ms.map_or(Value::Null, int),
        opt(d.client_version.as_ref().map(|(_, v)| v.as_str())),
        at(stamp(&d.client_version)),
        opt(d.login.as_ref().map(|(_, (u, _))| u.as_str())),
        opt(d.login.as_ref().map(|(_, (_, p))| p.as_str())),
        at(stamp(&d.login)),
        int(d.login_attempts),
        int(d.commands),
        int(d.downloads),
        int(d.uploads),
        Value::Integer(i64::from(d.honeytoken_read)),
        Value::Integer(i64::from(d.honeytoken_used)),
        int(d.alerts),
        opt(d.class.as_ref().map(|(_, (c, _))| c.as_str())),
        d.class
            .as_ref()
            .and_then(|(_, (_, conf))| *conf)
            .map_or(Value::Null, Value::Real),
        at(stamp(&d.class)),
        opt(d.phase.as_ref().map(|(_, p)| p.as_str())),
        at(stamp(&d.phase)),
        opt(d.strategy.as_ref().map(|(_, s)| s.as_str())),
        at(stamp(&d.strategy)),
        Value::Text(tags),
    ]
}

/// The time of a stamped value, as stored.
fn stamp<T>(value: &Option<(DateTime<Utc>, T)>) -> Option<String> {
    value.as_ref().map(|(at, _)| timestamp(at))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Folds every event already stored into `sessions` (run once, right after the migration that
/// creates it). Reads the events in chunks by `(ts, id)`, so memory stays bounded.
pub(super) fn backfill(tx: &Transaction<'_>) -> Result<u64, StoreError> {
    let mut after: Option<(String, String)> = None;
    let mut total = 0u64;
    loop {
        let rows: Vec<(String, String, String)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT ts, id, payload FROM events WHERE (ts, id) > (?1, ?2) \
                     ORDER BY ts, id LIMIT ?3",
                )
                .map_err(query_error)?;
            let (ts, id) = after.clone().unwrap_or_default();
            stmt.query_map(params![ts, id, BACKFILL_CHUNK], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(query_error)?
            .collect::<Result<_, _>>()
            .map_err(query_error)?
        };
        let Some((ts, id, _)) = rows.last() else {
            return Ok(total);
        };
        after = Some((ts.clone(), id.clone()));
        // An event that no longer decodes (an older schema) is left out of the summaries
        // rather than failing the upgrade.
        let events: Vec<Event> = rows
            .iter()
            .filter_map(|(_, _, payload)| serde_json::from_str(payload).ok())
            .collect();
        total += events.len() as u64;
        apply(tx, &SessionDelta::fold(&events))?;
    }
}

/// A malformed stored value, as a query error.
fn corrupt(what: &str) -> StoreError {
    StoreError::Query {
        backend: super::BACKEND,
        source: format!("malformed {what} in the sessions table").into(),
    }
}

fn time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt("time"))
}

/// Reads one row of [`COLUMNS`].
fn summary(row: &Row<'_>) -> rusqlite::Result<Result<SessionSummary, StoreError>> {
    let text = |i: usize| row.get::<_, String>(i);
    let opt = |i: usize| row.get::<_, Option<String>>(i);
    let n = |i: usize| row.get::<_, i64>(i).map(|v| v.max(0) as u64);
    let protocol: String = text(2)?;
    let src_ip: String = text(3)?;
    let first = text(5)?;
    let last = text(6)?;
    let tags: String = text(22)?;
    let partial = SessionSummary {
        session: crate::events::SessionId(text(0)?),
        node: text(1)?,
        protocol: crate::events::Protocol::Ssh,
        src_ip: std::net::IpAddr::from([0, 0, 0, 0]),
        src_port: u16::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
        start: DateTime::<Utc>::MIN_UTC,
        last_seen: DateTime::<Utc>::MIN_UTC,
        closed: row.get::<_, bool>(7)?,
        duration_ms: row.get::<_, Option<i64>>(8)?.map(|v| v.max(0) as u64),
        client_version: opt(9)?,
        username: opt(10)?,
        password: opt(11)?,
        login_attempts: n(12)?,
        commands: n(13)?,
        downloads: n(14)?,
        uploads: n(15)?,
        honeytoken_read: row.get(16)?,
        honeytoken_used: row.get(17)?,
        alerts: n(18)?,
        class: opt(19)?,
        class_confidence: row.get(20)?,
        phase: opt(21)?,
        strategy: opt(23)?,
        tags: Vec::new(),
    };
    Ok((|| {
        Ok(SessionSummary {
            protocol: serde_json::from_value(serde_json::Value::String(protocol))
                .map_err(|_| corrupt("protocol"))?,
            src_ip: src_ip.parse().map_err(|_| corrupt("address"))?,
            start: time(&first)?,
            last_seen: time(&last)?,
            tags: serde_json::from_str(&tags).map_err(|_| corrupt("tags"))?,
            ..partial
        })
    })())
}

/// Runs `sql` with `args` and reads each row as a summary.
fn summaries(
    conn: &Connection,
    sql: &str,
    args: Vec<Value>,
) -> Result<Vec<SessionSummary>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(query_error)?;
    let rows = stmt
        .query_map(params_from_iter(args), summary)
        .map_err(query_error)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.map_err(query_error)??);
    }
    Ok(out)
}

/// One page of sessions matching `filter`.
pub(super) fn list(conn: &Connection, filter: &SessionFilter) -> Result<SessionPage, StoreError> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut bind = |cond: &str, values: Vec<Value>, conds: &mut Vec<String>| {
        // Number each `?` after the parameters already bound.
        let mut parts = cond.split('?');
        let mut numbered = parts.next().unwrap_or_default().to_owned();
        for (v, rest) in values.into_iter().zip(parts) {
            args.push(v);
            numbered.push_str(&format!("?{}{rest}", args.len()));
        }
        conds.push(numbered);
    };
    let t = |at: &DateTime<Utc>| Value::Text(timestamp(at));
    if let Some(since) = &filter.since {
        bind("first_ts >= ?", vec![t(since)], &mut conds);
    }
    if let Some(until) = &filter.until {
        bind("first_ts < ?", vec![t(until)], &mut conds);
    }
    if let Some(net) = &filter.ip {
        let (lo, hi) = ip_key_range(net);
        if lo == hi {
            bind("ip_key = ?", vec![Value::Text(lo)], &mut conds);
        } else {
            let v = vec![Value::Text(lo), Value::Text(hi)];
            bind("ip_key BETWEEN ? AND ?", v, &mut conds);
        }
    }
    if let Some(user) = &filter.username {
        bind("username = ?", vec![Value::Text(user.clone())], &mut conds);
    }
    if let Some(class) = &filter.class {
        bind("class = ?", vec![Value::Text(class.clone())], &mut conds);
    }
    if let Some(protocol) = filter.protocol {
        let v = vec![Value::Text(protocol.as_str().to_owned())];
        bind("protocol = ?", v, &mut conds);
    }
    match filter.honeytoken {
        Some(true) => conds.push("(honeytoken_read = 1 OR honeytoken_used = 1)".into()),
        Some(false) => conds.push("honeytoken_read = 0 AND honeytoken_used = 0".into()),
        None => {}
    }
    match filter.downloaded {
        Some(true) => conds.push("downloads > 0".into()),
        Some(false) => conds.push("downloads = 0".into()),
        None => {}
    }
    if let Some(c) = &filter.cursor {
        let v = vec![t(&c.start), Value::Text(c.session.0.clone())];
        bind("(first_ts, session_id) < (?, ?)", v, &mut conds);
    }
    let limit = effective_limit(filter.limit);
    args.push(Value::Integer(limit as i64 + 1));
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions {where_} ORDER BY first_ts DESC, session_id DESC LIMIT ?{}",
        args.len()
    );
    let mut sessions = summaries(conn, &sql, args)?;
    Ok(page(&mut sessions, limit))
}

/// Cuts the extra row fetched to learn whether another page follows.
fn page(sessions: &mut Vec<SessionSummary>, limit: usize) -> SessionPage {
    let more = sessions.len() > limit;
    sessions.truncate(limit);
    let next_cursor = sessions.last().filter(|_| more).map(|s| SessionCursor {
        start: s.start,
        session: s.session.clone(),
    });
    SessionPage {
        sessions: std::mem::take(sessions),
        next_cursor,
    }
}

/// The summary of one session.
pub(super) fn one(conn: &Connection, session: &str) -> Result<Option<SessionSummary>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE session_id = ?1");
    Ok(summaries(conn, &sql, vec![Value::Text(session.to_owned())])?.pop())
}

/// Decodes stored payloads.
fn payloads(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(query_error)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| r.get::<_, String>(0))
        .map_err(query_error)?;
    let mut out = Vec::new();
    for row in rows {
        let payload = row.map_err(query_error)?;
        out.push(serde_json::from_str(&payload).map_err(StoreError::Decode)?);
    }
    Ok(out)
}

/// One page of alerts.
pub(super) fn alerts(conn: &Connection, filter: &AlertFilter) -> Result<AlertPage, StoreError> {
    let mut sql = String::from("SELECT payload FROM events WHERE eventid = 'mirage.alert'");
    let mut args: Vec<Value> = Vec::new();
    let mut push = |sql: &mut String, cond: &str, v: Value| {
        args.push(v);
        sql.push_str(&cond.replace('?', &format!("?{}", args.len())));
    };
    if let Some(since) = &filter.since {
        push(&mut sql, " AND ts >= ?", Value::Text(timestamp(since)));
    }
    if let Some(until) = &filter.until {
        push(&mut sql, " AND ts < ?", Value::Text(timestamp(until)));
    }
    if let Some(session) = &filter.session {
        push(
            &mut sql,
            " AND session_id = ?",
            Value::Text(session.0.clone()),
        );
    }
    if let Some(min) = filter.min_severity {
        let allowed = severities_from(min);
        sql.push_str(&format!(
            " AND json_extract(payload, '$.severity') IN ({})",
            allowed
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(c) = &filter.cursor {
        push(
            &mut sql,
            " AND (ts, id) < (?",
            Value::Text(timestamp(&c.time)),
        );
        push(&mut sql, ", ?)", Value::Text(c.id.to_string()));
    }
    let limit = effective_limit(filter.limit);
    push(
        &mut sql,
        " ORDER BY ts DESC, id DESC LIMIT ?",
        Value::Integer(limit as i64 + 1),
    );
    let events = payloads(conn, &sql, args)?;
    Ok(alert_page(events, limit))
}

/// The newest events of the given kinds.
pub(super) fn recent(
    conn: &Connection,
    eventids: &[&str],
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    if eventids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=eventids.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "SELECT payload FROM events WHERE eventid IN ({}) ORDER BY ts DESC, id DESC LIMIT ?{}",
        marks.join(", "),
        eventids.len() + 1
    );
    let mut args: Vec<Value> = eventids.iter().map(|e| Value::Text((*e).into())).collect();
    args.push(Value::Integer(limit));
    payloads(conn, &sql, args)
}

/// Rows of (text, count).
fn ranked(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<Ranked>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(query_error)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(Ranked {
                value: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                count: r.get::<_, i64>(1)?.max(0) as u64,
            })
        })
        .map_err(query_error)?;
    rows.collect::<Result<_, _>>().map_err(query_error)
}

/// Hour buckets (`YYYY-MM-DDTHH`) with counts.
fn per_hour(
    conn: &Connection,
    sql: &str,
    since: &str,
) -> Result<HashMap<DateTime<Utc>, u64>, StoreError> {
    let rows = ranked(conn, sql, vec![Value::Text(since.to_owned())])?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((time(&format!("{}:00:00Z", r.value)).ok()?, r.count)))
        .collect())
}

/// The overview as of `now`.
pub(super) fn overview(conn: &Connection, now: DateTime<Utc>) -> Result<Overview, StoreError> {
    let start = window_start(now);
    let since = timestamp(&start);
    let scalar = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(query_error)
    };
    let live_sessions = scalar("SELECT count(*) FROM sessions WHERE closed = 0")?;
    let live = summaries(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM sessions WHERE closed = 0 \
             ORDER BY first_ts DESC, session_id DESC LIMIT {OVERVIEW_LIVE}"
        ),
        Vec::new(),
    )?;
    let sessions_hourly = per_hour(
        conn,
        "SELECT substr(first_ts, 1, 13), count(*) FROM sessions WHERE first_ts >= ?1 GROUP BY 1",
        &since,
    )?;
    let logins_hourly = per_hour(
        conn,
        "SELECT substr(ts, 1, 13), count(*) FROM events WHERE eventid IN \
         ('cowrie.login.success', 'cowrie.login.failed') AND ts >= ?1 GROUP BY 1",
        &since,
    )?;
    let top_credentials = {
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT json_extract(payload, '$.username'), json_extract(payload, '$.password'), \
                 count(*) AS n FROM events WHERE eventid IN \
                 ('cowrie.login.success', 'cowrie.login.failed') AND ts >= ?1 \
                 GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT {OVERVIEW_TOP}"
            ))
            .map_err(query_error)?;
        stmt.query_map(params![since], |r| {
            Ok(CredentialCount {
                username: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                password: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                count: r.get::<_, i64>(2)?.max(0) as u64,
            })
        })
        .map_err(query_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(query_error)?
    };
    let top_commands = ranked(
        conn,
        &format!(
            "SELECT json_extract(payload, '$.input'), count(*) AS n FROM events \
             WHERE eventid = 'cowrie.command.input' AND ts >= ?1 \
             GROUP BY 1 ORDER BY n DESC, 1 LIMIT {OVERVIEW_TOP}"
        ),
        vec![Value::Text(since.clone())],
    )?;
    let top_networks = ranked(
        conn,
        &format!(
            "SELECT src_net, count(*) AS n FROM sessions WHERE first_ts >= ?1 \
             GROUP BY 1 ORDER BY n DESC, 1 LIMIT {OVERVIEW_TOP}"
        ),
        vec![Value::Text(since.clone())],
    )?;
    let classes = ranked(
        conn,
        "SELECT coalesce(class, 'unclassified'), count(*) AS n FROM sessions \
         WHERE first_ts >= ?1 GROUP BY 1 ORDER BY n DESC, 1",
        vec![Value::Text(since)],
    )?;
    let latest_alerts = alerts(
        conn,
        &AlertFilter {
            limit: OVERVIEW_TOP,
            ..AlertFilter::default()
        },
    )?
    .alerts;
    Ok(Overview {
        generated_at: now,
        live_sessions,
        live,
        hourly: hours(start, &sessions_hourly, &logins_hourly),
        top_credentials,
        top_commands,
        top_networks,
        classes,
        latest_alerts,
        store: StoreHealth {
            backend: super::BACKEND.to_owned(),
            ok: true,
            sessions: scalar("SELECT count(*) FROM sessions")?,
            error: None,
        },
    })
}
