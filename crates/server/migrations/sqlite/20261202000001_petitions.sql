-- What the bureau console and statistics query, as typed and indexed columns: one row per
-- petition, beside its record. The record's payload stays what the device sent; these columns are
-- copied from it when the petition is stored (and below, from the rows stored before this
-- migration). The handling state moves here from records.status, so it has one home.
CREATE TABLE petitions (
    record_id   BLOB PRIMARY KEY NOT NULL REFERENCES records (id),
    township    TEXT NOT NULL,
    subject     TEXT NOT NULL,            -- a code of the configured subject list
    category    TEXT NOT NULL,            -- suggestion | accusation | appeal_request (wire names)
    status      TEXT NOT NULL,            -- the current status (lianxin_core::status)
    deadline    TEXT,                     -- the statutory deadline running from the latest step
    received_at TEXT NOT NULL             -- when the petition was received (the payload's time, UTC)
);

INSERT INTO petitions (record_id, township, subject, category, status, deadline, received_at)
SELECT r.id,
       json_extract(r.payload, '$.township'),
       json_extract(r.payload, '$.subject'),
       json_extract(r.payload, '$.category'),
       r.status,
       (SELECT h.deadline FROM status_history h WHERE h.record_id = r.id ORDER BY h.id DESC LIMIT 1),
       -- The payload's time carries its offset; SQLite's date functions turn it into UTC, written
       -- as sqlx writes a DateTime<Utc>.
       strftime('%Y-%m-%dT%H:%M:%S+00:00', json_extract(r.payload, '$.received_at'))
FROM records r
WHERE r.kind = 'petition';

CREATE INDEX petitions_township ON petitions (township, received_at);
CREATE INDEX petitions_subject ON petitions (subject, received_at);
CREATE INDEX petitions_category ON petitions (category, received_at);
CREATE INDEX petitions_status ON petitions (status, deadline);
CREATE INDEX petitions_deadline ON petitions (deadline);
CREATE INDEX petitions_received_at ON petitions (received_at);

ALTER TABLE records DROP COLUMN status;
