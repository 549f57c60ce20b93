//! [`NonceStore`] on PostgreSQL: one row per nonce, shared by every replica.
//!
//! `consume` is one statement: it either marks an issued, unused, unexpired row used, or
//! inserts an unknown nonce as used (`ON CONFLICT DO NOTHING`); row locks and the primary key
//! make concurrent consumers of one nonce see at most one success. Expired rows are deleted
//! in small batches as nonces are issued.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Bool, Integer, Text};
use diesel_async::RunQueryDsl;

use super::pool::PgPool;
use super::schema::siwe_nonces as sn;
use super::store::db_err;
use crate::core::auth::NonceUse;
use crate::core::error::PortError;
use crate::core::ports::NonceStore;

/// Every this many issues, expired rows are purged (at most [`PURGE_BATCH`] at a time).
const PURGE_EVERY: u32 = 64;
const PURGE_BATCH: i64 = 1000;

const CONSUME: &str = "\
WITH issued AS (
    UPDATE siwe_nonces SET used = TRUE, expires_at = GREATEST(expires_at, $3)
    WHERE nonce = $1 AND server_issued AND NOT used AND expires_at > $2
    RETURNING 1 AS kind
), chosen AS (
    INSERT INTO siwe_nonces (nonce, server_issued, used, expires_at)
    SELECT $1, FALSE, TRUE, $3 WHERE $4 AND NOT EXISTS (SELECT 1 FROM issued)
    ON CONFLICT (nonce) DO NOTHING
    RETURNING 2 AS kind
)
SELECT kind FROM issued UNION ALL SELECT kind FROM chosen";

const PURGE: &str = "\
DELETE FROM siwe_nonces WHERE nonce IN (
    SELECT nonce FROM siwe_nonces WHERE expires_at < $1 LIMIT $2
)";

#[derive(QueryableByName)]
struct Kind {
    #[diesel(sql_type = Integer)]
    kind: i32,
}

#[derive(Clone)]
pub struct PostgresNonceStore {
    pool: PgPool,
    issued: Arc<AtomicU32>,
}

impl PostgresNonceStore {
    pub fn new(pool: PgPool) -> Self {
        PostgresNonceStore {
            pool,
            issued: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Deletes expired rows; returns how many.
    pub async fn purge_expired(&self, now: i64) -> Result<usize, PortError> {
        let mut conn = self.pool.get().await?;
        diesel::sql_query(PURGE)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(PURGE_BATCH)
            .execute(&mut conn)
            .await
            .map_err(db_err)
    }
}

impl NonceStore for PostgresNonceStore {
    async fn issue(&self, nonce: &str, expires_at: i64) -> Result<(), PortError> {
        {
            let mut conn = self.pool.get().await?;
            diesel::insert_into(sn::table)
                .values((
                    sn::nonce.eq(nonce),
                    sn::server_issued.eq(true),
                    sn::used.eq(false),
                    sn::expires_at.eq(expires_at),
                ))
                .execute(&mut conn)
                .await
                .map_err(|e| match e {
                    DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                        PortError::Conflict("nonce already exists".into())
                    }
                    other => db_err(other),
                })?;
            drop(conn);
            if self
                .issued
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(PURGE_EVERY)
            {
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                if let Err(e) = self.purge_expired(now).await {
                    tracing::warn!(event = "nonce_purge_failed", detail = %e);
                }
            }
            Ok(())
        }
    }

    async fn consume(
        &self,
        nonce: &str,
        now: i64,
        retain_until: i64,
        accept_unknown: bool,
    ) -> Result<NonceUse, PortError> {
        {
            let mut conn = self.pool.get().await?;
            let rows: Vec<Kind> = diesel::sql_query(CONSUME)
                .bind::<Text, _>(nonce)
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(retain_until)
                .bind::<Bool, _>(accept_unknown)
                .load(&mut conn)
                .await
                .map_err(db_err)?;
            Ok(match rows.iter().map(|k| k.kind).next() {
                Some(1) => NonceUse::ServerIssued,
                Some(2) => NonceUse::ClientChosen,
                _ => NonceUse::Refused,
            })
        }
    }
}
