-- What the bureau console and statistics query, as typed and indexed columns of the petition's
-- own row in `records` (NULL for the other kinds of record). Storing a push of petitions stays
-- one multi-row INSERT into `records`: a table of their own beside it cost a second one per push
-- and most of the ingest throughput (BENCHMARKS.md, "Server ingest"). The payload stays what the
-- device sent; these columns are copied from it when the petition is stored, and below from the
-- petitions stored before this migration. `status`, the current status, was here already.
ALTER TABLE records ADD COLUMN township TEXT;             -- the township the matter concerns
ALTER TABLE records ADD COLUMN subject TEXT;              -- a code of the configured subject list
ALTER TABLE records ADD COLUMN category TEXT;             -- suggestion | accusation | appeal_request
ALTER TABLE records ADD COLUMN deadline TEXT;             -- the statutory deadline running from the latest step
ALTER TABLE records ADD COLUMN petition_received_at TEXT; -- when the petition was received (the payload's time, UTC); received_at is when the server accepted it

UPDATE records
SET township = json_extract(payload, '$.township'),
    subject = json_extract(payload, '$.subject'),
    category = json_extract(payload, '$.category'),
    deadline = (SELECT h.deadline FROM status_history h WHERE h.record_id = records.id
                ORDER BY h.id DESC LIMIT 1),
    -- The payload's time carries its offset; SQLite's date functions turn it into UTC, written
    -- as sqlx writes a DateTime<Utc>.
    petition_received_at =
        strftime('%Y-%m-%dT%H:%M:%S+00:00', json_extract(payload, '$.received_at'))
WHERE kind = 'petition';

-- Partial indexes: only petitions have these columns. A query on `township = ?`, `deadline < ?`
-- and the like implies the column IS NOT NULL, so both databases use them.
CREATE INDEX records_township ON records (township, petition_received_at) WHERE township IS NOT NULL;
CREATE INDEX records_subject ON records (subject, petition_received_at) WHERE subject IS NOT NULL;
CREATE INDEX records_category ON records (category, petition_received_at) WHERE category IS NOT NULL;
CREATE INDEX records_status ON records (status, deadline) WHERE status IS NOT NULL;
CREATE INDEX records_deadline ON records (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX records_petition_received_at ON records (petition_received_at)
    WHERE petition_received_at IS NOT NULL;
