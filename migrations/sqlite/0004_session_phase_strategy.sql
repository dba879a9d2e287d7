-- The admin UI shows each session's attack phase and current deception settings (issue 8).
-- `phase` exists since migration 2 (never filled until now); `phase_ts` and `strategy_ts` hold
-- the time of the event that set the value next to them, so the newer event wins as for the
-- other "latest" columns. Events stored before this migration carry neither, so there is
-- nothing to fold in.
ALTER TABLE sessions ADD COLUMN phase_ts TEXT;
ALTER TABLE sessions ADD COLUMN strategy TEXT;
ALTER TABLE sessions ADD COLUMN strategy_ts TEXT;
