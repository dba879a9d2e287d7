//! The admin UI's reads of the PostgreSQL `sessions` table: session pages, one session,
//! alerts, recent events and the overview.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{COLUMNS, Param, decode, from_pg, pg_text, refs};
use crate::events::{Event, Protocol, SessionId};
use crate::store::StoreError;
use crate::store::postgres::{BACKEND, pg_error, unescape_nul};
use crate::store::sessions::read::{alert_page, hours, severities_from, window_start};
use crate::store::sessions::{
    AlertFilter, AlertPage, CredentialCount, OVERVIEW_LIVE, OVERVIEW_TOP, Overview, Ranked,
    SessionCursor, SessionFilter, SessionPage, SessionSummary, StoreHealth, effective_limit,
    ip_key_range,
};

fn corrupt(what: &str) -> StoreError {
    StoreError::Query {
        backend: BACKEND,
        source: format!("malformed {what} in the sessions table").into(),
    }
}

/// Reads one row of [`COLUMNS`].
fn summary(row: &Row) -> Result<SessionSummary, StoreError> {
    let n = |i: usize| -> Result<u64, StoreError> {
        Ok(row.try_get::<_, i64>(i).map_err(pg_error)?.max(0) as u64)
    };
    let protocol: String = row.try_get(2).map_err(pg_error)?;
    let src_ip: String = row.try_get(3).map_err(pg_error)?;
    Ok(SessionSummary {
        session: SessionId(row.try_get(0).map_err(pg_error)?),
        node: row.try_get(1).map_err(pg_error)?,
        protocol: match protocol.as_str() {
            "ssh" => Protocol::Ssh,
            "http" => Protocol::Http,
            _ => return Err(corrupt("protocol")),
        },
        src_ip: src_ip.parse().map_err(|_| corrupt("address"))?,
        src_port: u16::try_from(row.try_get::<_, i32>(4).map_err(pg_error)?).unwrap_or(0),
        start: row.try_get(5).map_err(pg_error)?,
        last_seen: row.try_get(6).map_err(pg_error)?,
        closed: row.try_get(7).map_err(pg_error)?,
        duration_ms: row
            .try_get::<_, Option<i64>>(8)
            .map_err(pg_error)?
            .map(|v| v.max(0) as u64),
        client_version: from_pg(row.try_get(9).map_err(pg_error)?),
        username: from_pg(row.try_get(10).map_err(pg_error)?),
        password: from_pg(row.try_get(11).map_err(pg_error)?),
        login_attempts: n(12)?,
        commands: n(13)?,
        downloads: n(14)?,
        uploads: n(15)?,
        honeytoken_read: row.try_get(16).map_err(pg_error)?,
        honeytoken_used: row.try_get(17).map_err(pg_error)?,
        alerts: n(18)?,
        class: row.try_get(19).map_err(pg_error)?,
        class_confidence: row.try_get(20).map_err(pg_error)?,
        phase: row.try_get(21).map_err(pg_error)?,
        strategy: row.try_get(23).map_err(pg_error)?,
        tags: row
            .try_get::<_, Vec<String>>(22)
            .map_err(pg_error)?
            .into_iter()
            .map(|t| unescape_nul(&t).unwrap_or(t))
            .collect(),
    })
}

async fn summaries<C: GenericClient>(
    client: &C,
    sql: &str,
    args: &[Param],
) -> Result<Vec<SessionSummary>, StoreError> {
    let rows = client.query(sql, &refs(args)).await.map_err(pg_error)?;
    rows.iter().map(summary).collect()
}

/// Appends `cond` with its `?` marks numbered after the parameters already in `args`.
fn bind(conds: &mut Vec<String>, args: &mut Vec<Param>, cond: &str, values: Vec<Param>) {
    let mut cond = cond.to_owned();
    for v in values {
        args.push(v);
        cond = cond.replacen('?', &format!("${}", args.len()), 1);
    }
    conds.push(cond);
}

fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    }
}

