-- Quiz attempts as typed, indexed rows beside their record; same tables and meaning as the
-- SQLite migration.
CREATE TABLE quiz_attempts (
    record_id   UUID PRIMARY KEY REFERENCES records (id),
    campaign_id TEXT NOT NULL,
    participant TEXT NOT NULL,            -- phone:<number> or device:<uuid>
    day         TEXT NOT NULL,            -- YYYY-MM-DD, China time
    township    TEXT NOT NULL,
    audience    TEXT NOT NULL,
    correct     BIGINT NOT NULL,
    total       BIGINT NOT NULL,
    passed      BOOLEAN NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX quiz_attempts_limit ON quiz_attempts (campaign_id, participant, day);
CREATE INDEX quiz_attempts_township ON quiz_attempts (campaign_id, township, correct);

CREATE TABLE quiz_misses (
    record_id   UUID NOT NULL REFERENCES records (id),
    campaign_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    PRIMARY KEY (record_id, question_id)
);
CREATE INDEX quiz_misses_campaign ON quiz_misses (campaign_id, question_id);

CREATE TABLE quiz_flags (
    record_id   UUID NOT NULL REFERENCES records (id),
    campaign_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    comment     TEXT NOT NULL,
    PRIMARY KEY (record_id, question_id)
);
CREATE INDEX quiz_flags_campaign ON quiz_flags (campaign_id, question_id);
