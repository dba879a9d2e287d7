-- One row per session, kept up to date by every insert (in the same transaction) from the
-- events it stored; existing events are folded in by the runner right after this migration.
-- `ip_key` is the source address as 32 hex digits of its IPv6 form (IPv4 mapped), so a CIDR
-- prefix is a key range; `src_net` is its /24 (IPv4) or /48 (IPv6) for the overview.
-- `*_ts` columns hold the time of the event that set the value next to them: the newer wins.
CREATE TABLE IF NOT EXISTS sessions (
    session_id        text PRIMARY KEY,
    node_id           text NOT NULL,
    protocol          text NOT NULL,
    src_ip            text NOT NULL,
    src_port          integer NOT NULL,
    ip_key            text COLLATE "C" NOT NULL,
    src_net           text NOT NULL,
    first_ts          timestamptz NOT NULL,
    last_ts           timestamptz NOT NULL,
    closed            boolean NOT NULL DEFAULT false,
    duration_ms       bigint,
    client_version    text,
    client_version_ts timestamptz,
    username          text,
    password          text,
    login_ts          timestamptz,
    login_attempts    bigint NOT NULL DEFAULT 0,
    commands          bigint NOT NULL DEFAULT 0,
    downloads         bigint NOT NULL DEFAULT 0,
    uploads           bigint NOT NULL DEFAULT 0,
    honeytoken_read   boolean NOT NULL DEFAULT false,
    honeytoken_used   boolean NOT NULL DEFAULT false,
    alerts            bigint NOT NULL DEFAULT 0,
    class             text,
    class_confidence  double precision,
    class_ts          timestamptz,
    phase             text,
    tags              text[] NOT NULL DEFAULT '{}'
);

-- Newest first, and each filter followed by newest first, are index scans. `ip_key` is in the
-- "C" collation so that its ranges never depend on the database's locale.
CREATE INDEX IF NOT EXISTS sessions_start_idx ON sessions (first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_ip_idx ON sessions (ip_key, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_username_idx ON sessions (username, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_class_idx ON sessions (class, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_protocol_idx ON sessions (protocol, first_ts, session_id);
CREATE INDEX IF NOT EXISTS sessions_honeytoken_idx ON sessions (first_ts, session_id)
    WHERE honeytoken_read OR honeytoken_used;
CREATE INDEX IF NOT EXISTS sessions_downloaded_idx ON sessions (first_ts, session_id)
    WHERE downloads > 0;
CREATE INDEX IF NOT EXISTS sessions_live_idx ON sessions (first_ts, session_id)
    WHERE NOT closed;

-- Alerts, logins and honeytoken events by kind and time (alert listing, overview).
CREATE INDEX IF NOT EXISTS events_eventid_ts_idx ON events (eventid, ts, id);
