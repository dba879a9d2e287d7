//! PostgreSQL side of [`crate::store::sessions`]: keeping `sessions` up to date, and the reads
//! of the admin UI (session pages, alerts, the overview). Same behaviour as the SQLite side;
//! only the dialect differs (`GREATEST`, `text[]` tags, `timestamptz`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{BACKEND, escape_nul, map_strings, pg_error, unescape_nul};
use crate::events::{Event, Protocol, SessionId};
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

/// Adds a batch's deltas to their sessions' rows in one statement: each column comes as an
/// array (`unnest` turns them into rows, one per session) and the newer event wins for the
/// "latest" values. Tags come as one JSON array text per session (arrays of arrays must be
/// rectangular).
const UPSERT: &str = "INSERT INTO sessions (session_id, node_id, protocol, src_ip, src_port, \
    ip_key, src_net, first_ts, last_ts, closed, duration_ms, client_version, client_version_ts, \
    username, password, login_ts, login_attempts, commands, downloads, uploads, \
    honeytoken_read, honeytoken_used, alerts, class, class_confidence, class_ts, phase, \
    phase_ts, strategy, strategy_ts, tags) \
    SELECT u.session_id, u.node_id, u.protocol, u.src_ip, u.src_port, u.ip_key, u.src_net, \
    u.first_ts, u.last_ts, u.closed, u.duration_ms, u.client_version, u.client_version_ts, \
    u.username, u.password, u.login_ts, u.login_attempts, u.commands, u.downloads, u.uploads, \
    u.honeytoken_read, u.honeytoken_used, u.alerts, u.class, u.class_confidence, u.class_ts, \
    u.phase, u.phase_ts, u.strategy, u.strategy_ts, \
    ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)) \
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[], \
    $7::text[], $8::timestamptz[], $9::timestamptz[], $10::bool[], $11::int8[], $12::text[], \
    $13::timestamptz[], $14::text[], $15::text[], $16::timestamptz[], $17::int8[], $18::int8[], \
    $19::int8[], $20::int8[], $21::bool[], $22::bool[], $23::int8[], $24::text[], \
    $25::float8[], $26::timestamptz[], $27::text[], $28::timestamptz[], $29::text[], \
    $30::timestamptz[], $31::text[]) \
    AS u(session_id, node_id, protocol, src_ip, src_port, ip_key, src_net, first_ts, last_ts, \
    closed, duration_ms, client_version, client_version_ts, username, password, login_ts, \
    login_attempts, commands, downloads, uploads, honeytoken_read, honeytoken_used, alerts, \
    class, class_confidence, class_ts, phase, phase_ts, strategy, strategy_ts, tags) \
    ON CONFLICT (session_id) DO UPDATE SET \
    node_id = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.node_id ELSE sessions.node_id END, \
    src_ip = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.src_ip ELSE sessions.src_ip END, \
    src_port = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.src_port ELSE sessions.src_port END, \
    ip_key = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.ip_key ELSE sessions.ip_key END, \
    src_net = CASE WHEN excluded.first_ts < sessions.first_ts THEN excluded.src_net ELSE sessions.src_net END, \
    first_ts = LEAST(sessions.first_ts, excluded.first_ts), \
    last_ts = GREATEST(sessions.last_ts, excluded.last_ts), \
    closed = sessions.closed OR excluded.closed, \
    duration_ms = GREATEST(sessions.duration_ms, excluded.duration_ms), \
    client_version = CASE WHEN excluded.client_version_ts >= sessions.client_version_ts \
        OR (excluded.client_version_ts IS NOT NULL AND sessions.client_version_ts IS NULL) \
        THEN excluded.client_version ELSE sessions.client_version END, \
    client_version_ts = GREATEST(sessions.client_version_ts, excluded.client_version_ts), \
    username = CASE WHEN excluded.login_ts >= sessions.login_ts \
        OR (excluded.login_ts IS NOT NULL AND sessions.login_ts IS NULL) \
        THEN excluded.username ELSE sessions.username END, \
    password = CASE WHEN excluded.login_ts >= sessions.login_ts \
        OR (excluded.login_ts IS NOT NULL AND sessions.login_ts IS NULL) \
        THEN excluded.password ELSE sessions.password END, \
    login_ts = GREATEST(sessions.login_ts, excluded.login_ts), \
    login_attempts = sessions.login_attempts + excluded.login_attempts, \
    commands = sessions.commands + excluded.commands, \
    downloads = sessions.downloads + excluded.downloads, \
    uploads = sessions.uploads + excluded.uploads, \
    honeytoken_read = sessions.honeytoken_read OR excluded.honeytoken_read, \
    honeytoken_used = sessions.honeytoken_used OR excluded.honeytoken_used, \
    alerts = sessions.alerts + excluded.alerts, \
    class = CASE WHEN excluded.class_ts >= sessions.class_ts \
        OR (excluded.class_ts IS NOT NULL AND sessions.class_ts IS NULL) \
        THEN excluded.class ELSE sessions.class END, \
    class_confidence = CASE WHEN excluded.class_ts >= sessions.class_ts \
        OR (excluded.class_ts IS NOT NULL AND sessions.class_ts IS NULL) \
        THEN excluded.class_confidence ELSE sessions.class_confidence END, \
    class_ts = GREATEST(sessions.class_ts, excluded.class_ts), \
    phase = CASE WHEN excluded.phase_ts >= sessions.phase_ts \
        OR (excluded.phase_ts IS NOT NULL AND sessions.phase_ts IS NULL) \
        THEN excluded.phase ELSE sessions.phase END, \
    phase_ts = GREATEST(sessions.phase_ts, excluded.phase_ts), \
    strategy = CASE WHEN excluded.strategy_ts >= sessions.strategy_ts \
        OR (excluded.strategy_ts IS NOT NULL AND sessions.strategy_ts IS NULL) \
        THEN excluded.strategy ELSE sessions.strategy END, \
    strategy_ts = GREATEST(sessions.strategy_ts, excluded.strategy_ts), \
    tags = CASE WHEN cardinality(excluded.tags) = 0 THEN sessions.tags ELSE \
        ARRAY(SELECT DISTINCT t FROM unnest(sessions.tags || excluded.tags) AS t ORDER BY t) END";

