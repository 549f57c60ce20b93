//! [`AutonomousStore`] on PostgreSQL: one JSONB row of permissions per dNFT and an append-only
//! trail. An update holds a transaction-scoped advisory lock on the dNFT (a row may not exist
//! yet), so concurrent updates across replicas are serialized; the permissions and their audit
//! entry commit together.

use diesel::dsl::now;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::codec::{decode, encode};
use super::pool::PgPool;
use super::schema::{autonomous_audit as aa, autonomous_grants as ag};
use super::store::db_err;
use crate::core::autonomous::{AuditEntry, Permissions, StoredAudit};
use crate::core::error::PortError;
use crate::core::ports::AutonomousStore;

#[derive(Clone)]
pub struct PostgresAutonomousStore {
    pool: PgPool,
}

impl PostgresAutonomousStore {
    pub fn new(pool: PgPool) -> Self {
        PostgresAutonomousStore { pool }
    }
}

async fn insert_entry(
    conn: &mut AsyncPgConnection,
    entry: &AuditEntry,
) -> Result<i64, DieselError> {
    diesel::insert_into(aa::table)
        .values((
            aa::nft_id.eq(&entry.nft_id),
            aa::at.eq(entry.at),
            aa::entry.eq(encode(entry)?),
        ))
        .returning(aa::seq)
        .get_result(conn)
        .await
}

fn stored(rows: Vec<(i64, Value)>) -> Result<Vec<StoredAudit>, DieselError> {
    rows.into_iter()
        .map(|(seq, entry)| {
            Ok(StoredAudit {
                seq,
                entry: decode(entry)?,
            })
        })
        .collect()
}

impl AutonomousStore for PostgresAutonomousStore {
    async fn get(&self, nft_id: &str) -> Result<Option<Permissions>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                ag::table
                    .filter(ag::nft_id.eq(nft_id))
                    .select(ag::permissions)
                    .first::<Value>(&mut conn)
                    .await
                    .optional()
                    .and_then(|v| v.map(decode).transpose())
                    .map_err(db_err)
            })
            .await
    }

    async fn update<F>(&self, nft_id: &str, change: F) -> Result<Permissions, PortError>
    where
        F: FnOnce(Option<Permissions>) -> (Permissions, AuditEntry) + Send,
    {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                conn.transaction(async |conn| -> Result<Permissions, DieselError> {
                    diesel::sql_query(
                        "SELECT pg_advisory_xact_lock(hashtextextended('autonomous:' || $1, 0))",
                    )
                    .bind::<diesel::sql_types::Text, _>(nft_id)
                    .execute(conn)
                    .await?;
                    let current = ag::table
                        .filter(ag::nft_id.eq(nft_id))
                        .select(ag::permissions)
                        .first::<Value>(conn)
                        .await
                        .optional()?
                        .map(decode)
                        .transpose()?;
                    let (next, entry) = change(current);
                    let json = encode(&next)?;
                    diesel::insert_into(ag::table)
                        .values((ag::nft_id.eq(nft_id), ag::permissions.eq(&json)))
                        .on_conflict(ag::nft_id)
                        .do_update()
                        .set((ag::permissions.eq(&json), ag::updated_at.eq(now)))
                        .execute(conn)
                        .await?;
                    insert_entry(conn, &entry).await?;
                    Ok(next)
                })
                .await
                .map_err(db_err)
            })
            .await
    }

    async fn append(&self, entry: &AuditEntry) -> Result<i64, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                insert_entry(&mut conn, entry).await.map_err(db_err)
            })
            .await
    }

    async fn audit(&self, nft_id: &str, limit: usize) -> Result<Vec<StoredAudit>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let rows = aa::table
                    .filter(aa::nft_id.eq(nft_id))
                    .order(aa::seq.desc())
                    .limit(i64::try_from(limit).unwrap_or(i64::MAX))
                    .select((aa::seq, aa::entry))
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                stored(rows).map_err(db_err)
            })
            .await
    }

    async fn audit_between(
        &self,
        nft_id: &str,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<StoredAudit>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let mut rows = aa::table
                    .filter(aa::nft_id.eq(nft_id))
                    .filter(aa::at.ge(from).and(aa::at.lt(to)))
                    .order(aa::seq.desc())
                    .limit(i64::try_from(limit).unwrap_or(i64::MAX))
                    .select((aa::seq, aa::entry))
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                rows.reverse();
                stored(rows).map_err(db_err)
            })
            .await
    }
}
