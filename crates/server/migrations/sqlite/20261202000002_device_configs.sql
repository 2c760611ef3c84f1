-- Every device configuration the server published (the subject list now; departments, routing
-- and holidays later), newest = highest version. Each is also a `config` change in the feed.
CREATE TABLE device_configs (
    version    INTEGER PRIMARY KEY NOT NULL,
    body       TEXT NOT NULL,             -- the DeviceConfig as JSON
    created_at TEXT NOT NULL
);
