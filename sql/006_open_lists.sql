-- 006_open_lists.sql - indexes that read the monitoring lists (GET
-- /v1/dossiers?state=) most urgent first, on open dossiers only (spec §9).
--
-- A list is read as a few streams in the order of a lower bound of each
-- dossier's due date, and stops as soon as no unread dossier can still enter
-- the page (service/lists.h, docs/DECISIONS.md "Monitoring lists"). Each
-- stream is one range of one of these partial indexes, keyset-paginated on
-- (key, code); code is in the "C" collation, the byte order the service
-- compares codes in, whatever the database's default collation.
--
-- The (due_at, code) index replaces 001's dossier_open_due_idx (due_at): same
-- rows, same leading column, so every query that used it can use this one.

CREATE INDEX IF NOT EXISTS dossier_open_due_code_idx
    ON dossier (due_at, code COLLATE "C")
    WHERE finished_at IS NULL AND status IN (2, 4, 5, 6);
DROP INDEX IF EXISTS dossier_open_due_idx;

-- Open dossiers asked for papers twice are overdue whatever their due date
-- (spec §4); the overdue list finds those not yet due here without reading
-- every dossier in time. Rare by law (Decree 61 art. 15(3)), so small.
CREATE INDEX IF NOT EXISTS dossier_open_supp_idx
    ON dossier (due_at, code COLLATE "C")
    WHERE finished_at IS NULL AND status IN (2, 4, 5, 6) AND supplement_count > 1;

-- Open dossiers without a stored due date: their effective due date comes
-- from the procedure catalog and is never before the day they were received,
-- so received_at orders them by a lower bound of it.
CREATE INDEX IF NOT EXISTS dossier_open_nodue_idx
    ON dossier (received_at, code COLLATE "C")
    WHERE finished_at IS NULL AND status IN (2, 4, 5, 6) AND due_at IS NULL;

-- The planner's estimate of the open dossiers: finished_at IS NULL and the
-- open statuses go together, and without statistics on the pair it takes
-- them as independent and sees a small fraction of the open dossiers (the
-- product of two small shares instead of the smaller one). With too few, a
-- filtered list (a channel, a procedure) sorts every open dossier instead of
-- stopping early in index order. Built now, then by every ANALYZE.
CREATE STATISTICS IF NOT EXISTS dossier_open_stats (mcv) ON status, finished_at FROM dossier;
ANALYZE dossier;
