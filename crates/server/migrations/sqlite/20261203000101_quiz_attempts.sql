-- Quiz attempts as typed, indexed rows beside their record (issue 10): what the daily limit
-- counts and what a campaign's statistics read, without parsing any payload. Written in the same
-- transaction as the attempt's row in `records`, from the score the server computed itself.
CREATE TABLE quiz_attempts (
    record_id   BLOB PRIMARY KEY NOT NULL REFERENCES records (id),
    campaign_id TEXT NOT NULL,
    participant TEXT NOT NULL,            -- who the daily limit counts: phone:<number> or device:<uuid>
    day         TEXT NOT NULL,            -- YYYY-MM-DD (China time) the attempt finished on
    township    TEXT NOT NULL,            -- the participant's township, else the device's
    audience    TEXT NOT NULL,            -- public | staff (the campaign's, when it was answered)
    correct     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    passed      INTEGER NOT NULL,         -- 0 | 1, by the campaign's pass mark
    started_at  TEXT NOT NULL,            -- the device's clock
    finished_at TEXT NOT NULL
);
CREATE INDEX quiz_attempts_limit ON quiz_attempts (campaign_id, participant, day);
CREATE INDEX quiz_attempts_township ON quiz_attempts (campaign_id, township, correct);

-- The questions each attempt got wrong (or left out): the "most missed" list.
CREATE TABLE quiz_misses (
    record_id   BLOB NOT NULL REFERENCES records (id),
    campaign_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    PRIMARY KEY (record_id, question_id)
);
CREATE INDEX quiz_misses_campaign ON quiz_misses (campaign_id, question_id);

-- 「报告题目错误」: questions participants reported as wrong, with their comment.
CREATE TABLE quiz_flags (
    record_id   BLOB NOT NULL REFERENCES records (id),
    campaign_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    comment     TEXT NOT NULL,
    PRIMARY KEY (record_id, question_id)
);
CREATE INDEX quiz_flags_campaign ON quiz_flags (campaign_id, question_id);