/// One page of sessions matching `filter`.
pub(in crate::store::postgres) async fn list<C: GenericClient>(
    client: &C,
    filter: &SessionFilter,
) -> Result<SessionPage, StoreError> {
    let mut conds = Vec::new();
    let mut args: Vec<Param> = Vec::new();
    if let Some(since) = filter.since {
        bind(
            &mut conds,
            &mut args,
            "first_ts >= ?",
            vec![Box::new(since)],
        );
    }
    if let Some(until) = filter.until {
        bind(&mut conds, &mut args, "first_ts < ?", vec![Box::new(until)]);
    }
    if let Some(net) = &filter.ip {
        let (lo, hi) = ip_key_range(net);
        if lo == hi {
            bind(&mut conds, &mut args, "ip_key = ?", vec![Box::new(lo)]);
        } else {
            let v: Vec<Param> = vec![Box::new(lo), Box::new(hi)];
            bind(&mut conds, &mut args, "ip_key BETWEEN ? AND ?", v);
        }
    }
    if let Some(user) = &filter.username {
        bind(
            &mut conds,
            &mut args,
            "username = ?",
            vec![Box::new(pg_text(user))],
        );
    }
    if let Some(class) = &filter.class {
        bind(
            &mut conds,
            &mut args,
            "class = ?",
            vec![Box::new(pg_text(class))],
        );
    }
    if let Some(protocol) = filter.protocol {
        let v: Vec<Param> = vec![Box::new(protocol.as_str())];
        bind(&mut conds, &mut args, "protocol = ?", v);
    }
    match filter.honeytoken {
        Some(true) => conds.push("(honeytoken_read OR honeytoken_used)".into()),
        Some(false) => conds.push("NOT honeytoken_read AND NOT honeytoken_used".into()),
        None => {}
    }
    match filter.downloaded {
        Some(true) => conds.push("downloads > 0".into()),
        Some(false) => conds.push("downloads = 0".into()),
        None => {}
    }
    if let Some(c) = &filter.cursor {
        let v: Vec<Param> = vec![Box::new(c.start), Box::new(c.session.0.clone())];
        bind(&mut conds, &mut args, "(first_ts, session_id) < (?, ?)", v);
    }
    let limit = effective_limit(filter.limit);
    args.push(Box::new(limit as i64 + 1));
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions {} ORDER BY first_ts DESC, session_id DESC LIMIT ${}",
        where_clause(&conds),
        args.len()
    );
    let mut sessions = summaries(client, &sql, &args).await?;
    let more = sessions.len() > limit;
    sessions.truncate(limit);
    let next_cursor = sessions.last().filter(|_| more).map(|s| SessionCursor {
        start: s.start,
        session: s.session.clone(),
    });
    Ok(SessionPage {
        sessions,
        next_cursor,
    })
}

/// The summary of one session.
pub(in crate::store::postgres) async fn one<C: GenericClient>(
    client: &C,
    session: &str,
) -> Result<Option<SessionSummary>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE session_id = $1");
    let args: Vec<Param> = vec![Box::new(session.to_owned())];
    Ok(summaries(client, &sql, &args).await?.pop())
}

