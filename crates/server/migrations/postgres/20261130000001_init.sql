-- Lianxin central store, PostgreSQL flavour. Same tables and meaning as the SQLite migration.

CREATE TABLE enrollment_codes (
    code_hash  TEXT PRIMARY KEY,          -- SHA-256 hex of the normalized code
    role       TEXT NOT NULL,
    township   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    device_id  UUID
);

CREATE TABLE devices (
    id         UUID PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the bearer token
    role       TEXT NOT NULL,
    township   TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE records (
    id              UUID PRIMARY KEY,
    device_id       UUID NOT NULL REFERENCES devices (id),
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,        -- canonical JSON text; jsonb would reorder and normalize
    received_at     TIMESTAMPTZ NOT NULL,
    registration_no TEXT UNIQUE,
    query_code      TEXT UNIQUE,
    status          TEXT
);

CREATE TABLE registration_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE status_history (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id  UUID NOT NULL REFERENCES records (id),
    status     TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    department TEXT,
    note       TEXT,
    deadline   TIMESTAMPTZ
);
CREATE INDEX status_history_record ON status_history (record_id, id);

CREATE TABLE campaigns (
    id         TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    public     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Identity values are handed out before commit, so two writers could make seq 11 visible before
-- seq 10; every feed writer therefore holds the feed advisory lock (see db::postgres).
CREATE TABLE feed (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id  UUID,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX feed_device ON feed (device_id, seq);
