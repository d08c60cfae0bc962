-- Version 2: each session records when it was last used, so that every replica sharing the
-- database agrees on which sessions have been idle for longer than the session TTL. Sessions
-- of version 1 are taken to have been used when the migration runs.

ALTER TABLE datashare_sessions ADD COLUMN last_used timestamptz NOT NULL DEFAULT now();
ALTER TABLE datashare_sessions ALTER COLUMN last_used DROP DEFAULT;

CREATE INDEX datashare_sessions_last_used ON datashare_sessions (last_used);
