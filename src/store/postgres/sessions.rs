//! PostgreSQL side of [`crate::store::sessions`]: keeping `sessions` up to date (here) and the
//! reads of the admin UI (session pages, alerts, the overview: `reads.rs`). Same behaviour as
//! the SQLite side; only the dialect differs (`GREATEST`, `text[]` tags, `timestamptz`).

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{escape_nul, map_strings, pg_error, unescape_nul};
use crate::events::Event;
use crate::store::StoreError;
use crate::store::sessions::{SessionDelta, ip_key, source_network};

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

mod reads;
pub(super) use reads::{alerts, list, one, overview, recent};
