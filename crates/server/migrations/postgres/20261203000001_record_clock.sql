-- Tablets with wrong clocks (issue 15); same columns and meaning as the SQLite migration: the
-- reception time as the device read it, the offset applied, and whether the correction is
-- uncertain; petition_received_at holds the corrected time.
ALTER TABLE records
    ADD COLUMN device_received_at TIMESTAMPTZ,
    ADD COLUMN clock_offset_ms BIGINT,
    ADD COLUMN clock_uncertain BOOLEAN;

CREATE INDEX records_clock_uncertain ON records (petition_received_at) WHERE clock_uncertain;