/// One page of alerts.
pub(in crate::store::postgres) async fn alerts<C: GenericClient>(
    client: &C,
    filter: &AlertFilter,
) -> Result<AlertPage, StoreError> {
    let mut conds = vec!["eventid = 'mirage.alert'".to_owned()];
    let mut args: Vec<Param> = Vec::new();
    if let Some(since) = filter.since {
        bind(&mut conds, &mut args, "ts >= ?", vec![Box::new(since)]);
    }
    if let Some(until) = filter.until {
        bind(&mut conds, &mut args, "ts < ?", vec![Box::new(until)]);
    }
    if let Some(session) = &filter.session {
        let v: Vec<Param> = vec![Box::new(session.0.clone())];
        bind(&mut conds, &mut args, "session_id = ?", v);
    }
    if let Some(min) = filter.min_severity {
        let allowed: Vec<String> = severities_from(min).into_iter().map(String::from).collect();
        bind(
            &mut conds,
            &mut args,
            "payload->>'severity' = ANY(?)",
            vec![Box::new(allowed)],
        );
    }
    if let Some(c) = &filter.cursor {
        let v: Vec<Param> = vec![Box::new(c.time), Box::new(c.id)];
        bind(&mut conds, &mut args, "(ts, id) < (?, ?)", v);
    }
    let limit = effective_limit(filter.limit);
    args.push(Box::new(limit as i64 + 1));
    let sql = format!(
        "SELECT payload FROM events {} ORDER BY ts DESC, id DESC LIMIT ${}",
        where_clause(&conds),
        args.len()
    );
    let rows = client.query(&sql, &refs(&args)).await.map_err(pg_error)?;
    let events = rows
        .iter()
        .map(|r| decode(r, 0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(alert_page(events, limit))
}

/// The newest events of the given kinds.
pub(in crate::store::postgres) async fn recent<C: GenericClient>(
    client: &C,
    eventids: &[&str],
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    let kinds: Vec<String> = eventids.iter().map(|e| (*e).to_owned()).collect();
    let rows = client
        .query(
            "SELECT payload FROM events WHERE eventid = ANY($1) ORDER BY ts DESC, id DESC LIMIT $2",
            &[&kinds, &limit],
        )
        .await
        .map_err(pg_error)?;
    rows.iter().map(|r| decode(r, 0)).collect()
}

/// Rows of (text, count).
async fn ranked<C: GenericClient>(
    client: &C,
    sql: &str,
    since: &DateTime<Utc>,
) -> Result<Vec<Ranked>, StoreError> {
    let rows = client.query(sql, &[since]).await.map_err(pg_error)?;
    rows.iter()
        .map(|r| {
            let value: Option<String> = r.try_get(0).map_err(pg_error)?;
            let n: i64 = r.try_get(1).map_err(pg_error)?;
            Ok(Ranked {
                value: value.map_or_else(String::new, |v| unescape_nul(&v).unwrap_or(v)),
                count: n.max(0) as u64,
            })
        })
        .collect()
}

async fn per_hour<C: GenericClient>(
    client: &C,
    sql: &str,
    since: &DateTime<Utc>,
) -> Result<HashMap<DateTime<Utc>, u64>, StoreError> {
    let rows = client.query(sql, &[since]).await.map_err(pg_error)?;
    rows.iter()
        .map(|r| {
            let hour: DateTime<Utc> = r.try_get(0).map_err(pg_error)?;
            let n: i64 = r.try_get(1).map_err(pg_error)?;
            Ok((hour, n.max(0) as u64))
        })
        .collect()
}

/// The hour a `timestamptz` column falls in, in UTC whatever the session's time zone.
const HOUR_OF: &str = "(date_trunc('hour', {} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')";

/// The overview as of `now`.
pub(in crate::store::postgres) async fn overview<C: GenericClient>(
    client: &C,
    now: DateTime<Utc>,
) -> Result<Overview, StoreError> {
    let start = window_start(now);
    let scalar = |sql: &'static str| async move {
        let n: i64 = client
            .query_one(sql, &[])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(pg_error)?;
        Ok::<u64, StoreError>(n.max(0) as u64)
    };
    let live_sessions = scalar("SELECT count(*) FROM sessions WHERE NOT closed").await?;
    let live = summaries(
        client,
        &format!(
            "SELECT {COLUMNS} FROM sessions WHERE NOT closed \
             ORDER BY first_ts DESC, session_id DESC LIMIT {OVERVIEW_LIVE}"
        ),
        &[],
    )
    .await?;
    let sessions_hourly = per_hour(
        client,
        &format!(
            "SELECT {} AS h, count(*) FROM sessions WHERE first_ts >= $1 GROUP BY h",
            HOUR_OF.replace("{}", "first_ts")
        ),
        &start,
    )
    .await?;
    let logins_hourly = per_hour(
        client,
        &format!(
            "SELECT {} AS h, count(*) FROM events WHERE eventid IN \
             ('cowrie.login.success', 'cowrie.login.failed') AND ts >= $1 GROUP BY h",
            HOUR_OF.replace("{}", "ts")
        ),
        &start,
    )
    .await?;
    let top_credentials = client
        .query(
            &format!(
                "SELECT payload->>'username' AS u, payload->>'password' AS p, count(*) AS n \
                 FROM events WHERE eventid IN ('cowrie.login.success', 'cowrie.login.failed') \
                 AND ts >= $1 GROUP BY u, p ORDER BY n DESC, u, p LIMIT {OVERVIEW_TOP}"
            ),
            &[&start],
        )
        .await
        .map_err(pg_error)?
        .iter()
        .map(|r| {
            let text = |i: usize| -> Result<String, StoreError> {
                let v: Option<String> = r.try_get(i).map_err(pg_error)?;
                Ok(v.map_or_else(String::new, |v| unescape_nul(&v).unwrap_or(v)))
            };
            let n: i64 = r.try_get(2).map_err(pg_error)?;
            Ok(CredentialCount {
                username: text(0)?,
                password: text(1)?,
                count: n.max(0) as u64,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let top_commands = ranked(
        client,
        &format!(
            "SELECT payload->>'input' AS c, count(*) AS n FROM events \
             WHERE eventid = 'cowrie.command.input' AND ts >= $1 \
             GROUP BY c ORDER BY n DESC, c LIMIT {OVERVIEW_TOP}"
        ),
        &start,
    )
    .await?;
    let top_networks = ranked(
        client,
        &format!(
            "SELECT src_net, count(*) AS n FROM sessions WHERE first_ts >= $1 \
             GROUP BY src_net ORDER BY n DESC, src_net LIMIT {OVERVIEW_TOP}"
        ),
        &start,
    )
    .await?;
    let classes = ranked(
        client,
        "SELECT coalesce(class, 'unclassified') AS c, count(*) AS n FROM sessions \
         WHERE first_ts >= $1 GROUP BY c ORDER BY n DESC, c",
        &start,
    )
    .await?;
    let latest_alerts = alerts(
        client,
        &AlertFilter {
            limit: OVERVIEW_TOP,
            ..AlertFilter::default()
        },
    )
    .await?
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
            backend: BACKEND.to_owned(),
            ok: true,
            sessions: scalar("SELECT count(*) FROM sessions").await?,
            error: None,
        },
    })
}
