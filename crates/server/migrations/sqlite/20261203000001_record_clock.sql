-- Tablets with wrong clocks (issue 15). A petition's reception time is read on the device; the
-- server corrects it by the device's clock offset and keeps all three: the time as the device
-- read it, the offset applied, and (as before, in petition_received_at) the corrected time, from
-- which the registration year and every deadline run. NULL for the other kinds of record, and for
-- petitions stored before this migration (their time was taken as read).
ALTER TABLE records ADD COLUMN device_received_at TEXT; -- the payload's reception time as the device read it (UTC)
ALTER TABLE records ADD COLUMN clock_offset_ms INTEGER; -- server clock minus device clock, as applied
ALTER TABLE records ADD COLUMN clock_uncertain INTEGER; -- 1: the device knew no offset, or its clock changed since

-- The bureau reviews the uncertain ones.
CREATE INDEX records_clock_uncertain ON records (petition_received_at) WHERE clock_uncertain = 1;
