-- The admin UI shows each session's attack phase and current deception settings (issue 8).
-- `phase` exists since migration 2 (never filled until now); `phase_ts` and `strategy_ts` hold
-- the time of the event that set the value next to them, so the newer event wins as for the
-- other "latest" columns. Events stored before this migration carry neither, so there is
-- nothing to fold in.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS phase_ts timestamptz;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS strategy text;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS strategy_ts timestamptz;
