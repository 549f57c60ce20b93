//! [`ScheduleStore`] on PostgreSQL. A schedule is one JSONB row keyed by id; creations for one
//! NFT are serialized by a transaction-scoped advisory lock so the per-NFT limit holds across
//! replicas; changes lock the row (`FOR UPDATE`) and fires append their execution in the same
//! transaction, pruning to the newest [`HISTORY_KEPT`].

use diesel::dsl::{count_star, now};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::codec::{decode, encode};
use super::pool::PgPool;
use super::schema::{schedule_entries as se, schedule_executions as sx};
use super::store::db_err;
use crate::core::error::PortError;
use crate::core::ports::ScheduleStore;
use crate::core::schedule::{Execution, HISTORY_KEPT, Schedule};

/// Deletes a schedule's executions older than its newest `$2`.
const PRUNE: &str = "\
DELETE FROM schedule_executions WHERE schedule_id = $1 AND seq <= (
    SELECT seq FROM schedule_executions WHERE schedule_id = $1
    ORDER BY seq DESC OFFSET $2 LIMIT 1
)";

#[derive(Clone)]
pub struct PostgresScheduleStore {
    pool: PgPool,
}

impl PostgresScheduleStore {
    pub fn new(pool: PgPool) -> Self {
        PostgresScheduleStore { pool }
    }
}

/// The schedule `id`, locked for the rest of the transaction.
async fn locked(conn: &mut AsyncPgConnection, id: &str) -> Result<Option<Schedule>, DieselError> {
    se::table
        .filter(se::id.eq(id))
        .select(se::schedule)
        .for_update()
        .first::<Value>(conn)
        .await
        .optional()?
        .map(decode)
        .transpose()
}

async fn store(conn: &mut AsyncPgConnection, schedule: &Schedule) -> Result<(), DieselError> {
    diesel::update(se::table.filter(se::id.eq(&schedule.id)))
        .set((se::schedule.eq(encode(schedule)?), se::updated_at.eq(now)))
        .execute(conn)
        .await
        .map(|_| ())
}

impl ScheduleStore for PostgresScheduleStore {
    async fn create(&self, schedule: &Schedule, limit: usize) -> Result<bool, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let created = conn
                    .transaction(async |conn| -> Result<bool, DieselError> {
                        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))")
                            .bind::<diesel::sql_types::Text, _>(&schedule.nft_id)
                            .execute(conn)
                            .await?;
                        let existing: i64 = se::table
                            .filter(se::nft_id.eq(&schedule.nft_id))
                            .select(count_star())
                            .get_result(conn)
                            .await?;
                        if existing >= limit {
                            return Ok(false);
                        }
                        diesel::insert_into(se::table)
                            .values((
                                se::id.eq(&schedule.id),
                                se::nft_id.eq(&schedule.nft_id),
                                se::schedule.eq(encode(schedule)?),
                            ))
                            .execute(conn)
                            .await?;
                        Ok(true)
                    })
                    .await;
                match created {
                    Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(
                        PortError::Conflict(format!("schedule {} exists", schedule.id)),
                    ),
                    other => other.map_err(db_err),
                }
            })
            .await
    }

    async fn get(&self, id: &str) -> Result<Option<Schedule>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                se::table
                    .filter(se::id.eq(id))
                    .select(se::schedule)
                    .first::<Value>(&mut conn)
                    .await
                    .optional()
                    .and_then(|v| v.map(decode).transpose())
                    .map_err(db_err)
            })
            .await
    }

    async fn list_for_nft(&self, nft_id: &str) -> Result<Vec<Schedule>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let rows: Vec<Value> = se::table
                    .filter(se::nft_id.eq(nft_id))
                    .order(se::seq.asc())
                    .select(se::schedule)
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                rows.into_iter()
                    .map(decode)
                    .collect::<Result<_, _>>()
                    .map_err(db_err)
            })
            .await
    }

    async fn update<F>(&self, id: &str, change: F) -> Result<Option<Schedule>, PortError>
    where
        F: FnOnce(&mut Schedule) -> bool + Send,
    {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                conn.transaction(async |conn| -> Result<Option<Schedule>, DieselError> {
                    let Some(current) = locked(conn, id).await? else {
                        return Ok(None);
                    };
                    let mut next = current.clone();
                    if !change(&mut next) {
                        return Ok(Some(current));
                    }
                    store(conn, &next).await?;
                    Ok(Some(next))
                })
                .await
                .map_err(db_err)
            })
            .await
    }

    async fn record_fire<F>(&self, id: &str, fire: F) -> Result<Option<Execution>, PortError>
    where
        F: FnOnce(&mut Schedule) -> Execution + Send,
    {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let kept = i64::try_from(HISTORY_KEPT).unwrap_or(i64::MAX);
                conn.transaction(async |conn| -> Result<Option<Execution>, DieselError> {
                    let Some(mut schedule) = locked(conn, id).await? else {
                        return Ok(None);
                    };
                    let execution = fire(&mut schedule);
                    store(conn, &schedule).await?;
                    diesel::insert_into(sx::table)
                        .values((
                            sx::schedule_id.eq(id),
                            sx::execution.eq(encode(&execution)?),
                        ))
                        .execute(conn)
                        .await?;
                    diesel::sql_query(PRUNE)
                        .bind::<diesel::sql_types::Text, _>(id)
                        .bind::<diesel::sql_types::BigInt, _>(kept)
                        .execute(conn)
                        .await?;
                    Ok(Some(execution))
                })
                .await
                .map_err(db_err)
            })
            .await
    }

    async fn history(&self, id: &str) -> Result<Vec<Execution>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let kept = i64::try_from(HISTORY_KEPT).unwrap_or(i64::MAX);
                let mut rows: Vec<Value> = sx::table
                    .filter(sx::schedule_id.eq(id))
                    .order(sx::seq.desc())
                    .limit(kept)
                    .select(sx::execution)
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                rows.reverse();
                rows.into_iter()
                    .map(decode)
                    .collect::<Result<_, _>>()
                    .map_err(db_err)
            })
            .await
    }
}
