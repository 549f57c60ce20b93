-- Reputation tables of the original service's 005_reputation.sql, made idempotent against a
-- database where that file was already applied by hand, plus:
--   * reputation_events.seq: a monotonic id that totally orders history (ties on created_at
--     no longer reorder events);
--   * reputation_events.event_id: the event's own id, unique, for idempotent recording.

CREATE TABLE IF NOT EXISTS reputation_aggregates (
    nft_id     TEXT        PRIMARY KEY,
    state      TEXT        NOT NULL DEFAULT 'cold',
    aggregate  JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_reputation_aggregates_state ON reputation_aggregates (state);

CREATE TABLE IF NOT EXISTS reputation_task_cohorts (
    nft_id     TEXT        NOT NULL,
    model_id   TEXT        NOT NULL,
    task_type  TEXT        NOT NULL,
    cohort     JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (nft_id, model_id, task_type)
);
CREATE INDEX IF NOT EXISTS idx_reputation_task_cohorts_nft ON reputation_task_cohorts (nft_id);

CREATE TABLE IF NOT EXISTS reputation_events (
    id         UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    nft_id     TEXT        NOT NULL,
    event_type TEXT        NOT NULL,
    event      JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_reputation_events_nft_date ON reputation_events (nft_id, created_at);

ALTER TABLE reputation_events ADD COLUMN IF NOT EXISTS seq BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE reputation_events ADD COLUMN IF NOT EXISTS event_id TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS idx_reputation_events_seq ON reputation_events (seq);
CREATE INDEX IF NOT EXISTS idx_reputation_events_nft_seq ON reputation_events (nft_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS idx_reputation_events_event_id
    ON reputation_events (event_id) WHERE event_id IS NOT NULL;
