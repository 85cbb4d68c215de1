-- 004_ingest_audit.sql - one row per ingest batch (spec issue 5, "Audit"):
-- when, which key (or which file for `motcua import`), the outcome counts and
-- the errors reported. Readable by admins through GET /v1/audit. No dossier
-- content beyond what the errors list says (codes and field names).
CREATE TABLE IF NOT EXISTS ingest_audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    key_id      text,
    source      text NOT NULL,          -- 'http' or 'import'
    format      text NOT NULL,          -- json, ndjson, csv
    status      integer NOT NULL,       -- the HTTP status answered (import: 200 or 500)
    received    bigint NOT NULL DEFAULT 0,
    inserted    bigint NOT NULL DEFAULT 0,
    updated     bigint NOT NULL DEFAULT 0,
    unchanged   bigint NOT NULL DEFAULT 0,
    stale       bigint NOT NULL DEFAULT 0,
    rejected    bigint NOT NULL DEFAULT 0,
    message     text,                   -- a whole-request error, if any
    errors      jsonb NOT NULL DEFAULT '[]',
    duration_ms double precision
);
CREATE INDEX IF NOT EXISTS ingest_audit_at_idx ON ingest_audit (at DESC);
