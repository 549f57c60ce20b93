-- Schedules and their executions (D9: the original kept them in process memory; its
-- 003_schedules.sql table was never used and has another shape, so these tables have names
-- of their own and can sit beside it).
CREATE TABLE IF NOT EXISTS schedule_entries (
    id         TEXT        PRIMARY KEY,
    nft_id     TEXT        NOT NULL,
    seq        BIGINT      GENERATED ALWAYS AS IDENTITY,
    schedule   JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_schedule_entries_nft ON schedule_entries (nft_id, seq);

CREATE TABLE IF NOT EXISTS schedule_executions (
    seq         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_id TEXT        NOT NULL REFERENCES schedule_entries (id) ON DELETE CASCADE,
    execution   JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_schedule_executions_schedule
    ON schedule_executions (schedule_id, seq);
