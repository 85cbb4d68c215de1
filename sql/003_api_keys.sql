-- 003_api_keys.sql - API keys (spec §7 "Auth"). Only a salted SHA-256 of
-- each secret is stored; the key itself is shown once, when created.
CREATE TABLE IF NOT EXISTS api_key (
    id          text PRIMARY KEY,               -- public part of the key (16 hex digits)
    salt        bytea NOT NULL,
    hash        bytea NOT NULL,
    role        text NOT NULL CHECK (role IN ('read', 'ingest', 'admin')),
    agency      text,                           -- scope: exact code or prefix ending in '*'
    label       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
