-- WebSocket tickets (§1.5.6) by SHA-256 digest, and prompts parked for a chat stream, shared
-- by every replica. Times are Unix seconds.
CREATE TABLE IF NOT EXISTS ws_tickets (
    digest     TEXT   PRIMARY KEY,
    wallet     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ws_tickets_wallet ON ws_tickets (wallet, expires_at);
CREATE INDEX IF NOT EXISTS ws_tickets_expires_at ON ws_tickets (expires_at);

CREATE TABLE IF NOT EXISTS chat_handoffs (
    id         TEXT      PRIMARY KEY,
    seq        BIGSERIAL NOT NULL,
    session_id TEXT      NOT NULL,
    wallet     TEXT      NOT NULL,
    prompt     TEXT      NOT NULL,
    message_id TEXT      NOT NULL,
    expires_at BIGINT    NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_handoffs_stream ON chat_handoffs (session_id, wallet, seq);
CREATE INDEX IF NOT EXISTS chat_handoffs_expires_at ON chat_handoffs (expires_at);
