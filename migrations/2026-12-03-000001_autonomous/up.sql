-- Autonomous permissions and their audit trail (§1.5.12, Q9: the original kept them in
-- process memory; its 004_autonomous_permissions.sql tables were never used and have another
-- vocabulary, so these tables have names of their own and can sit beside them).
CREATE TABLE IF NOT EXISTS autonomous_grants (
    nft_id      TEXT        PRIMARY KEY,
    permissions JSONB       NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS autonomous_audit (
    seq    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    nft_id TEXT   NOT NULL,
    at     BIGINT NOT NULL,
    entry  JSONB  NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_autonomous_audit_nft ON autonomous_audit (nft_id, seq);
CREATE INDEX IF NOT EXISTS idx_autonomous_audit_nft_at ON autonomous_audit (nft_id, at);
