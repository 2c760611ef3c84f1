-- 《信访工作条例》 Art. 34: an approved extension of an Art. 31 item 6 matter's handling limit, in
-- days, recorded on the history entry that announces it (the reason in `note`). NULL for every
-- other step; the same column and meaning as the PostgreSQL migration.
ALTER TABLE status_history ADD COLUMN extension_days INTEGER;
