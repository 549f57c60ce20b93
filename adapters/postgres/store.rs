//! [`ReputationStore`] on PostgreSQL (diesel-async over the bb8 pool). Only parameterised
//! queries; JSON values are stored as JSONB and read back into the domain types.

use diesel::dsl::{count_star, now};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::pool::PgPool;
use super::schema::{
    reputation_aggregates as ra, reputation_events as re, reputation_task_cohorts as rc,
};
use crate::core::error::PortError;
use crate::core::ports::ReputationStore;
use crate::core::reputation::{
    Derived, RecordOutcome, ReputationAggregate, ReputationEvent, ReputationState, StateCounts,
    StoreInfo, StoreKind, StoredEvent, TaskTypeCohort,
};

#[derive(Clone)]
pub struct PostgresReputationStore {
    pool: PgPool,
}

impl PostgresReputationStore {
    pub fn new(pool: PgPool) -> Self {
        PostgresReputationStore { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A connection loss or server shutdown is `Unavailable`; anything else is `Unexpected`.
pub(super) fn db_err(e: DieselError) -> PortError {
    let lost = match &e {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(_, info) => {
            let m = info.message().to_ascii_lowercase();
            m.contains("terminating connection")
                || m.contains("connection closed")
                || m.contains("shutting down")
                || m.contains("connection reset")
        }
        DieselError::BrokenTransactionManager => true,
        _ => false,
    };
    if lost {
        PortError::Unavailable(format!("database: {e}"))
    } else {
        PortError::Unexpected(format!("database: {e}"))
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<Value, PortError> {
    serde_json::to_value(v).map_err(|e| PortError::Unexpected(format!("encode: {e}")))
}

fn from_json<T: DeserializeOwned>(v: Value) -> Result<T, PortError> {
    serde_json::from_value(v).map_err(|e| PortError::Unexpected(format!("stored JSON: {e}")))
}

fn stored_events(rows: Vec<(i64, Value)>) -> Result<Vec<StoredEvent>, PortError> {
    rows.into_iter()
        .map(|(seq, v)| {
            Ok(StoredEvent {
                seq,
                event: from_json(v)?,
            })
        })
        .collect()
}

async fn load_aggregate(
    conn: &mut AsyncPgConnection,
    nft_id: &str,
) -> Result<Option<ReputationAggregate>, DieselError> {
    ra::table
        .filter(ra::nft_id.eq(nft_id))
        .select(ra::aggregate)
        .first::<Value>(conn)
        .await
        .optional()?
        .map(|v| {
            serde_json::from_value(v).map_err(|e| DieselError::DeserializationError(Box::new(e)))
        })
        .transpose()
}

async fn upsert_aggregate(
    conn: &mut AsyncPgConnection,
    nft_id: &str,
    aggregate: &ReputationAggregate,
) -> Result<(), PortError> {
    diesel::insert_into(ra::table)
        .values((
            ra::nft_id.eq(nft_id),
            ra::state.eq(aggregate.state.as_str()),
            ra::aggregate.eq(to_json(aggregate)?),
        ))
        .on_conflict(ra::nft_id)
        .do_update()
        .set((
            ra::state.eq(excluded(ra::state)),
            ra::aggregate.eq(excluded(ra::aggregate)),
            ra::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn upsert_cohort(
    conn: &mut AsyncPgConnection,
    nft_id: &str,
    cohort: &TaskTypeCohort,
) -> Result<(), PortError> {
    diesel::insert_into(rc::table)
        .values((
            rc::nft_id.eq(nft_id),
            rc::model_id.eq(&cohort.model_id),
            rc::task_type.eq(&cohort.task_type),
            rc::cohort.eq(to_json(cohort)?),
        ))
        .on_conflict((rc::nft_id, rc::model_id, rc::task_type))
        .do_update()
        .set((rc::cohort.eq(excluded(rc::cohort)), rc::updated_at.eq(now)))
        .execute(conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn insert_event(
    conn: &mut AsyncPgConnection,
    nft_id: &str,
    event: &ReputationEvent,
    event_id: Option<&str>,
) -> Result<i64, DieselError> {
    let json =
        serde_json::to_value(event).map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    diesel::insert_into(re::table)
        .values((
            re::nft_id.eq(nft_id),
            re::event_type.eq(event.kind.type_name()),
            re::event.eq(json),
            re::event_id.eq(event_id),
        ))
        .returning(re::seq)
        .get_result(conn)
        .await
}

/// Inside `record_event`'s transaction.
enum TxError {
    Db(DieselError),
    Port(PortError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError::Db(e)
    }
}

impl From<PortError> for TxError {
    fn from(e: PortError) -> Self {
        TxError::Port(e)
    }
}

/// An earlier recording of `event_id`: same NFT and payload → duplicate, else conflict.
async fn earlier_recording(
    conn: &mut AsyncPgConnection,
    nft_id: &str,
    event: &ReputationEvent,
) -> Result<Option<Result<RecordOutcome, PortError>>, DieselError> {
    let found = re::table
        .filter(re::event_id.eq(&event.event_id))
        .select((re::nft_id, re::seq, re::event))
        .first::<(String, i64, Value)>(conn)
        .await
        .optional()?;
    Ok(found.map(|(owner, seq, stored)| {
        let same = owner == nft_id
            && serde_json::from_value::<ReputationEvent>(stored).is_ok_and(|s| &s == event);
        if same {
            Ok(RecordOutcome::Duplicate { seq })
        } else {
            Err(PortError::event_id_reused(&event.event_id))
        }
    }))
}

/// `(nftId, aggregate JSON)` rows as aggregates.
fn aggregates(rows: Vec<(String, Value)>) -> Result<Vec<(String, ReputationAggregate)>, PortError> {
    rows.into_iter()
        .map(|(id, v)| Ok((id, from_json(v)?)))
        .collect()
}

impl ReputationStore for PostgresReputationStore {
    async fn get(&self, nft_id: &str) -> Result<Option<ReputationAggregate>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                load_aggregate(&mut conn, nft_id).await.map_err(db_err)
            })
            .await
    }

    async fn put(&self, nft_id: &str, aggregate: &ReputationAggregate) -> Result<(), PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                upsert_aggregate(&mut conn, nft_id, aggregate).await
            })
            .await
    }

    async fn list_cold(&self) -> Result<Vec<(String, ReputationAggregate)>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let rows: Vec<(String, Value)> = ra::table
                    .filter(ra::state.eq(ReputationState::Cold.as_str()))
                    .select((ra::nft_id, ra::aggregate))
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                aggregates(rows)
            })
            .await
    }

    async fn count(&self) -> Result<u64, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let n: i64 = ra::table
                    .select(count_star())
                    .get_result(&mut conn)
                    .await
                    .map_err(db_err)?;
                Ok(n.max(0) as u64)
            })
            .await
    }

    async fn list_all(&self) -> Result<Vec<(String, ReputationAggregate)>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let rows: Vec<(String, Value)> = ra::table
                    .select((ra::nft_id, ra::aggregate))
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                aggregates(rows)
            })
            .await
    }

    async fn get_task_cohort(
        &self,
        nft_id: &str,
        model_id: &str,
        task_type: &str,
    ) -> Result<Option<TaskTypeCohort>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let found: Option<Value> = rc::table
                    .filter(rc::nft_id.eq(nft_id))
                    .filter(rc::model_id.eq(model_id))
                    .filter(rc::task_type.eq(task_type))
                    .select(rc::cohort)
                    .first(&mut conn)
                    .await
                    .optional()
                    .map_err(db_err)?;
                found.map(from_json).transpose()
            })
            .await
    }

    async fn put_task_cohort(
        &self,
        nft_id: &str,
        cohort: &TaskTypeCohort,
    ) -> Result<(), PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                upsert_cohort(&mut conn, nft_id, cohort).await
            })
            .await
    }

    async fn list_task_cohorts(&self, nft_id: &str) -> Result<Vec<TaskTypeCohort>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let rows: Vec<Value> = rc::table
                    .filter(rc::nft_id.eq(nft_id))
                    .order((rc::model_id.asc(), rc::task_type.asc()))
                    .select(rc::cohort)
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                rows.into_iter().map(from_json).collect()
            })
            .await
    }

    async fn count_by_state(&self) -> Result<StateCounts, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let rows: Vec<(String, i64)> = ra::table
                    .group_by(ra::state)
                    .select((ra::state, count_star()))
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                let mut counts = StateCounts::default();
                for (state, n) in rows {
                    match ReputationState::parse(&state) {
                        Some(s) => counts.add(s, n.max(0) as u64),
                        None => tracing::warn!(event = "unknown_reputation_state", state = %state),
                    }
                }
                Ok(counts)
            })
            .await
    }

    async fn append_event(&self, nft_id: &str, event: &ReputationEvent) -> Result<i64, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                insert_event(&mut conn, nft_id, event, None)
                    .await
                    .map_err(db_err)
            })
            .await
    }

    async fn get_event_history(
        &self,
        nft_id: &str,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let rows: Vec<(i64, Value)> = re::table
                    .filter(re::nft_id.eq(nft_id))
                    .filter(re::seq.gt(after.unwrap_or(0)))
                    .order(re::seq.asc())
                    .limit(limit)
                    .select((re::seq, re::event))
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                stored_events(rows)
            })
            .await
    }

    async fn recent_events(
        &self,
        nft_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let mut rows: Vec<(i64, Value)> = re::table
                    .filter(re::nft_id.eq(nft_id))
                    .order(re::seq.desc())
                    .limit(limit)
                    .select((re::seq, re::event))
                    .load(&mut conn)
                    .await
                    .map_err(db_err)?;
                rows.reverse();
                stored_events(rows)
            })
            .await
    }

    async fn record_event<F>(
        &self,
        nft_id: &str,
        cohort_key: Option<(&str, &str)>,
        event: &ReputationEvent,
        derive: F,
    ) -> Result<RecordOutcome, PortError>
    where
        F: FnOnce(Option<&ReputationAggregate>, Option<&TaskTypeCohort>) -> Derived + Send,
    {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let outcome = conn
                    .transaction(async |conn| -> Result<RecordOutcome, TxError> {
                        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                            .bind::<diesel::sql_types::Text, _>(nft_id)
                            .execute(conn)
                            .await?;
                        if let Some(earlier) = earlier_recording(conn, nft_id, event).await? {
                            return earlier.map_err(TxError::Port);
                        }
                        let current = load_aggregate(conn, nft_id).await?;
                        let current_cohort: Option<TaskTypeCohort> = match cohort_key {
                            Some((model, task)) => rc::table
                                .filter(rc::nft_id.eq(nft_id))
                                .filter(rc::model_id.eq(model))
                                .filter(rc::task_type.eq(task))
                                .select(rc::cohort)
                                .first::<Value>(conn)
                                .await
                                .optional()?
                                .map(from_json)
                                .transpose()?,
                            None => None,
                        };
                        let (aggregate, cohort) = derive(current.as_ref(), current_cohort.as_ref());
                        let seq = insert_event(conn, nft_id, event, Some(&event.event_id)).await?;
                        upsert_aggregate(conn, nft_id, &aggregate).await?;
                        if let Some(cohort) = &cohort {
                            upsert_cohort(conn, nft_id, cohort).await?;
                        }
                        Ok(RecordOutcome::Recorded { seq })
                    })
                    .await;
                match outcome {
                    Ok(outcome) => Ok(outcome),
                    Err(TxError::Port(e)) => Err(e),
                    // The same event_id was committed for another NFT between our check and insert.
                    Err(TxError::Db(DieselError::DatabaseError(
                        DatabaseErrorKind::UniqueViolation,
                        _,
                    ))) => {
                        match earlier_recording(&mut conn, nft_id, event)
                            .await
                            .map_err(db_err)?
                        {
                            Some(earlier) => earlier,
                            None => Err(PortError::Unexpected(
                                "unique violation without a row".into(),
                            )),
                        }
                    }
                    Err(TxError::Db(e)) => Err(db_err(e)),
                }
            })
            .await
    }

    fn describe(&self) -> StoreInfo {
        StoreInfo {
            kind: StoreKind::Postgres,
            pool: Some(self.pool.metrics()),
        }
    }

    async fn probe(&self) -> Result<(), PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                diesel::sql_query("SELECT 1")
                    .execute(&mut conn)
                    .await
                    .map(|_| ())
                    .map_err(db_err)
            })
            .await
    }
}