/// A statement parameter.
type Param = Box<dyn ToSql + Sync + Send>;

fn refs(args: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Adds the deltas of newly stored events to their sessions' rows (inside the insert's
/// transaction): one statement for the whole batch, each session once.
pub(super) async fn apply<C: GenericClient>(
    client: &C,
    deltas: &[SessionDelta],
) -> Result<(), StoreError> {
    if deltas.is_empty() {
        return Ok(());
    }
    let stmt = client.prepare_cached(UPSERT).await.map_err(pg_error)?;
    let args = Columns::from_deltas(deltas).params();
    client
        .execute(&stmt, &refs(&args))
        .await
        .map_err(pg_error)?;
    Ok(())
}

/// A batch's deltas, column by column (the arrays of [`UPSERT`]).
#[derive(Default)]
struct Columns {
    session: Vec<String>,
    node: Vec<String>,
    protocol: Vec<&'static str>,
    src_ip: Vec<String>,
    src_port: Vec<i32>,
    ip_key: Vec<String>,
    src_net: Vec<String>,
    first: Vec<DateTime<Utc>>,
    last: Vec<DateTime<Utc>>,
    closed: Vec<bool>,
    duration_ms: Vec<Option<i64>>,
    client_version: Vec<Option<String>>,
    client_version_ts: Vec<Option<DateTime<Utc>>>,
    username: Vec<Option<String>>,
    password: Vec<Option<String>>,
    login_ts: Vec<Option<DateTime<Utc>>>,
    login_attempts: Vec<i64>,
    commands: Vec<i64>,
    downloads: Vec<i64>,
    uploads: Vec<i64>,
    honeytoken_read: Vec<bool>,
    honeytoken_used: Vec<bool>,
    alerts: Vec<i64>,
    class: Vec<Option<String>>,
    class_confidence: Vec<Option<f64>>,
    class_ts: Vec<Option<DateTime<Utc>>>,
    phase: Vec<Option<String>>,
    phase_ts: Vec<Option<DateTime<Utc>>>,
    strategy: Vec<Option<String>>,
    strategy_ts: Vec<Option<DateTime<Utc>>>,
    tags: Vec<String>,
}

/// Attacker text as PostgreSQL can hold it (NUL escaped, see [`super::escape_nul`]).
fn pg_text(s: &str) -> String {
    escape_nul(s).unwrap_or_else(|| s.to_owned())
}

/// Undoes [`pg_text`] on a value read back.
fn from_pg(s: Option<String>) -> Option<String> {
    s.map(|s| unescape_nul(&s).unwrap_or(s))
}

impl Columns {
    fn from_deltas(deltas: &[SessionDelta]) -> Columns {
        let mut c = Columns::default();
        for d in deltas {
            c.session.push(d.session.clone());
            c.node.push(d.node.clone());
            c.protocol.push(d.protocol);
            c.src_ip.push(d.src_ip.to_string());
            c.src_port.push(i32::from(d.src_port));
            c.ip_key.push(ip_key(d.src_ip));
            c.src_net.push(source_network(d.src_ip));
            c.first.push(d.first);
            c.last.push(d.last);
            c.closed.push(d.closed_ms.is_some());
            c.duration_ms.push(d.closed_ms.map(count));
            c.client_version
                .push(d.client_version.as_ref().map(|(_, v)| pg_text(v)));
            c.client_version_ts
                .push(d.client_version.as_ref().map(|(at, _)| *at));
            c.username
                .push(d.login.as_ref().map(|(_, (u, _))| pg_text(u)));
            c.password
                .push(d.login.as_ref().map(|(_, (_, p))| pg_text(p)));
            c.login_ts.push(d.login.as_ref().map(|(at, _)| *at));
            c.login_attempts.push(count(d.login_attempts));
            c.commands.push(count(d.commands));
            c.downloads.push(count(d.downloads));
            c.uploads.push(count(d.uploads));
            c.honeytoken_read.push(d.honeytoken_read);
            c.honeytoken_used.push(d.honeytoken_used);
            c.alerts.push(count(d.alerts));
            c.class
                .push(d.class.as_ref().map(|(_, (cl, _))| pg_text(cl)));
            c.class_confidence
                .push(d.class.as_ref().and_then(|(_, (_, conf))| *conf));
            c.class_ts.push(d.class.as_ref().map(|(at, _)| *at));
            c.phase.push(d.phase.as_ref().map(|(_, p)| pg_text(p)));
            c.phase_ts.push(d.phase.as_ref().map(|(at, _)| *at));
            c.strategy
                .push(d.strategy.as_ref().map(|(_, st)| pg_text(st)));
            c.strategy_ts.push(d.strategy.as_ref().map(|(at, _)| *at));
            let tags: Vec<String> = d.tags.iter().map(|t| pg_text(t)).collect();
            c.tags
                .push(serde_json::to_string(&tags).unwrap_or_else(|_| "[]".to_owned()));
        }
        c
    }

    fn params(self) -> Vec<Param> {
        vec![
            Box::new(self.session),
            Box::new(self.node),
            Box::new(self.protocol),
            Box::new(self.src_ip),
            Box::new(self.src_port),
            Box::new(self.ip_key),
            Box::new(self.src_net),
            Box::new(self.first),
            Box::new(self.last),
            Box::new(self.closed),
            Box::new(self.duration_ms),
            Box::new(self.client_version),
            Box::new(self.client_version_ts),
            Box::new(self.username),
            Box::new(self.password),
            Box::new(self.login_ts),
            Box::new(self.login_attempts),
            Box::new(self.commands),
            Box::new(self.downloads),
            Box::new(self.uploads),
            Box::new(self.honeytoken_read),
            Box::new(self.honeytoken_used),
            Box::new(self.alerts),
            Box::new(self.class),
            Box::new(self.class_confidence),
            Box::new(self.class_ts),
            Box::new(self.phase),
            Box::new(self.phase_ts),
            Box::new(self.strategy),
            Box::new(self.strategy_ts),
            Box::new(self.tags),
        ]
    }
}

/// A stored payload as an event (undoing the NUL escaping).
fn decode(row: &Row, column: usize) -> Result<Event, StoreError> {
    let mut payload: serde_json::Value = row.try_get(column).map_err(pg_error)?;
    map_strings(&mut payload, unescape_nul);
    serde_json::from_value(payload).map_err(StoreError::Decode)
}

/// Folds every event already stored into `sessions` (run once, right after the migration that
/// creates it). Reads the events in chunks by `(ts, id)`, so memory stays bounded.
pub(super) async fn backfill<C: GenericClient>(client: &C) -> Result<u64, StoreError> {
    let mut after: Option<(DateTime<Utc>, uuid::Uuid)> = None;
    let mut total = 0u64;
    loop {
        let rows = match &after {
            None => client
                .query(
                    "SELECT ts, id, payload FROM events ORDER BY ts, id LIMIT $1",
                    &[&BACKFILL_CHUNK],
                )
                .await
                .map_err(pg_error)?,
            Some((ts, id)) => client
                .query(
                    "SELECT ts, id, payload FROM events WHERE (ts, id) > ($1, $2) \
                     ORDER BY ts, id LIMIT $3",
                    &[ts, id, &BACKFILL_CHUNK],
                )
                .await
                .map_err(pg_error)?,
        };
        let Some(last) = rows.last() else {
            return Ok(total);
        };
        after = Some((
            last.try_get(0).map_err(pg_error)?,
            last.try_get(1).map_err(pg_error)?,
        ));
        // An event that no longer decodes (an older schema) is left out of the summaries
        // rather than failing the upgrade.
        let events: Vec<Event> = rows.iter().filter_map(|r| decode(r, 2).ok()).collect();
        total += events.len() as u64;
        apply(client, &SessionDelta::fold(&events)).await?;
    }
}

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
pub(super) async fn list<C: GenericClient>(
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
pub(super) async fn one<C: GenericClient>(
    client: &C,
    session: &str,
) -> Result<Option<SessionSummary>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE session_id = $1");
    let args: Vec<Param> = vec![Box::new(session.to_owned())];
    Ok(summaries(client, &sql, &args).await?.pop())
}

/// One page of alerts.
pub(super) async fn alerts<C: GenericClient>(
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
pub(super) async fn recent<C: GenericClient>(
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
pub(super) async fn overview<C: GenericClient>(
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
