-- 002_reference.sql - working-day calendar overrides (spec §6).
--
-- The calendar's rules (weekends, Labour Code holidays, compensatory days)
-- are computed by the program; what an administrator decides per date (the
-- Prime Minister's official Tết and 2/9 schedule, swapped working Saturdays)
-- is stored here and wins over every rule. A fresh database holds none.
--
-- Every service instance keeps the calendar in memory. reference_version is
-- one row whose counter is bumped in the same transaction as every override
-- change, so each instance sees a change (its own or another instance's) with
-- one cheap read per request and rebuilds its calendar then. Every statement
-- is idempotent.

CREATE TABLE IF NOT EXISTS calendar_override (
    day     date PRIMARY KEY,
    working boolean NOT NULL,
    name    text
);

CREATE TABLE IF NOT EXISTS reference_version (
    id       integer PRIMARY KEY CHECK (id = 1),
    calendar bigint NOT NULL
);

INSERT INTO reference_version (id, calendar) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
