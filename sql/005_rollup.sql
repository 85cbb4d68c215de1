-- 005_rollup.sql - roll-up tables (docs/ROLLUPS.md, spec §9).
--
-- Every event of a dossier's life (received; in time -> overdue; processing
-- -> waiting; finished) adds to the counters of its day, month and year, at
-- three levels of detail: lod 2 = the province (agency ''), lod 0 = the
-- agency, lod 1 = procedure x channel x field x service level, province-wide
-- (agency ''). Unknown field is '', unknown level 0, and the coarser rows
-- have procedure '', channel 0, field '', level 0, so the key has no NULLs. A finish also counts its duration: hK = the finished dossiers of
-- K whole working days (NULL = 0, so rows without finishes stay small),
-- longer ones in rollup_hist_long.
-- The ingest path, catalog and calendar changes and `motcua rollup
-- --rebuild` keep them equal to what the dossier table says, in the same
-- transaction as the change. The columns are those of service/rollup.h.
CREATE TABLE IF NOT EXISTS rollup (
    lod             smallint NOT NULL,
    grain           smallint NOT NULL,      -- 1 day, 2 month, 3 year
    bucket          date NOT NULL,          -- the day, or the first day of the month / year
    agency_code     text NOT NULL,
    procedure_code  text NOT NULL,
    channel         smallint NOT NULL,
    field_code      text NOT NULL,
    service_level   smallint NOT NULL,
    received        integer NOT NULL DEFAULT 0,
    recv_online     integer NOT NULL DEFAULT 0,
    recv_direct     integer NOT NULL DEFAULT 0,
    recv_postal     integer NOT NULL DEFAULT 0,
    fee_bearing     integer NOT NULL DEFAULT 0,
    fee_paid_online integer NOT NULL DEFAULT 0,
    level34         integer NOT NULL DEFAULT 0,
    level34_online  integer NOT NULL DEFAULT 0,
    finished        integer NOT NULL DEFAULT 0,
    early           integer NOT NULL DEFAULT 0,
    on_time         integer NOT NULL DEFAULT 0,
    late            integer NOT NULL DEFAULT 0,
    withdrawn       integer NOT NULL DEFAULT 0,
    stopped         integer NOT NULL DEFAULT 0,
    resolved        integer NOT NULL DEFAULT 0,
    late_apology    integer NOT NULL DEFAULT 0,
    dur_wd          bigint NOT NULL DEFAULT 0,   -- sum of working-day durations
    dur_sec         bigint NOT NULL DEFAULT 0,   -- sum of whole seconds of durations
    dur_us          bigint NOT NULL DEFAULT 0,   -- sum of the microsecond remainders
    s_nw_in         integer NOT NULL DEFAULT 0,  -- open-state deltas: not waiting / waiting,
    s_nw_over       integer NOT NULL DEFAULT 0,  -- in time / overdue
    s_w_in          integer NOT NULL DEFAULT 0,
    s_w_over        integer NOT NULL DEFAULT 0,
    h0             integer,
    h1             integer,
    h2             integer,
    h3             integer,
    h4             integer,
    h5             integer,
    h6             integer,
    h7             integer,
    h8             integer,
    h9             integer,
    h10            integer,
    h11            integer,
    h12            integer,
    h13            integer,
    h14            integer,
    h15            integer,
    h16            integer,
    h17            integer,
    h18            integer,
    h19            integer,
    h20            integer,
    h21            integer,
    h22            integer,
    h23            integer,
    h24            integer,
    h25            integer,
    h26            integer,
    h27            integer,
    h28            integer,
    h29            integer,
    h30            integer,
    h31            integer,
    h32            integer,
    h33            integer,
    h34            integer,
    h35            integer,
    h36            integer,
    h37            integer,
    h38            integer,
    h39            integer,
    h40            integer,
    h41            integer,
    h42            integer,
    h43            integer,
    h44            integer,
    h45            integer,
    h46            integer,
    h47            integer,
    h48            integer,
    h49            integer,
    h50            integer,
    h51            integer,
    h52            integer,
    h53            integer,
    h54            integer,
    h55            integer,
    h56            integer,
    h57            integer,
    h58            integer,
    h59            integer,
    h60            integer,
    h61            integer,
    h62            integer,
    h63            integer,
    PRIMARY KEY (lod, grain, bucket, agency_code, procedure_code, channel, field_code, service_level)
) WITH (fillfactor = 70);   -- room on each page: counter updates stay HOT (no index write)

-- Durations of 64 working days or more (rare), one row per key and length;
-- with h0..h63 they give the exact median and p90 (nearest rank) of any
-- period and group.
CREATE TABLE IF NOT EXISTS rollup_hist_long (
    lod             smallint NOT NULL,
    grain           smallint NOT NULL,
    bucket          date NOT NULL,
    agency_code     text NOT NULL,
    procedure_code  text NOT NULL,
    channel         smallint NOT NULL,
    field_code      text NOT NULL,
    service_level   smallint NOT NULL,
    wd              integer NOT NULL,
    n               integer NOT NULL DEFAULT 0,
    PRIMARY KEY (lod, grain, bucket, agency_code, procedure_code, channel, field_code,
                 service_level, wd)
) WITH (fillfactor = 70);

-- Whether the roll-ups hold the whole dossier table. A database that had
-- dossiers before this migration starts with 'built' false: answers come
-- from the dossier rows (correct, slower) until `motcua rollup --rebuild`.
CREATE TABLE IF NOT EXISTS rollup_state (
    id      integer PRIMARY KEY CHECK (id = 1),
    built   boolean NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rollup_state (id, built)
    SELECT 1, NOT EXISTS (SELECT 1 FROM dossier) ON CONFLICT (id) DO NOTHING;

-- A query evaluated at an instant inside a day subtracts the events of that
-- day after the instant; these find them without scanning (received_at and
-- finished_at are indexed in 001).
CREATE INDEX IF NOT EXISTS dossier_wait_start_idx
    ON dossier ((COALESCE(supplement_requested_at, updated_at, received_at)))
    WHERE status IN (5, 6);
