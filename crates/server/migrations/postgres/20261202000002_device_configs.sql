-- Every device configuration the server published, newest = highest version. Same table and
-- meaning as the SQLite migration.
CREATE TABLE device_configs (
    version    BIGINT PRIMARY KEY,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
