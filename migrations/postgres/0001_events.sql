-- Events as the fleet saw them. `payload` is the whole event as JSON (the source of truth for
-- reading back); the other columns exist to filter and sort without parsing it.
CREATE TABLE IF NOT EXISTS events (
    id             uuid PRIMARY KEY,
    schema_version integer NOT NULL,
    node_id        text NOT NULL,
    session_id     text NOT NULL,
    ts             timestamptz NOT NULL,
    eventid        text NOT NULL,
    protocol       text NOT NULL,
    src_ip         text NOT NULL,
    src_port       integer NOT NULL,
    dst_ip         text NOT NULL,
    dst_port       integer NOT NULL,
    payload        jsonb NOT NULL
);

CREATE INDEX IF NOT EXISTS events_session_id_idx ON events (session_id, ts);
CREATE INDEX IF NOT EXISTS events_ts_idx ON events (ts);

-- Which migrations have been applied; the runner records each version here.
CREATE TABLE IF NOT EXISTS mirage_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
