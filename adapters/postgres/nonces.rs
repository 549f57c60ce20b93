//! [`NonceStore`] on PostgreSQL: one row per claimed value, shared by every replica.
//!
//! `claim` is one statement: it inserts the value, or takes over a row whose retention is over
//! (`ON CONFLICT … DO UPDATE … WHERE expires_at < now`); the primary key makes concurrent
//! claims of one value see at most one success. Rows exist only for claims (nothing is stored
//! when a nonce is issued), and expired ones are deleted in small batches as values are
//! claimed, so the table stays bounded by the claims of one retention window. The columns
//! `server_issued` and `used` of the original table are kept (false, true) for compatibility.

use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use super::pool::PgPool;
use super::purge::PurgeTurn;
use super::store::db_err;
use crate::core::error::PortError;
use crate::core::ports::NonceStore;

/// Expired rows purged at most per purge (one runs every `PurgeTurn`).
const PURGE_BATCH: i64 = 1000;

const CLAIM: &str = "\
INSERT INTO siwe_nonces (nonce, server_issued, used, expires_at) VALUES ($1, FALSE, TRUE, $3)
ON CONFLICT (nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
WHERE siwe_nonces.expires_at < $2";

const PURGE: &str = "\
DELETE FROM siwe_nonces WHERE nonce IN (
    SELECT nonce FROM siwe_nonces WHERE expires_at < $1 LIMIT $2
)";

#[derive(Clone)]
pub struct PostgresNonceStore {
    pool: PgPool,
    claims: PurgeTurn,
}

impl PostgresNonceStore {
    pub fn new(pool: PgPool) -> Self {
        PostgresNonceStore {
            pool,
            claims: PurgeTurn::default(),
        }
    }

    /// Deletes expired rows; returns how many.
    pub async fn purge_expired(&self, now: i64) -> Result<usize, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                diesel::sql_query(PURGE)
                    .bind::<BigInt, _>(now)
                    .bind::<BigInt, _>(PURGE_BATCH)
                    .execute(&mut conn)
                    .await
                    .map_err(db_err)
            })
            .await
    }
}

impl NonceStore for PostgresNonceStore {
    async fn claim(&self, value: &str, now: i64, retain_until: i64) -> Result<bool, PortError> {
        let inserted = self
            .pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                diesel::sql_query(CLAIM)
                    .bind::<Text, _>(value)
                    .bind::<BigInt, _>(now)
                    .bind::<BigInt, _>(retain_until)
                    .execute(&mut conn)
                    .await
                    .map_err(db_err)
            })
            .await?;
        if self.claims.due()
            && let Err(e) = self.purge_expired(now).await
        {
            tracing::warn!(event = "nonce_purge_failed", detail = %e);
        }
        Ok(inserted == 1)
    }
}
