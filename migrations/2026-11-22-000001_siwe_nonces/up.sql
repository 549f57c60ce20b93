-- Single-use SIWE nonces shared by every replica (D5). Times are Unix seconds.
CREATE TABLE IF NOT EXISTS siwe_nonces (
    nonce         TEXT    PRIMARY KEY,
    server_issued BOOLEAN NOT NULL,
    used          BOOLEAN NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS siwe_nonces_expires_at ON siwe_nonces (expires_at);
