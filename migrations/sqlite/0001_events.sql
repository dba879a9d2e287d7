-- Events as the node saw them. `payload` is the whole event as JSON (the source of truth for
-- reading back); the other columns exist to filter and sort without parsing it.
-- `ts` is RFC 3339 UTC with exactly six fractional digits, so text order is time order.
CREATE TABLE IF NOT EXISTS events (
    id             TEXT PRIMARY KEY NOT NULL,
    schema_version INTEGER NOT NULL,
    node_id        TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    ts             TEXT NOT NULL,
    eventid        TEXT NOT NULL,
    protocol       TEXT NOT NULL,
    src_ip         TEXT NOT NULL,
    src_port       INTEGER NOT NULL,
    dst_ip         TEXT NOT NULL,
    dst_port       INTEGER NOT NULL,
    payload        TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS events_session_id_idx ON events (session_id, ts);
CREATE INDEX IF NOT EXISTS events_ts_idx ON events (ts);

-- Which migrations have been applied; the runner records each version here.
CREATE TABLE IF NOT EXISTS mirage_migrations (
    version    INTEGER PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
