-- Lianxin central store, SQLite flavour. Ids are UUID blobs, times are sqlx's RFC 3339 text.

-- Single-use enrollment codes, printed once by `lianxin-server enroll`; only their hash is kept.
CREATE TABLE enrollment_codes (
    code_hash  TEXT PRIMARY KEY NOT NULL, -- SHA-256 hex of the normalized code
    role       TEXT NOT NULL,             -- field | kiosk
    township   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,                      -- set once, by the enrollment that consumed it
    device_id  BLOB
);

CREATE TABLE devices (
    id         BLOB PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the bearer token; the token is never stored
    role       TEXT NOT NULL,
    township   TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Every accepted record. The primary key on the client-chosen id is what makes a retried or
-- concurrently repeated push store exactly one row.
CREATE TABLE records (
    id              BLOB PRIMARY KEY NOT NULL,
    device_id       BLOB NOT NULL REFERENCES devices (id),
    kind            TEXT NOT NULL,        -- petition | quiz_attempt
    payload         TEXT NOT NULL,        -- canonical JSON (sorted keys), compared on re-push
    received_at     TEXT NOT NULL,
    registration_no TEXT UNIQUE,          -- petitions only
    query_code      TEXT UNIQUE,          -- petitions only
    status          TEXT                  -- petitions only: the current status
);

-- One row per year; incremented inside the storing transaction, so a rolled-back record gives its
-- number back and the sequence stays gap-free.
CREATE TABLE registration_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last INTEGER NOT NULL
);

CREATE TABLE status_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id  BLOB NOT NULL REFERENCES records (id),
    status     TEXT NOT NULL,
    at         TEXT NOT NULL,
    department TEXT,
    note       TEXT,
    deadline   TEXT
);
CREATE INDEX status_history_record ON status_history (record_id, id);

-- Campaigns as imported (with answers) and as published (without).
CREATE TABLE campaigns (
    id         TEXT PRIMARY KEY NOT NULL,
    definition TEXT NOT NULL,
    public     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The pull feed. AUTOINCREMENT never reuses a seq; SQLite has one writer, so seqs also become
-- visible in order. device_id NULL means "for every device".
CREATE TABLE feed (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  BLOB,
    kind       TEXT NOT NULL,             -- campaign | petition_status | device_revoked
    body       TEXT NOT NULL,             -- the ChangeBody as JSON
    created_at TEXT NOT NULL
);
CREATE INDEX feed_device ON feed (device_id, seq);
