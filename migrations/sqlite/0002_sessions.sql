-- One row per session, kept up to date by every insert (in the same transaction) from the
-- events it stored; existing events are folded in by the runner right after this migration.
-- Times are text like events.ts (RFC 3339 UTC, six fractional digits), so text order is time
-- order. `ip_key` is the source address as 32 hex digits of its IPv6 form (IPv4 mapped), so a
-- CIDR prefix is a key range; `src_net` is its /24 (IPv4) or /48 (IPv6) for the overview.
-- `*_ts` columns hold the time of the event that set the value next to them: the newer wins.
CREATE TABLE IF NOT EXISTS sessions (
    session_id        TEXT PRIMARY KEY NOT NULL,
    node_id           TEXT NOT NULL,
    protocol          TEXT NOT NULL,
    src_ip            TEXT NOT NULL,
    src_port          INTEGER NOT NULL,
    ip_key            TEXT NOT NULL,
    src_net           TEXT NOT NULL,
    first_ts          TEXT NOT NULL,
    last_ts           TEXT NOT NULL,
    closed            INTEGER NOT NULL DEFAULT 0,
    duration_ms       INTEGER,
    client_version    TEXT,
    client_version_ts TEXT,
    username          TEXT,
    password          TEXT,
    login_ts          TEXT,
    login_attempts    INTEGER NOT NULL DEFAULT 0,
    commands          INTEGER NOT NULL DEFAULT 0,
    downloads         INTEGER NOT NULL DEFAULT 0,
    uploads           INTEGER NOT NULL DEFAULT 0,
    honeytoken_read   INTEGER NOT NULL DEFAULT 0,
    honeytoken_used   INTEGER NOT NULL DEFAULT 0,
    alerts            INTEGER NOT NULL DEFAULT 0,
    class             TEXT,
    class_confidence  REAL,
    class_ts          TEXT,
    phase             TEXT,
    tags              TEXT NOT NULL DEFAULT '[]'
);

-- Newest first, and each filter followed by newest first, are index scans.
CREATE INDEX IF NOT EXISTS sessions_start_idx ON sessions (first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_ip_idx ON sessions (ip_key, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_username_idx ON sessions (username, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_class_idx ON sessions (class, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_protocol_idx ON sessions (protocol, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_honeytoken_idx ON sessions (first_ts, session_id)
    WHERE honeytoken_read = 1 OR honeytoken_used = 1;
CREATE INDEX IF NOT EXISTS sessions_downloaded_idx ON sessions (first_ts, session_id)
    WHERE downloads > 0;
CREATE INDEX IF NOT EXISTS sessions_live_idx ON sessions (first_ts, session_id)
    WHERE closed = 0;

-- Alerts, logins and honeytoken events by kind and time (alert listing, overview).
CREATE INDEX IF NOT EXISTS events_eventid_ts_idx ON events (eventid, ts, id);
