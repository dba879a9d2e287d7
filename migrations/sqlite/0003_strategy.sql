-- Layer 3: each node's learned strategy (the bandit's state as JSON, see src/models/bandit.rs),
-- saved every few seconds and at shutdown, restored at start.
CREATE TABLE IF NOT EXISTS strategy_state (
    node_id    TEXT PRIMARY KEY NOT NULL,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
