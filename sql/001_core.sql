-- 001_core.sql - dossiers, their labels, targets.
--
-- The dossier table is built for ~10 million rows: typed columns (no JSON
-- blob), the status as its DVCQG number, instants as timestamptz. Labels
-- (agency and procedure names) live once in their own tables instead of in
-- every row. Every statement is idempotent.

CREATE TABLE IF NOT EXISTS agency (
    code        text PRIMARY KEY,
    name        text
);

-- The procedure catalog (spec §6). Names arrive with dossiers; the catalog
-- columns (level, statutory duration, fee) are filled by PUT /v1/procedures.
CREATE TABLE IF NOT EXISTS procedure (
    code          text PRIMARY KEY,
    name          text,
    field_code    text,
    service_level smallint CHECK (service_level IN (2, 3, 4)),
    duration      integer CHECK (duration >= 0),
    duration_unit text CHECK (duration_unit IN ('working_days', 'days', 'hours')),
    has_fee       boolean
);

CREATE TABLE IF NOT EXISTS dossier (
    code                    text PRIMARY KEY,
    agency_code             text NOT NULL,
    procedure_code          text NOT NULL,
    field_code              text,
    service_level           smallint CHECK (service_level IN (2, 3, 4)),
    channel                 smallint NOT NULL CHECK (channel BETWEEN 1 AND 3),
    status                  smallint NOT NULL CHECK (status BETWEEN 1 AND 10),
    received_at             timestamptz,
    due_at                  timestamptz,
    finished_at             timestamptz,
    returned_at             timestamptz,
    extended_due_at         timestamptz,
    apology                 boolean NOT NULL DEFAULT false,
    supplement_count        integer NOT NULL DEFAULT 0 CHECK (supplement_count >= 0),
    supplement_requested_at timestamptz,
    fee                     bigint CHECK (fee >= 0),
    paid_online             boolean NOT NULL DEFAULT false,
    updated_at              timestamptz,
    ingested_at             timestamptz NOT NULL DEFAULT now()
);

-- Flow queries look for dossiers received up to as_of and not finished
-- before the period; monitoring lists look at open dossiers only.
CREATE INDEX IF NOT EXISTS dossier_received_idx ON dossier (received_at);
CREATE INDEX IF NOT EXISTS dossier_finished_idx ON dossier (finished_at);
CREATE INDEX IF NOT EXISTS dossier_agency_idx ON dossier (agency_code, received_at);
CREATE INDEX IF NOT EXISTS dossier_open_due_idx ON dossier (due_at)
    WHERE finished_at IS NULL AND status IN (2, 4, 5, 6);

-- Targets (spec §6): PUT /v1/targets replaces the whole set; an empty set
-- means the defaults of §5.
CREATE TABLE IF NOT EXISTS target (
    id      serial PRIMARY KEY,
    metric  text NOT NULL,
    op      text NOT NULL CHECK (op IN ('>=', '<=')),
    target  numeric(8, 6) NOT NULL CHECK (target >= 0 AND target <= 1),
    agency  text,
    year    integer
);
