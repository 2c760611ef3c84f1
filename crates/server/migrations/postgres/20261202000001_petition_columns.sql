-- What the bureau console and statistics query, as typed and indexed columns of the petition's
-- own row in `records` (NULL for the other kinds of record). Same columns and meaning as the
-- SQLite migration: storing a push of petitions stays one multi-row INSERT into `records`.
ALTER TABLE records
    ADD COLUMN township TEXT,
    ADD COLUMN subject TEXT,
    ADD COLUMN category TEXT,
    ADD COLUMN deadline TIMESTAMPTZ,
    ADD COLUMN petition_received_at TIMESTAMPTZ;

UPDATE records r
SET township = r.payload::jsonb ->> 'township',
    subject = r.payload::jsonb ->> 'subject',
    category = r.payload::jsonb ->> 'category',
    deadline = (SELECT h.deadline FROM status_history h WHERE h.record_id = r.id
                ORDER BY h.id DESC LIMIT 1),
    petition_received_at = (r.payload::jsonb ->> 'received_at')::timestamptz
WHERE r.kind = 'petition';

-- Partial indexes: only petitions have these columns (see the SQLite migration).
CREATE INDEX records_township ON records (township, petition_received_at) WHERE township IS NOT NULL;
CREATE INDEX records_subject ON records (subject, petition_received_at) WHERE subject IS NOT NULL;
CREATE INDEX records_category ON records (category, petition_received_at) WHERE category IS NOT NULL;
CREATE INDEX records_status ON records (status, deadline) WHERE status IS NOT NULL;
CREATE INDEX records_deadline ON records (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX records_petition_received_at ON records (petition_received_at)
    WHERE petition_received_at IS NOT NULL;
