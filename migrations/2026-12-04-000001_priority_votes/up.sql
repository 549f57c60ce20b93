-- Knowledge-priority votes (§1.5.13): one row per (voter, source), the latest vote wins. The
-- original debounced them to a JSON file under its working directory.
CREATE TABLE IF NOT EXISTS priority_votes (
    voter     TEXT     NOT NULL,
    source_id TEXT     NOT NULL,
    priority  SMALLINT NOT NULL CHECK (priority BETWEEN 1 AND 5),
    tier      TEXT     NOT NULL,
    weight    INTEGER  NOT NULL CHECK (weight >= 0),
    cast_at   BIGINT   NOT NULL,
    PRIMARY KEY (voter, source_id)
);
CREATE INDEX IF NOT EXISTS idx_priority_votes_source ON priority_votes (source_id);
