-- What the bureau console and statistics query, as typed and indexed columns: one row per
-- petition, beside its record. Same table and meaning as the SQLite migration; the handling state
-- moves here from records.status, so it has one home.
CREATE TABLE petitions (
    record_id   UUID PRIMARY KEY REFERENCES records (id),
    township    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    category    TEXT NOT NULL,
    status      TEXT NOT NULL,
    deadline    TIMESTAMPTZ,
    received_at TIMESTAMPTZ NOT NULL
);

INSERT INTO petitions (record_id, township, subject, category, status, deadline, received_at)
SELECT r.id,
       r.payload::jsonb ->> 'township',
       r.payload::jsonb ->> 'subject',
       r.payload::jsonb ->> 'category',
       r.status,
       (SELECT h.deadline FROM status_history h WHERE h.record_id = r.id ORDER BY h.id DESC LIMIT 1),
       (r.payload::jsonb ->> 'received_at')::timestamptz
FROM records r
WHERE r.kind = 'petition';

CREATE INDEX petitions_township ON petitions (township, received_at);
CREATE INDEX petitions_subject ON petitions (subject, received_at);
CREATE INDEX petitions_category ON petitions (category, received_at);
CREATE INDEX petitions_status ON petitions (status, deadline);
CREATE INDEX petitions_deadline ON petitions (deadline);
CREATE INDEX petitions_received_at ON petitions (received_at);

ALTER TABLE records DROP COLUMN status;
